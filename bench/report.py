"""Turns run.Results into the summary (JSON), the markdown tables and the plot."""

from __future__ import annotations

import json
import math
from pathlib import Path

from . import shape
from .run import IMPLS, Results, kind_of, median

KINDS = ("Application", "EventType", "Endpoint", "Integration")
TIMED_OPS = ("create", "noop_up", "refresh", "destroy")
OP_TITLES = {"create": "create (up)", "preview": "no-op preview", "noop_up": "no-op up", "refresh": "refresh",
             "update": "update 1 field", "destroy": "destroy"}
CREATE_TARGETS = {"Application": 1, "EventType": 1, "Endpoint": 3, "Integration": 2}
RATIO_TARGET = 1.3
PROVIDER_BYTES_TARGET = 200
IMPORT_TARGET_S = 0.150


# ---------------------------------------------------------------------------------------------
# Summary: medians and ratios, everything the tables and the plot show.

def _per_kind(routes: dict[str, int], objects: dict[str, int]) -> dict[str, float]:
    totals = {kind: 0 for kind in KINDS}
    for route, n in routes.items():
        totals[kind_of(route)] = totals.get(kind_of(route), 0) + n
    return {kind: totals[kind] / objects[kind] for kind in KINDS}


def _median_routes(runs: list[dict[str, int]]) -> dict[str, float]:
    routes = {r for run in runs for r in run}
    return {r: median([run.get(r, 0) for run in runs]) for r in sorted(routes)}


def _refresh_within_target(routes: dict[str, float], objects: dict[str, int]) -> bool:
    """At most one GET per object and sub-object: every route is a GET counted at most once per object."""
    return all(route.startswith("GET ") and n <= objects[kind_of(route)] for route, n in routes.items())


def summarize(results: Results) -> dict:
    plan = results.plan
    calls = {}
    for size, by_op in results.calls.items():
        objects = shape.counts(shape.apps_for(size))
        calls[size] = {op: {"total": median([sum(run.values()) for run in runs]),
                            "per_object": _per_kind(_median_routes(runs), objects),
                            "routes": _median_routes(runs)}
                       for op, runs in by_op.items()}

    times = {}
    for mode, by_size in results.times.items():
        times[mode] = {}
        for size, by_impl in by_size.items():
            rows = {}
            for op in by_impl["svix"]:
                row = {"runs": len(by_impl["svix"][op])}
                for impl in IMPLS:
                    samples = by_impl[impl][op]
                    row[impl] = {
                        "seconds": median([s["seconds"] for s in samples]),
                        "samples": [round(s["seconds"], 3) for s in samples],
                        "provider_cpu_s": median([s.get("provider_cpu_s", 0) for s in samples]),
                        "pulumi_tree_cpu_s": median([s["pulumi_tree_cpu_s"] for s in samples]),
                        "emulator_cpu_s": median([s["emulator_cpu_s"] for s in samples]),
                        "provider_peak_rss": max(s.get("provider_peak_rss", 0) for s in samples),
                    }
                row["ratio"] = row["svix"]["seconds"] / row["null"]["seconds"]
                if op == "create" and results.raw.get(size) and mode == "engine":
                    row["raw_seconds"] = median(results.raw[size])
                    row["raw_samples"] = [round(s, 3) for s in results.raw[size]]
                    row["raw_ratio"] = row["svix"]["seconds"] / row["raw_seconds"]
                rows[op] = row
            times[mode][size] = rows

    largest = max(plan.sizes)
    rss = {impl: max(t[impl]["provider_peak_rss"] for t in times["engine"][largest].values()) for impl in IMPLS}
    summary = {"meta": results.meta, "calls": calls, "times": times, "state": dict(results.state),
               "provider_peak_rss": {"resources": largest, **rss}, "imports": results.imports}
    summary["targets"] = targets(summary, largest)
    return summary


def targets(summary: dict, largest: int) -> list[dict]:
    out = []

    def add(name: str, target: str, value: str, met: bool) -> None:
        out.append({"target": name, "wanted": target, "measured": value, "met": bool(met)})

    calls = summary["calls"]
    for op in ("preview", "noop_up"):
        worst = max(by_op[op]["total"] for by_op in calls.values() if op in by_op)
        add(f"{OP_TITLES[op]}: API calls", "0", f"{worst:g} (largest over all sizes)", worst == 0)
    smallest = min(calls)
    per_object = calls[smallest]["create"]["per_object"]
    for kind, limit in CREATE_TARGETS.items():
        add(f"create {kind}: calls per object", f"<= {limit}", f"{per_object[kind]:g}", per_object[kind] <= limit)
    refresh_ok = all(_refresh_within_target(by_op["refresh"]["routes"], shape.counts(shape.apps_for(size)))
                     for size, by_op in calls.items())
    add("refresh: GETs", "<= 1 GET per object and sub-object",
        ", ".join(f"{k} {v:g}" for k, v in calls[smallest]["refresh"]["per_object"].items()), refresh_ok)
    for mode, label in (("engine", "engine work"), ("default", "default checkpoints")):
        rows = summary["times"].get(mode, {}).get(largest, {})
        for op in TIMED_OPS:
            if op in rows:
                ratio = rows[op]["ratio"]
                add(f"floor ratio at {largest}, {OP_TITLES[op]} ({label})", f"<= {RATIO_TARGET}",
                    f"{ratio:.2f} ({rows[op]['runs']} run{'s' if rows[op]['runs'] > 1 else ''})",
                    ratio <= RATIO_TARGET)
    state = summary["state"].get(largest, {}).get("svix")
    if state:
        add("__provider bytes per resource", f"<= {PROVIDER_BYTES_TARGET}",
            f"{state['provider_bytes_per_resource']:.0f}", state["provider_bytes_per_resource"] <= PROVIDER_BYTES_TARGET)
    adds = summary["imports"]["import_pulumi_svix_adds_s"]
    add("import pulumi_svix on top of import pulumi", f"<= {IMPORT_TARGET_S * 1000:.0f} ms",
        f"{adds * 1000:.0f} ms", adds <= IMPORT_TARGET_S)
    return out


# ---------------------------------------------------------------------------------------------
# Markdown.

def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _s(seconds: float) -> str:
    return "—" if seconds is None or math.isnan(seconds) else f"{seconds:.2f}"


def _mib(n: int) -> str:
    return f"{n / 2**20:.0f} MiB"


def markdown(summary: dict) -> str:
    meta = summary["meta"]
    runs = ", ".join(f"{size}: {n}" for size, n in meta["runs"].items())
    parts = [
        "# pulumi-svix benchmark",
        "",
        f"{meta['date']} · {meta['machine']} · Python {meta['python']} · pulumi {meta['pulumi']} · "
        f"`--parallel {meta['parallel']}` for every row · plan `{meta['plan']}` · "
        f"took {meta['total_seconds'] / 60:.1f} min.",
        "",
        f"Runs per size (median reported): {runs}; no-op preview timed at {meta['preview_sizes']}, "
        f"update at {meta['update_sizes']}; default checkpoints at {meta['checkpoint_sizes']}: "
        f"{meta['checkpoint_runs']} run{'s' if meta['checkpoint_runs'] > 1 else ''} per size, create and "
        f"destroy only (all sized to fit `make bench` in 20 minutes on 2 cores). Stack: 4 event types + "
        f"apps x (application, 2 endpoints with headers, integration). Emulator on loopback. "
        f"See bench/README.md.",
        "",
    ]

    smallest = min(summary["calls"])
    by_op = summary["calls"][smallest]
    ops = [op for op in OP_TITLES if op in by_op]
    parts += [f"## 1. API calls per object ({smallest}-resource stack, pulumi-svix)", ""]
    rows = [[kind] + [f"{by_op[op]['per_object'][kind]:g}" for op in ops] for kind in KINDS]
    rows.append(["**stack total**"] + [f"{by_op[op]['total']:g}" for op in ops])
    parts += [_table(["kind"] + [OP_TITLES[op] for op in ops], rows), ""]
    totals = [[str(size)] + [f"{summary['calls'][size][op]['total']:g}" if op in summary["calls"][size] else "—"
                             for op in ops]
              for size in sorted(summary["calls"])]
    parts += ["Calls per stack at every size (— = not run at that size; linear in size if the per-object "
              "figures hold):", "", _table(["resources"] + [OP_TITLES[op] for op in ops], totals), ""]

    for mode, title in (("engine", "2–3. Time: engine work (PULUMI_SKIP_CHECKPOINTS=true)"),
                        ("default", "2b. Time: default engine (state checkpoint after every step)")):
        if mode not in summary["times"]:
            continue
        parts += [f"## {title}", "",
                  "Seconds, median of the runs. CPU seconds (median): prov = the dynamic-provider "
                  "process, tree = everything the CLI started (engine, language host, program, provider), "
                  "emu = the emulator.", ""]
        rows = []
        for size, by_op_t in sorted(summary["times"][mode].items()):
            for op, row in by_op_t.items():
                svix, null = row["svix"], row["null"]
                raw = (f"{_s(row['raw_seconds'])} (x{row['raw_ratio']:.1f})" if "raw_seconds" in row else "")
                rows.append([str(size), OP_TITLES[op], str(row["runs"]), _s(svix["seconds"]), _s(null["seconds"]),
                             f"**{row['ratio']:.2f}**", raw,
                             f"{svix['provider_cpu_s']:.1f} / {null['provider_cpu_s']:.1f}",
                             f"{svix['pulumi_tree_cpu_s']:.1f} / {null['pulumi_tree_cpu_s']:.1f}",
                             f"{svix['emulator_cpu_s']:.1f}"])
        parts += [_table(["resources", "operation", "runs", "pulumi-svix s", "null floor s", "ratio",
                          "raw requests s (svix/raw)", "prov CPU svix / null", "tree CPU svix / null",
                          "emu CPU"], rows), ""]

    largest = summary["provider_peak_rss"]["resources"]
    parts += [f"## 4. State, memory, start-up", ""]
    rows = []
    for impl, label in (("svix", "pulumi-svix"), ("null", "null floor")):
        state = summary["state"].get(largest, {}).get(impl, {})
        rows.append([label, f"{state.get('provider_bytes_per_resource', float('nan')):.0f}",
                     f"{state.get('state_bytes_per_resource', float('nan')):.0f}",
                     _mib(summary["provider_peak_rss"][impl])])
    parts += [_table(["", "`__provider` bytes/resource", "state bytes/resource",
                      f"provider peak RSS ({largest} resources)"], rows), ""]
    imports = summary["imports"]
    parts += [f"Import time (median of {imports['runs']} fresh interpreters): `import pulumi` "
              f"{imports['import_pulumi_s'] * 1000:.0f} ms; `import pulumi_svix` adds "
              f"**{imports['import_pulumi_svix_adds_s'] * 1000:.0f} ms**; the provider process loads "
              f"{imports['provider_first_call_imports_s'] * 1000:.0f} ms more on its first call "
              "(client, validation, schema).", ""]

    parts += ["## Targets", "",
              _table(["target", "wanted", "measured", "met"],
                     [[t["target"], t["wanted"], t["measured"], "yes" if t["met"] else "**no**"]
                      for t in summary["targets"]]), ""]
    return "\n".join(parts)


# ---------------------------------------------------------------------------------------------
# Plot.

def plot(summary: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(TIMED_OPS), figsize=(4 * len(TIMED_OPS), 3.8), sharex=True)
    for ax, op in zip(axes, TIMED_OPS):
        for mode, style in (("engine", "-"), ("default", ":")):
            by_size = summary["times"].get(mode, {})
            sizes = sorted(s for s in by_size if op in by_size[s])
            if not sizes:
                continue
            suffix = "" if mode == "engine" else " (default checkpoints)"
            ax.plot(sizes, [by_size[s][op]["svix"]["seconds"] for s in sizes], style, marker="o",
                    color="tab:blue", label=f"pulumi-svix{suffix}")
            ax.plot(sizes, [by_size[s][op]["null"]["seconds"] for s in sizes], style, marker="s",
                    color="tab:gray", label=f"null floor{suffix}")
            if op == "create" and mode == "engine":
                ax.plot(sizes, [by_size[s][op].get("raw_seconds", float("nan")) for s in sizes], "--",
                        marker="^", color="tab:green", label="raw requests")
        ax.set_title(OP_TITLES[op])
        ax.set_xlabel("resources")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("seconds (median)")
    axes[0].legend(fontsize=7)
    fig.suptitle(f"pulumi-svix vs the engine floor (--parallel {summary['meta']['parallel']})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write(summary: dict, out_dir: Path) -> str:
    out_dir.mkdir(parents=True, exist_ok=True)
    text = markdown(summary)
    (out_dir / "latest.md").write_text(text + "\n![time vs resources](latest.png)\n")
    (out_dir / "latest.json").write_text(json.dumps(summary, indent=2, default=str) + "\n")
    plot(summary, out_dir / "latest.png")
    return text
