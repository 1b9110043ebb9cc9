"""Through the real engine: the provider host serves as many calls at once as the engine sends.

``pulumi.dynamic``'s host is built with 4 worker threads; with the engine's default ``--parallel`` (8)
and 16 independent event types against a slow Svix, no more than 4 requests were ever in flight. The
emulator's request log says how many were."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.latency import in_flight
from scripts.engine_env import VENV_PYTHON

pytestmark = pytest.mark.engine

COUNT = 16

PROJECT_FILE = f"""\
name: svix-concurrency
runtime:
  name: python
  options:
    toolchain: pip
    virtualenv: {VENV_PYTHON.parent.parent}
"""

PROGRAM = f"""\
import pulumi_svix as svix

for n in range({COUNT}):
    svix.EventType(f"et-{{n}}", name=f"concurrency.event{{n}}", description="independent", expunge_on_delete=True)
"""


@pytest.fixture
def program_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "svix-concurrency"
    directory.mkdir()
    (directory / "Pulumi.yaml").write_text(PROJECT_FILE)
    (directory / "__main__.py").write_text(PROGRAM)
    return directory


def test_independent_creates_and_deletes_run_as_wide_as_the_engines_parallelism(stack_factory, svix_config,
                                                                                 emulator, program_dir):
    stack = stack_factory(program_dir, config=svix_config)
    emulator.set_faults(latency_ms=400)  # long enough that requests of one wave always overlap
    try:
        for operation in (stack.up, stack.destroy):
            before = len(emulator.request_log())
            result = operation()
            assert result.summary.result == "succeeded"
            log = emulator.request_log()[before:]
            assert len(log) == COUNT
            # The engine's default --parallel is 8: all 8 in flight at once, not the host's old 4.
            assert in_flight(log)["peak_in_flight"] >= 8, sorted(round(entry[0] - log[0][0], 2) for entry in log)
    finally:
        emulator.set_faults()
