"""The latency-bound benchmark: pulumi-svix against a Svix that is far away.

On loopback a request costs ~3 ms of CPU and nothing else; against Svix Cloud it costs tens of
milliseconds of waiting. There, what decides the time is how many requests are in flight at once
and how many round trips each resource needs. The emulator plays the remote Svix by waiting
``latency_ms`` before answering every API request (``--latency-ms``), and logs when each request
started and ended (``GET /_emulator/requests``), from which the requests in flight are computed.

For every latency (50 ms, 150 ms) and size (100, 600 resources), with the CLI's default flags
(``--parallel`` 8, a checkpoint after every step on the file backend):

- **pulumi-svix**: ``up`` (create), no-op ``up``, ``refresh``, ``destroy``;
- **null floor**: the null provider sleeping one latency per create/read/delete (the least any
  provider could wait: one round trip per resource), through the same engine;
- **raw**: ``bench/raw_client.py`` making the same minimal calls with 16 threads and no Pulumi.

Then three probes: round trips per resource and operation (a 4-application stack at 150 ms with
``--parallel 1``: the time a kind's requests covered / latency / objects), requests in flight at 400 ms (40 independent event types, default
flags), and the same largest stack with checkpoints off (``PULUMI_SKIP_CHECKPOINTS``) to show what
the file backend's checkpoints cost per step.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from pulumi_svix.dialect import PROBE as DIALECT_PROBE
from pulumi_svix.emulator.runner import Emulator

from . import measure, raw_client, shape
from .engine import BenchStack
from .run import kind_of, say

OPS = ("create", "noop_up", "refresh", "destroy")
SKIP_CHECKPOINTS = {"PULUMI_SKIP_CHECKPOINTS": "true"}


@dataclass
class LatencyPlan:
    latencies_ms: list[int]
    sizes: list[int]
    raw_threads: int = 16
    round_trip_latency_ms: int = 150
    round_trip_apps: int = 4  # several objects per kind: what happens once per provider process is spread out
    probe_latency_ms: int = 400
    probe_event_types: int = 40
    engine_work_at: tuple[int, int] | None = (50, 600)  # (latency, size) also run without checkpoints
    faces_size: int = 600  # the dynamic face, the plugin face and the null floor on loopback, side by side
    label: str = "full"
    impl_path: Path | None = None  # measure the pulumi_svix found here instead (an older commit)


def full_plan(impl_path: Path | None = None) -> LatencyPlan:
    return LatencyPlan(latencies_ms=[50, 150], sizes=[100, 600], impl_path=impl_path)


def quick_plan(impl_path: Path | None = None) -> LatencyPlan:
    return LatencyPlan(latencies_ms=[50], sizes=[8], probe_event_types=8, engine_work_at=(50, 8),
                       faces_size=8, label="quick", impl_path=impl_path)


@dataclass
class LatencyResults:
    plan: LatencyPlan
    rows: list[dict] = field(default_factory=list)  # one per (latency, size, impl, op, checkpoints)
    round_trips: dict = field(default_factory=dict)  # op -> kind -> round trips
    probe: dict = field(default_factory=dict)
    faces: dict = field(default_factory=dict)  # impl -> op -> figures, and impl -> "state"
    state: dict = field(default_factory=dict)
    in_flight_series: dict = field(default_factory=dict)  # "label" -> [[t, in flight], ...]
    meta: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# What the emulator's request log says.

def in_flight(log: list) -> dict:
    """Requests, their span, the mean number in flight over that span and the peak."""
    if not log:
        return {"requests": 0, "span_s": 0.0, "mean_in_flight": 0.0, "peak_in_flight": 0}
    start = min(entry[0] for entry in log)
    end = max(entry[1] for entry in log)
    busy = sum(entry[1] - entry[0] for entry in log)
    events = sorted([(entry[0], 1) for entry in log] + [(entry[1], -1) for entry in log],
                    key=lambda event: (event[0], event[1]))
    current = peak = 0
    for _t, step in events:
        current += step
        peak = max(peak, current)
    span = end - start
    return {"requests": len(log), "span_s": span, "mean_in_flight": busy / span if span else float(len(log)),
            "peak_in_flight": peak}


def series(log: list, step: float = 0.05) -> list[list[float]]:
    """Requests in flight sampled every ``step`` seconds from the first request (for the plot)."""
    if not log:
        return []
    start = min(entry[0] for entry in log)
    end = max(entry[1] for entry in log)
    points, t = [], start
    while t <= end:
        points.append([round(t - start, 3), sum(1 for entry in log if entry[0] <= t < entry[1])])
        t += step
    return points


def round_trips_by_kind(log: list, latency_s: float, objects: dict[str, int]) -> dict[str, float]:
    """Sequential round trips per resource of each kind, from a run with ``--parallel 1``: the time
    the kind's requests covered (overlapping requests counted once: they are one round trip), over
    the latency and the number of objects of that kind."""
    by_kind: dict[str, list] = {}
    for started, ended, route, path in log:
        if DIALECT_PROBE not in path:  # once per provider process, not per resource
            by_kind.setdefault(kind_of(route), []).append((started, ended))
    trips = {}
    for kind, intervals in by_kind.items():
        covered, current_end = 0.0, float("-inf")
        for started, ended in sorted(intervals):
            if started > current_end:
                covered += ended - started
            elif ended > current_end:
                covered += ended - current_end
            current_end = max(current_end, ended)
        trips[kind] = round(covered / latency_s / objects.get(kind, 1), 2)
    return trips


def since(log: list, started: float) -> list:
    return [entry for entry in log if entry[0] >= started]


# ---------------------------------------------------------------------------------------------
# The runs.

class Bench:
    def __init__(self, plan: LatencyPlan, workdir: Path, emulator: Emulator):
        self.plan, self.workdir, self.emulator = plan, workdir, emulator
        self.config = dict(config={"svix:serverUrl": emulator.url}, secrets={"svix:token": emulator.token})

    def stack(self, name: str, impl: str, apps: int, latency_ms: int, env: dict | None = None,
              config: dict | None = None, parallel: int | None = None) -> BenchStack:
        svix = self.config if impl in ("svix", "native") else {"config": {}, "secrets": {}}
        return BenchStack(self.workdir, name, impl, apps, parallel,
                          config={**svix["config"], **(config or {})}, secrets=svix["secrets"],
                          env={"BENCH_NULL_LATENCY_MS": str(latency_ms), **(env or {})},
                          emulator_pid=self.emulator.pid, impl_path=self.plan.impl_path)

    def op(self, stack: BenchStack, op: str) -> tuple[dict, list]:
        started = time.time()
        figures = stack.op(op, watch=False)
        return figures, since(self.emulator.request_log(), started)


def _row(latency: int, size: int, impl: str, op: str, checkpoints: bool, figures: dict, log: list,
         parallel: int | None = None) -> dict:
    return {"latency_ms": latency, "size": size, "impl": impl, "op": op, "checkpoints": checkpoints,
            "parallel": parallel, "seconds": figures["seconds"], "tree_cpu_s": figures["pulumi_tree_cpu_s"],
            **in_flight(log)}


def faces(bench: Bench, emulator: Emulator, size: int, results: LatencyResults) -> None:
    """The same stack through the dynamic face ("svix"), the plugin face ("native", pulumi-resource-svix)
    and the null floor, on loopback with checkpoints off: time, API calls, state bytes per resource."""
    emulator.reset()
    for impl in ("svix", "native", "null"):
        say(f"faces: {size} resources on loopback, checkpoints off, {impl}: {', '.join(OPS)}")
        stack = bench.stack(f"faces-{impl}-{size}", impl, shape.apps_for(size), 0, env=SKIP_CHECKPOINTS)
        emulator.reset()
        for op in OPS:
            figures, log = bench.op(stack, op)
            results.faces.setdefault(impl, {})[op] = {"seconds": figures["seconds"], "requests": len(log)}
            if op == "create":
                results.faces[impl]["state"] = measure.state_breakdown(stack.export())


def run(plan: LatencyPlan) -> LatencyResults:
    results = LatencyResults(plan)
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="pulumi-svix-latency-"))
    emulator = Emulator(log_path=workdir / "emulator.log").start()
    try:
        bench = Bench(plan, workdir, emulator)
        for latency in plan.latencies_ms:
            emulator.set_faults(latency_ms=latency)
            for size in plan.sizes:
                apps = shape.apps_for(size)
                # (checkpoints, --parallel): the default flags; at engine_work_at also without checkpoints,
                # and without checkpoints at --parallel 16 (the raw script's threads): what binds then
                modes = [(True, None)] + ([(False, None), (False, 16)] if plan.engine_work_at == (latency, size) else [])
                for checkpoints, parallel in modes:
                    tag = ("" if checkpoints else "-nockpt") + (f"-p{parallel}" if parallel else "")
                    for impl in ("svix", "null"):
                        stack = bench.stack(f"lat{latency}-{impl}-{size}{tag}", impl, apps, latency,
                                            env=None if checkpoints else SKIP_CHECKPOINTS, parallel=parallel)
                        emulator.reset()
                        emulator.set_faults(latency_ms=latency)
                        say(f"latency {latency} ms, {size} resources, {impl}"
                            f"{'' if checkpoints else ', checkpoints off'}"
                            f"{f', --parallel {parallel}' if parallel else ''}: {', '.join(OPS)}")
                        for op in OPS:
                            figures, log = bench.op(stack, op)
                            results.rows.append(_row(latency, size, impl, op, checkpoints, figures, log, parallel))
                            if op == "create" and checkpoints and latency == plan.latencies_ms[0] \
                                    and size == max(plan.sizes):
                                if impl == "svix":
                                    results.in_flight_series[f"create {size} at {latency} ms"] = series(log)
                                results.state[impl] = measure.state_breakdown(stack.export())
                emulator.reset()
                emulator.set_faults(latency_ms=latency)
                say(f"latency {latency} ms, {size} resources, raw requests with {plan.raw_threads} threads")
                raw = raw_client.life_cycle(emulator.url, emulator.token, apps, plan.raw_threads)
                for op, seconds in raw.items():
                    results.rows.append({"latency_ms": latency, "size": size, "impl": "raw", "op": op,
                                         "checkpoints": None, "seconds": seconds})
            say(f"latency {latency} ms done at {time.perf_counter() - started:.0f} s")

        latency = plan.round_trip_latency_ms
        say(f"round trips: a {plan.round_trip_apps}-application stack at {latency} ms, --parallel 1")
        emulator.reset()
        emulator.set_faults(latency_ms=latency)
        stack = bench.stack(f"roundtrips-{latency}", "svix", plan.round_trip_apps, latency, parallel=1)
        for op in OPS:
            _figures, log = bench.op(stack, op)
            results.round_trips[op] = round_trips_by_kind(log, latency / 1000, shape.counts(plan.round_trip_apps))

        latency, count = plan.probe_latency_ms, plan.probe_event_types
        for impl in ("svix", "null"):
            say(f"in flight: {count} independent event types at {latency} ms, default flags, {impl}")
            emulator.reset()
            emulator.set_faults(latency_ms=latency)
            stack = bench.stack(f"probe-{impl}", impl, 1, latency, config={"bench:eventTypes": str(count)})
            for op in ("create", "destroy"):
                figures, log = bench.op(stack, op)
                results.probe[f"{impl} {op}"] = {"seconds": figures["seconds"], **in_flight(log)}
                if impl == "svix":
                    results.in_flight_series[f"{op} of {count} event types at {latency} ms"] = series(log, 0.02)

        if not plan.impl_path:  # an older commit may have no plugin face
            faces(bench, emulator, plan.faces_size, results)
    finally:
        emulator.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    results.meta = {"plan": plan.label, "impl_path": str(plan.impl_path) if plan.impl_path else None,
                    "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
                    "total_seconds": time.perf_counter() - started}
    return results
