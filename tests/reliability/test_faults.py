"""Faults: `pulumi up` of a 100-resource fleet while the emulator answers 20 % of the API requests
with 500, 503, 429, a connection reset or commit-then-500 (the write is done, the answer lost).

For each of 10 fault seeds: the deploy succeeds in one run, the server holds exactly the declared
objects (no duplicates, no orphans: checked through the API with faults off), a refreshing preview
under the same faults shows no change, and `destroy` under the same faults leaves nothing. The
CLI output (with the provider's debug logs), the state and every file the run left behind hold no
plain-text secret.

Retries per operation: a fault-free control run of the same fleet gives the requests each
operation needs; under faults, ``requests - control`` per route is the number of retries, and
their sum must equal the faults injected (one retry per fault: no retry storm, no extra calls).
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from pulumi_svix.emulator.runner import Emulator

from . import helpers
from .helpers import FAULT_KINDS, FLEET, HEADER_TOKEN, SIGNING_SECRET, TRACEBACK

pytestmark = pytest.mark.engine

APPS, EVENT_TYPES = 20, 20  # 100 resources
RATE = 0.2
FAST_SEEDS, SLOW_SEEDS = (1,), tuple(range(2, 11))
CONCURRENT_RUNS = 3  # a run waits on process start-ups and the network about half of the time
REPORT: dict = {}
_control: dict = {}


def _delta(before: dict, after: dict) -> dict:
    requests = Counter(after["requests"])
    requests.subtract(before["requests"])
    faults = Counter(after.get("faults", {}))
    faults.subtract(before.get("faults", {}))
    return {"requests": {k: v for k, v in requests.items() if v}, "faults": {k: v for k, v in faults.items() if v}}


def run_fleet(stack_factory, emulator: Emulator, seed: int, rate: float, thorough: bool) -> dict:
    """up, refreshing preview and destroy of the fleet under faults; returns per-phase stats.
    ``thorough``: the emulator checks the OpenAPI contract and the CLI runs with --debug (slower)."""
    prefix = f"s{seed}"
    stack = stack_factory(FLEET, config=helpers.fleet_config(emulator, apps=APPS, event_types=EVENT_TYPES,
                                                            prefix=prefix))
    size = helpers.fleet_size(APPS, EVENT_TYPES)
    assert size >= 100
    output: list[str] = []
    phases = {}

    def under_faults(name, action):
        emulator.set_faults(rate=rate, kinds=FAULT_KINDS, seed=seed, retry_after=0)
        before, started = emulator.stats(), time.monotonic()
        try:
            return action()
        finally:
            phases[name] = {**_delta(before, emulator.stats()), "seconds": round(time.monotonic() - started, 1)}
            emulator.set_faults()

    # --debug: the provider's debug logs are part of the output swept for secrets.
    up = under_faults("up", lambda: stack.up(on_output=output.append, debug=thorough))
    assert up.summary.result == "succeeded"
    assert up.summary.resource_changes == {"create": size + 1}
    held = helpers.inventory(emulator)
    helpers.assert_holds_fleet(held, apps=APPS, event_types=EVENT_TYPES, prefix=prefix)
    duplicates = helpers.duplicates(held)

    preview = under_faults("preview", lambda: stack.preview(refresh=True, expect_no_changes=True,
                                                            on_output=output.append))
    assert preview.change_summary == {"same": size + 1}

    destroy = under_faults("destroy", lambda: stack.destroy(on_output=output.append))
    assert destroy.summary.resource_changes == {"delete": size + 1}
    assert helpers.inventory(emulator).is_empty()
    if thorough:
        assert emulator.contract_violations() == []

    text = "".join(output)
    assert TRACEBACK not in text
    secrets = [HEADER_TOKEN, SIGNING_SECRET, emulator.token,
               *up.outputs["signing_secrets"].value.values(), *up.outputs["integration_keys"].value.values()]
    assert len(secrets) == 3 + APPS * 3
    swept = helpers.swept_files(Path(stack.workspace.work_dir).parent)
    assert helpers.sweep(secrets, texts=[text], files=swept) == []
    return {"phases": phases, "duplicates": sum(duplicates.values())}


def control(stack_factory, start_emulator) -> dict:
    if not _control:
        _control.update(run_fleet(stack_factory, start_emulator("control"), 0, 0.0, thorough=False))
    return _control


def retries(run: dict, baseline: dict) -> dict:
    """Per phase and route: requests beyond the fault-free control's; they must add up to the faults."""
    figures = {}
    for phase, stats in run["phases"].items():
        extra = Counter(stats["requests"])
        extra.subtract(baseline["phases"][phase]["requests"])
        assert min(extra.values(), default=0) >= 0, (phase, extra)
        assert sum(extra.values()) == sum(stats["faults"].values()), (phase, extra, stats["faults"])
        figures[phase] = {"requests": sum(stats["requests"].values()), "faults": stats["faults"],
                          "retries": {route: n for route, n in sorted(extra.items()) if n},
                          "seconds": stats["seconds"]}
    return figures


def run_seeds(stack_factory, start_emulator, seeds, thorough: bool) -> None:
    jobs = {"control": lambda: control(stack_factory, start_emulator)}
    jobs.update({seed: (lambda s=seed: run_fleet(
        stack_factory, start_emulator(f"seed-{s}", validate_contract=thorough), s, RATE, thorough))
        for seed in seeds})
    # The first failing run cancels the runs not yet started (each would start an emulator and three
    # engine runs for nothing); start_emulator stops the emulators of the others at teardown.
    results = helpers.run_jobs(jobs, CONCURRENT_RUNS)
    for seed in seeds:
        run = results[seed]
        assert run["duplicates"] == 0
        REPORT[seed] = {"duplicates": run["duplicates"], **retries(run, results["control"])}
        assert sum(REPORT[seed]["up"]["faults"].values()) > 0, "no fault was injected"


def test_fleet_under_faults_one_seed(start_emulator, stack_factory):
    run_seeds(stack_factory, start_emulator, FAST_SEEDS, thorough=True)


@pytest.mark.slow
def test_fleet_under_faults_nine_more_seeds(start_emulator, stack_factory):
    run_seeds(stack_factory, start_emulator, SLOW_SEEDS, thorough=False)
