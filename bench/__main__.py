"""`python -m bench` (what `make bench` runs): see bench/README.md.

    python -m bench                     # loopback (60, 300, 600 resources) and latency (50/150 ms x 100/600)
    python -m bench --part latency      # only the latency-bound runs (their section of latest.md is rewritten)
    python -m bench --quick             # one 8-resource stack of each part, one run: a smoke run
    python -m bench --part latency --impl-path ../old-worktree   # "before" figures of an older commit
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from . import latency, latency_report, report, run

RESULTS_DIR = Path(__file__).resolve().parent / "results"
BEFORE_FILE = "latency-before.json"
LOOPBACK_BEFORE_FILE = "loopback-before.json"


def _load(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.exists() else None


def _commit(path: Path) -> str:
    """The commit of the pulumi_svix measured in ``path`` (which may hold only a link to it)."""
    package = (path / "pulumi_svix").resolve()
    done = subprocess.run(["git", "-C", str(package), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def write_latest(out: Path, loopback: dict | None, latency_summary: dict | None) -> str:
    """latest.md = the loopback section (if any) + the latency section (if any); latest.json the same."""
    out.mkdir(parents=True, exist_ok=True)
    before = _load(out / BEFORE_FILE)
    loopback_before = _load(out / LOOPBACK_BEFORE_FILE)
    parts, data = [], {}
    if loopback:
        parts.append(report.markdown(loopback) + "\n![time vs resources](latest.png)\n")
        report.plot(loopback, out / "latest.png")
        data.update(loopback)
    if latency_summary:
        parts.append(latency_report.markdown(latency_summary, before, loopback, loopback_before)
                     + "\n![latency-bound runs and requests in flight](latency.png)\n")
        latency_report.plot(latency_summary, out / "latency.png", before)
        data["latency"] = latency_summary
    (out / "latest.md").write_text("\n".join(parts))
    (out / "latest.json").write_text(json.dumps(data, indent=2, default=str) + "\n")
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one 8-resource stack, one run")
    parser.add_argument("--part", choices=("all", "loopback", "latency"), default="all")
    parser.add_argument("--parallel", type=int, default=8,
                        help="loopback part: pulumi --parallel and raw-client threads (default 8, the CLI's default)")
    parser.add_argument("--runs", type=int, help="loopback: runs per size (default 3; 1 with --quick)")
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")],
                        help="loopback: comma-separated resource counts, each 4 + 4 x apps (default 60,300,600)")
    parser.add_argument("--checkpoint-runs", type=int, help="loopback: runs per size with default checkpoints (default 1)")
    parser.add_argument("--impl-path", type=Path,
                        help=f"latency part: measure the pulumi_svix in this directory (an older commit's worktree) "
                             f"and save it as {BEFORE_FILE}, the 'before' columns")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="where latest.{md,json,png} go")
    args = parser.parse_args(argv)

    previous = _load(args.out / "latest.json") or {}
    loopback = {k: v for k, v in previous.items() if k != "latency"} or None
    latency_summary = previous.get("latency")

    if args.part in ("all", "loopback"):
        plan = run.quick_plan(args.parallel) if args.quick else run.full_plan(args.parallel)
        plan.impl_path = args.impl_path
        if args.sizes:
            plan.sizes = plan.checkpoint_sizes = args.sizes
            plan.update_sizes = [min(args.sizes)]
            plan.preview_sizes = [min(args.sizes), max(args.sizes)]
        if args.runs or args.sizes:
            plan.runs = {size: args.runs or plan.runs.get(size, 3) for size in plan.sizes}
        if args.checkpoint_runs is not None:
            plan.checkpoint_runs = args.checkpoint_runs
            if args.checkpoint_runs == 0:
                plan.checkpoint_sizes = []
        summary = report.summarize(run.run(plan))
        print(report.markdown(summary))
        if args.impl_path:
            summary["meta"]["commit"] = _commit(args.impl_path)
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / LOOPBACK_BEFORE_FILE).write_text(json.dumps(summary, indent=2, default=str) + "\n")
            print(f"\nbench: wrote {args.out}/{LOOPBACK_BEFORE_FILE}")
        else:
            loopback = summary

    if args.part in ("all", "latency"):
        plan = (latency.quick_plan if args.quick else latency.full_plan)(args.impl_path)
        summary = latency_report.summarize(latency.run(plan))
        if args.impl_path:
            summary["meta"]["commit"] = _commit(args.impl_path)
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / BEFORE_FILE).write_text(json.dumps(summary, indent=2, default=str) + "\n")
            print(latency_report.markdown(summary))
            print(f"\nbench: wrote {args.out}/{BEFORE_FILE}")
            return 0
        latency_summary = summary
        print(latency_report.markdown(summary, _load(args.out / BEFORE_FILE), loopback,
                                      _load(args.out / LOOPBACK_BEFORE_FILE)))

    if args.impl_path:
        return 0
    write_latest(args.out, loopback, latency_summary)
    print(f"\nbench: wrote {args.out}/latest.md, latest.json, latest.png, latency.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
