"""`python -m bench` (what `make bench` runs): see bench/README.md.

    python -m bench            # 60, 300, 600 resources (about 17 minutes on 2 busy cores)
    python -m bench --quick    # one 8-resource stack, one run (about a minute): a smoke run
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import report, run

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one 8-resource stack, one run")
    parser.add_argument("--parallel", type=int, default=4,
                        help="pulumi --parallel and raw-client threads (default 4: the dynamic-provider "
                             "process serves 4 calls at a time)")
    parser.add_argument("--runs", type=int, help="runs per size (default 3; 1 with --quick)")
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")],
                        help="comma-separated resource counts, each 4 + 4 x apps (default 60,300,600)")
    parser.add_argument("--checkpoint-runs", type=int, help="runs per size with default checkpoints (default 1)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="where latest.{md,json,png} go")
    args = parser.parse_args(argv)

    plan = run.quick_plan(args.parallel) if args.quick else run.full_plan(args.parallel)
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

    results = run.run(plan)
    summary = report.summarize(results)
    print(report.write(summary, args.out))
    print(f"\nbench: wrote {args.out}/latest.md, latest.json, latest.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
