"""Runs the whole benchmark: every figure is measured here, report.py only formats them.

Per size, each run is one full life cycle of the stack, for pulumi-svix and for the null provider
alternately (which goes first alternates too), so both see the same machine noise:

    create -> preview (no-op) -> no-op up -> refresh -> [update one field] -> destroy

then the raw-client script makes the same creates. The emulator is reset before every life cycle;
API calls per operation are the differences of its request counters.

Two engine settings are measured (same --parallel everywhere):
- ``engine work`` (PULUMI_SKIP_CHECKPOINTS=true): the engine saves state once, at the end. This is
  where the provider's own cost is visible; every size gets ``runs`` runs.
- ``default`` (checkpoints on): the file backend rewrites the whole state file after every step, a
  cost quadratic in stack size that dominates both sides at 600 resources. Only create and destroy
  (the operations that write checkpoints) are timed, with ``checkpoint_runs`` runs.
"""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import subprocess
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from pulumi_svix.emulator.runner import Emulator
from scripts.engine_env import TOOLS_BIN

from . import measure, raw_client, shape
from .engine import BenchStack

IMPLS = ("svix", "null")
LIFE_CYCLE = ("create", "preview", "noop_up", "refresh", "update", "destroy")
CHECKPOINT_LIFE_CYCLE = ("create", "destroy")
SKIP_CHECKPOINTS = {"PULUMI_SKIP_CHECKPOINTS": "true"}


@dataclass
class Plan:
    sizes: list[int]
    runs: dict[int, int]
    checkpoint_sizes: list[int]
    checkpoint_runs: int
    parallel: int
    import_runs: int
    update_sizes: list[int]  # the update operation costs a create's time: run it where calls are counted
    preview_sizes: list[int]  # preview is timed at the smallest and the largest size (to fit 20 minutes)
    label: str = "full"
    impl_path: Path | None = None  # measure the pulumi_svix found here instead (an older commit)


def full_plan(parallel: int) -> Plan:
    return Plan(sizes=[60, 300, 600], runs={60: 3, 300: 3, 600: 3}, checkpoint_sizes=[600],
                checkpoint_runs=1, parallel=parallel, import_runs=9, update_sizes=[60], preview_sizes=[60, 600])


def quick_plan(parallel: int) -> Plan:
    return Plan(sizes=[8], runs={8: 1}, checkpoint_sizes=[8], checkpoint_runs=1, parallel=parallel,
                import_runs=3, update_sizes=[8], preview_sizes=[8], label="quick")


def kind_of(route: str) -> str:
    """The resource kind a "METHOD /api/v1/..." route template belongs to."""
    path = route.split(" ", 1)[1]
    for marker, kind in (("/integration", "Integration"), ("/endpoint", "Endpoint"),
                         ("/event-type", "EventType"), ("/app", "Application")):
        if marker in path:
            return kind
    return "other"


def stats_delta(before: dict, after: dict) -> dict[str, int]:
    routes = set(before["requests"]) | set(after["requests"])
    delta = {r: after["requests"].get(r, 0) - before["requests"].get(r, 0) for r in routes}
    return {r: n for r, n in sorted(delta.items()) if n}


@dataclass
class Results:
    plan: Plan
    # times[mode][size][impl][op] -> list of per-run dicts (seconds, cpu, rss)
    times: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(lambda: defaultdict(
        lambda: defaultdict(list)))))
    # calls[size][op] -> list of {route: count}, one per run (pulumi-svix only)
    calls: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    raw: dict = field(default_factory=lambda: defaultdict(list))
    state: dict = field(default_factory=lambda: defaultdict(dict))
    imports: dict = field(default_factory=dict)
    meta: dict = field(default_factory=dict)


def say(message: str) -> None:
    print(f"bench: {message}", flush=True)


def life_cycle(stack: BenchStack, emulator: Emulator, ops, results: Results, mode: str, size: int,
               export_state: bool) -> None:
    emulator.reset()
    for op in ops:
        before = emulator.stats()
        figures = stack.op(op, variant=1 if op == "update" else 0)
        results.times[mode][size][stack.impl][op].append(figures)
        if stack.impl == "svix" and mode == "engine":
            results.calls[size][op].append(stats_delta(before, emulator.stats()))
        if op == "create" and export_state:
            results.state[size][stack.impl] = measure.state_sizes(stack.export())


def run(plan: Plan) -> Results:
    results = Results(plan)
    started = time.perf_counter()
    say(f"{plan.label} plan: sizes {plan.sizes} x runs {plan.runs}, default-checkpoint sizes "
        f"{plan.checkpoint_sizes} x {plan.checkpoint_runs}, --parallel {plan.parallel}")

    say(f"import time, {plan.import_runs} fresh interpreters")
    results.imports = measure.import_times(plan.import_runs)

    workdir = Path(tempfile.mkdtemp(prefix="pulumi-svix-bench-"))
    emulator = Emulator(log_path=workdir / "emulator.log").start()
    try:
        svix_config = dict(config={"svix:serverUrl": emulator.url}, secrets={"svix:token": emulator.token})

        def stack(mode: str, impl: str, size: int, env: dict) -> BenchStack:
            return BenchStack(workdir, f"{mode}-{impl}-{size}", impl, shape.apps_for(size), plan.parallel,
                              impl_path=plan.impl_path,
                              env=env, emulator_pid=emulator.pid, **(svix_config if impl == "svix" else {}))

        for size in plan.sizes:
            stacks = {impl: stack("engine", impl, size, SKIP_CHECKPOINTS) for impl in IMPLS}
            ops = [op for op in LIFE_CYCLE if (op != "update" or size in plan.update_sizes)
                   and (op != "preview" or size in plan.preview_sizes)]
            for run_number in range(plan.runs[size]):
                order = IMPLS if run_number % 2 == 0 else IMPLS[::-1]
                for impl in order:
                    say(f"{size} resources, run {run_number + 1}/{plan.runs[size]}, {impl}: {', '.join(ops)}")
                    life_cycle(stacks[impl], emulator, ops, results, "engine", size, export_state=run_number == 0)
                emulator.reset()
                results.raw[size].append(raw_client.create_all(emulator.url, emulator.token,
                                                               shape.apps_for(size), plan.parallel))
            say(f"{size} resources done at {time.perf_counter() - started:.0f} s")

        for size in plan.checkpoint_sizes:
            stacks = {impl: stack("default", impl, size, {}) for impl in IMPLS}
            for run_number in range(plan.checkpoint_runs):
                order = IMPLS if run_number % 2 == 0 else IMPLS[::-1]
                for impl in order:
                    say(f"{size} resources, default checkpoints, run {run_number + 1}/{plan.checkpoint_runs}, "
                        f"{impl}: create, destroy")
                    life_cycle(stacks[impl], emulator, CHECKPOINT_LIFE_CYCLE, results, "default", size,
                               export_state=False)
            say(f"{size} resources (default checkpoints) done at {time.perf_counter() - started:.0f} s")
    finally:
        emulator.stop()
    shutil.rmtree(workdir, ignore_errors=True)

    results.meta = {
        "plan": plan.label, "parallel": plan.parallel, "sizes": plan.sizes, "runs": plan.runs,
        "checkpoint_sizes": plan.checkpoint_sizes, "checkpoint_runs": plan.checkpoint_runs,
        "update_sizes": plan.update_sizes, "preview_sizes": plan.preview_sizes,
        "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {_cpu_count()} CPUs, {_cpu_model()}",
        "python": measure.python_version(),
        "pulumi": subprocess.run([str(TOOLS_BIN / "pulumi"), "version"], capture_output=True,
                                 text=True).stdout.strip(),
        "total_seconds": time.perf_counter() - started,
    }
    return results


def _cpu_count() -> int:
    return os.cpu_count() or 0


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def median(values) -> float:
    return statistics.median(values) if values else float("nan")
