"""Turns latency.LatencyResults into a summary (JSON), the markdown section and its plot."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from .latency import OPS, LatencyResults

OP_TITLES = {"create": "create (up)", "noop_up": "no-op up", "refresh": "refresh", "destroy": "destroy"}
KINDS = ("Application", "EventType", "Endpoint", "Integration")
RAW_RATIO_TARGET = 2.0
LOOPBACK_RATIO_TARGET = 1.5
IN_FLIGHT_TARGET = 7


def summarize(results: LatencyResults) -> dict:
    plan = asdict(results.plan)
    plan["impl_path"] = str(plan["impl_path"]) if plan["impl_path"] else None
    return {"plan": plan, "rows": results.rows, "round_trips": results.round_trips, "probe": results.probe,
            "state": results.state, "faces": results.faces, "in_flight_series": results.in_flight_series,
            "meta": results.meta}


def _find(summary: dict, latency, size, impl, op, checkpoints=True, parallel=None) -> dict | None:
    for row in summary["rows"]:
        if (row["latency_ms"], row["size"], row["impl"], row["op"]) == (latency, size, impl, op) \
                and (impl == "raw" or (row["checkpoints"] == checkpoints and row.get("parallel") == parallel)):
            return row
    return None


def _seconds(row: dict | None) -> float:
    return row["seconds"] if row else float("nan")


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def _f(value: float, digits: int = 2) -> str:
    return "—" if value != value else f"{value:.{digits}f}"


def _ratio(a: float, b: float) -> float:
    return a / b if b and a == a and b == b else float("nan")


def time_rows(summary: dict, before: dict | None, checkpoints: bool = True) -> list[list[str]]:
    rows = []
    plan = summary["plan"]
    for latency in plan["latencies_ms"]:
        for size in plan["sizes"]:
            for op in OPS:
                svix = _find(summary, latency, size, "svix", op, checkpoints)
                if svix is None:
                    continue
                null = _find(summary, latency, size, "null", op, checkpoints)
                raw = _find(summary, latency, size, "raw", op)
                old = _find(before, latency, size, "svix", op, checkpoints) if before else None
                rows.append([f"{latency} ms", str(size), OP_TITLES[op], _f(_seconds(svix)),
                             _f(_seconds(old)) if before else "",
                             _f(_seconds(null)), _f(_seconds(raw)),
                             f"**{_f(_ratio(_seconds(svix), _seconds(raw)))}**" if raw else "",
                             _f(_ratio(_seconds(svix), _seconds(null))),
                             str(svix["requests"]), _f(svix["mean_in_flight"], 1) + " / " + str(svix["peak_in_flight"]),
                             (_f(old["mean_in_flight"], 1) + " / " + str(old["peak_in_flight"])) if old else ""])
    return rows


def _engine_work_rows(summary: dict) -> list[list[str]]:
    at = summary["plan"].get("engine_work_at")
    if not at:
        return []
    latency, size = at
    rows = []
    for op in OPS:
        on = _find(summary, latency, size, "svix", op, True)
        off = _find(summary, latency, size, "svix", op, False)
        null_on = _find(summary, latency, size, "null", op, True)
        null_off = _find(summary, latency, size, "null", op, False)
        raw = _find(summary, latency, size, "raw", op)
        if on is None or off is None:
            continue
        wide = _find(summary, latency, size, "svix", op, False, 16)
        null_wide = _find(summary, latency, size, "null", op, False, 16)
        rows.append([OP_TITLES[op], _f(_seconds(on)), _f(_seconds(off)), _f(_seconds(null_on)), _f(_seconds(null_off)),
                     _f(_seconds(raw)), _f(_ratio(_seconds(off), _seconds(raw))),
                     _f((_seconds(on) - _seconds(off)) / size * 1000, 1),
                     _f(_seconds(wide)), _f(_seconds(null_wide)), _f(_ratio(_seconds(wide), _seconds(raw)))])
    return rows


def binds(summary: dict, before: dict | None) -> list[str]:
    """The reading of the measurements: what decides the time, in numbers from this run."""
    plan = summary["plan"]
    at = plan.get("engine_work_at")
    if not at:
        return ["(no run without checkpoints in this plan)"]
    latency, size = at
    lines = []
    for op in ("create", "destroy", "refresh"):
        on, off = (_seconds(_find(summary, latency, size, "svix", op, c)) for c in (True, False))
        null_on, null_off = (_seconds(_find(summary, latency, size, "null", op, c)) for c in (True, False))
        raw = _seconds(_find(summary, latency, size, "raw", op))
        wide = _seconds(_find(summary, latency, size, "svix", op, False, 16))
        null_wide = _seconds(_find(summary, latency, size, "null", op, False, 16))
        lines.append(
            f"- **{OP_TITLES[op]}, {size} resources at {latency} ms**: pulumi-svix {_f(on)} s with checkpoints, "
            f"{_f(off)} s without ({_f((on - off) / size * 1000, 1)} ms per resource for the checkpoints); the null "
            f"floor {_f(null_on)} s / {_f(null_off)} s; raw requests {_f(raw)} s. Without checkpoints pulumi-svix is "
            f"{_f(_ratio(off, null_off))} x the floor and {_f(_ratio(off, raw))} x raw; the floor alone is "
            f"{_f(_ratio(null_off, raw))} x raw. At `--parallel 16` (the raw script's threads), no checkpoints: "
            f"pulumi-svix {_f(wide)} s = {_f(_ratio(wide, raw))} x raw, the floor {_f(null_wide)} s.")
    probe = summary["probe"].get("svix create")
    old = before["probe"].get("svix create") if before else None
    if probe:
        lines.append(f"- **Requests in flight** ({plan['probe_event_types']} independent resources at "
                     f"{plan['probe_latency_ms']} ms, default flags): mean {_f(probe['mean_in_flight'], 1)}, peak "
                     f"{probe['peak_in_flight']}" + (f" (before: mean {_f(old['mean_in_flight'], 1)}, peak "
                                                     f"{old['peak_in_flight']})" if old else "")
                     + ". The engine's `--parallel` (8 by default) is the ceiling now, not the provider host's 4 "
                       "worker threads; `--parallel 16` lets more through.")
    lines.append("- So, in order: (1) on the file backend, the checkpoint the engine writes after every step "
                 "(the whole state, rewritten and re-encrypted) is most of the time at 600 resources, for any "
                 "provider — the null floor pays it too; (2) without it, the engine's own cost per step and its "
                 "`--parallel` (8, against the raw script's 16 threads) set the floor; (3) the provider's share is "
                 "the difference between pulumi-svix and the floor.")
    return lines


def _loopback_ratio(loopback: dict | None, op: str) -> tuple[int | None, float]:
    """(largest size, pulumi-svix / null floor) of ``op`` in a loopback summary (engine work)."""
    if not loopback:
        return None, float("nan")
    by_size = loopback["times"]["engine"]
    largest = max(int(s) for s in by_size)
    row = (by_size.get(str(largest)) or by_size.get(largest) or {}).get(op)
    return largest, (row["ratio"] if row else float("nan"))


def targets(summary: dict, loopback: dict | None, loopback_before: dict | None = None) -> list[dict]:
    out = []

    def add(name: str, wanted: str, measured: str, met: bool) -> None:
        out.append({"target": name, "wanted": wanted, "measured": measured, "met": met})

    plan = summary["plan"]
    latency, size = (50 if 50 in plan["latencies_ms"] else plan["latencies_ms"][0]), max(plan["sizes"])
    for op in ("create", "refresh", "destroy"):
        ratio = _ratio(_seconds(_find(summary, latency, size, "svix", op)), _seconds(_find(summary, latency, size, "raw", op)))
        add(f"{OP_TITLES[op]} at {latency} ms, {size} resources, default flags: pulumi-svix / raw (16 threads)",
            f"<= {RAW_RATIO_TARGET}", _f(ratio), ratio <= RAW_RATIO_TARGET)
    trips = summary["round_trips"]
    endpoint_create = trips.get("create", {}).get("Endpoint", float("nan"))
    endpoint_read = trips.get("refresh", {}).get("Endpoint", float("nan"))
    integration_create = trips.get("create", {}).get("Integration", float("nan"))
    add("round trips: Endpoint create", "1", _f(endpoint_create, 1), round(endpoint_create) <= 1)
    add("round trips: Endpoint read (refresh)", "1", _f(endpoint_read, 1), round(endpoint_read) <= 1)
    add("round trips: Integration create", "<= 2", _f(integration_create, 1), round(integration_create) <= 2)
    if loopback:
        for op in ("refresh", "destroy"):
            largest, ratio = _loopback_ratio(loopback, op)
            _, old = _loopback_ratio(loopback_before, op)
            add(f"loopback {largest}, {OP_TITLES[op]} / null floor (engine work, --parallel "
                f"{loopback['meta']['parallel']})", f"<= {LOOPBACK_RATIO_TARGET}",
                _f(ratio) + (f" (before: {_f(old)})" if loopback_before else ""), ratio <= LOOPBACK_RATIO_TARGET)
    probe = summary["probe"].get("svix create")
    if probe:
        add(f"requests in flight at {plan['probe_latency_ms']} ms ({plan['probe_event_types']} independent "
            "resources, default flags), mean over the create", f">= {IN_FLIGHT_TARGET}",
            f"{_f(probe['mean_in_flight'], 1)} (peak {probe['peak_in_flight']})",
            probe["mean_in_flight"] >= IN_FLIGHT_TARGET)
    return out


def markdown(summary: dict, before: dict | None = None, loopback: dict | None = None,
             loopback_before: dict | None = None) -> str:
    plan, meta = summary["plan"], summary["meta"]
    parts = ["# Against a remote Svix: latency-bound benchmark", "",
             f"{meta['date']} · plan `{plan['label']}` · took {meta['total_seconds'] / 60:.1f} min · the emulator waits "
             f"the given latency before answering each API request; the CLI runs with its default flags "
             f"(`--parallel` 8, a checkpoint per step on the file backend) unless a row says otherwise. "
             f"**raw** = `bench/raw_client.py`, the same minimal calls with {plan['raw_threads']} threads and no "
             "Pulumi (create: the creates, the integration key rotation; refresh: one GET per object; destroy: one "
             "DELETE per object). **null floor** = the null provider waiting one latency per create/read/delete "
             "(one round trip per resource, no work) through the same engine, its provider host's pool widened as "
             "pulumi-svix's is (so the floor is the engine's own limit). In flight = requests in flight, from the emulator's request log "
             "(mean over the operation's span / peak)."
             + (f" **before** = the same run on commit `{before['meta'].get('commit', '?')}` (before this work)."
                if before else "")
             + " On a 2-core machine shared with other work, whole-command times vary by seconds between runs "
               "(the no-op rows send no request at all): compare within a row and read the in-flight and "
               "round-trip figures, which do not depend on the machine.", "",
             "## Time", "",
             _table(["latency", "resources", "operation", "pulumi-svix s", "before s" if before else "",
                     "null floor s", "raw s", "svix / raw", "svix / null", "requests", "in flight (mean / peak)",
                     "before: in flight" if before else ""],
                    time_rows(summary, before)), ""]

    engine_rows = _engine_work_rows(summary)
    if engine_rows:
        latency, size = plan["engine_work_at"]
        parts += [f"## What binds: the same {size} resources at {latency} ms with checkpoints off", "",
                  "`PULUMI_SKIP_CHECKPOINTS=true`: the engine writes the state once, at the end, instead of after "
                  "every step. The last column is what the checkpoints cost per resource.", "",
                  _table(["operation", "svix, default s", "svix, no checkpoints s", "null, default s",
                          "null, no checkpoints s", "raw s", "svix no-ckpt / raw", "checkpoint ms per resource",
                          "svix, no ckpt, --parallel 16 s", "null, same s", "svix p16 / raw"],
                         engine_rows), ""]

    parts += ["## Which limit binds", "", *binds(summary, before), ""]

    trips = summary["round_trips"]
    parts += ["## Round trips per resource", "",
              f"A stack of {plan.get('round_trip_apps', 1)} application(s) (each with 2 endpoints and 1 integration; "
              f"4 event types) at {plan['round_trip_latency_ms']} ms with `--parallel 1`: the time each kind's requests covered "
              "(requests side by side count once), over the latency and the objects of that kind.", "",
              _table(["kind", *[OP_TITLES[op] for op in OPS]]
                     + ([*[f"before: {OP_TITLES[op]}" for op in OPS]] if before else []),
                     [[kind, *[_f(trips.get(op, {}).get(kind, 0.0), 1) for op in OPS]]
                      + ([_f(before["round_trips"].get(op, {}).get(kind, 0.0), 1) for op in OPS] if before else [])
                      for kind in KINDS]), ""]

    probe_rows = []
    for key, row in summary["probe"].items():
        if key.startswith("null"):  # the null provider sends no request: only its time says anything
            probe_rows.append([key, _f(row["seconds"]), "—", ""])
            continue
        old = before["probe"].get(key) if before else None
        probe_rows.append([key, _f(row["seconds"]), f"{_f(row['mean_in_flight'], 1)} / {row['peak_in_flight']}",
                           (f"{_f(old['seconds'])} s, {_f(old['mean_in_flight'], 1)} / {old['peak_in_flight']}"
                            if old else "")])
    parts += [f"## Requests in flight at {plan['probe_latency_ms']} ms: {plan['probe_event_types']} independent "
              "event types, default flags", "",
              _table(["stack, operation", "seconds", "in flight (mean / peak)", "before" if before else ""],
                     probe_rows), ""]

    state = summary["state"]
    if state:
        parts += ["## Checkpoints: what the file backend rewrites", "",
                  "Bytes per resource in the state (compact JSON of `pulumi stack export`, secrets encrypted as "
                  "stored); the file backend rewrites the whole file at every checkpoint (twice per step), so an "
                  f"up of N resources writes about 2 x N x N x (bytes per resource).", "",
                  _table(["", "entry", "inputs", "outputs", "`__provider` (in + out)", "URN, type, dependencies, ..."],
                         [[impl, *[f"{s[k]:.0f}" for k in ("entry_bytes", "inputs_bytes", "outputs_bytes",
                                                            "provider_ref_bytes", "other_bytes")]]
                          for impl, s in state.items()]), ""]

    faces = summary.get("faces") or {}
    if faces:
        titles = {"svix": "dynamic face (`pulumi_svix`)", "native": "plugin face (`pulumi_svix.native`)",
                  "null": "null floor"}
        parts += [f"## Two faces: {plan.get('faces_size')} resources through the dynamic resources and through the "
                  "provider plugin", "",
                  "Loopback (no latency), checkpoints off, default `--parallel`; seconds (API requests). The plugin "
                  "face runs the same provider code in `pulumi-resource-svix` instead of `python -m pulumi.dynamic`; "
                  "its state holds no `__provider`.", "",
                  _table(["face", *[OP_TITLES[op] for op in OPS], "state bytes / resource", "`__provider` bytes"],
                         [[titles[impl], *[f"{_f(row[op]['seconds'])} ({row[op]['requests']})" for op in OPS],
                           f"{row['state']['entry_bytes']:.0f}", f"{row['state']['provider_ref_bytes']:.0f}"]
                          for impl, row in faces.items()]), ""]

    parts += ["## Targets", "",
              _table(["target", "wanted", "measured", "met"],
                     [[t["target"], t["wanted"], t["measured"], "yes" if t["met"] else "**no**"]
                      for t in targets(summary, loopback, loopback_before)]), ""]
    return "\n".join(parts)


def plot(summary: dict, path: Path, before: dict | None = None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plan = summary["plan"]
    latency = plan["latencies_ms"][0]
    fig, axes = plt.subplots(1, 4, figsize=(17, 3.8))
    for ax, op in zip(axes[:3], ("create", "refresh", "destroy")):
        sizes = plan["sizes"]
        for impl, style, color, label in (("svix", "-o", "tab:blue", "pulumi-svix"), ("null", "-s", "tab:gray", "null floor"),
                                          ("raw", "--^", "tab:green", f"raw ({plan['raw_threads']} threads)")):
            ax.plot(sizes, [_seconds(_find(summary, latency, s, impl, op)) for s in sizes], style, color=color, label=label)
        if before:
            ax.plot(sizes, [_seconds(_find(before, latency, s, "svix", op)) for s in sizes], ":o", color="tab:red",
                    label="pulumi-svix before")
        ax.set_title(f"{OP_TITLES[op]} at {latency} ms")
        ax.set_xlabel("resources")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("seconds")
    axes[0].legend(fontsize=7)
    ax = axes[3]  # the probe: independent resources, where only the concurrency limits decide
    probes = {key: points for key, points in summary["in_flight_series"].items() if "event types" in key}
    for key, points in probes.items():
        if points:
            ax.plot([p[0] for p in points], [p[1] for p in points], label=key, linewidth=1.2)
    if before:
        for key, points in before["in_flight_series"].items():
            if points and "event types" in key:
                ax.plot([p[0] for p in points], [p[1] for p in points], ":", label=f"before: {key}", linewidth=1.2)
    ax.set_title("requests in flight (independent resources)")
    ax.set_xlabel("seconds")
    ax.legend(fontsize=6)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)

