"""A failing test leaves no emulator or engine process behind.

- ``start_emulator`` stops every emulator it started when the test body fails, also when the
  emulators were started by jobs on other threads (``helpers.run_jobs``), and a job queued behind
  a failed one never starts its emulator. Proven on a real pytest session in a subprocess whose
  tests fail on purpose: afterwards, none of the emulators it started is running.
- ``stack_factory``'s teardown kills what is left of its stacks' runs (a process carrying one of
  their PULUMI_HOMEs) and nothing else.

No engine needed: these run in `make test-fast` too.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import psutil

from scripts.engine_env import REPO_ROOT
from tests.fixtures_engine import StackFactory
from tests.reliability.helpers import wait_for

INNER_CONFTEST = """
from tests.reliability.conftest import start_emulator  # noqa: F401 - the fixture under test
"""

INNER_TESTS = '''
import os
import threading
import time
from pathlib import Path

import pytest

from tests.reliability import helpers
from tests.reliability.conftest import EmulatorsTornDown

PIDS = Path(os.environ["HYGIENE_PIDS"])
kept = {}


def record(name, emulator):
    with PIDS.open("a") as pids:
        pids.write(f"{name} {emulator.pid}\\n")
    return emulator


def test_body_fails(start_emulator):
    record("a", start_emulator("a"))
    record("b", start_emulator("b"))
    kept["start"] = start_emulator
    assert False, "the test body fails with two emulators running"


def test_sibling_job_fails(start_emulator):
    sibling_failed = threading.Event()

    def running():
        record("running", start_emulator("running"))
        sibling_failed.wait(30)  # still busy when its sibling fails...
        time.sleep(0.5)  # ...and busy until well after run_jobs has seen that failure

    def failing():
        sibling_failed.set()
        raise RuntimeError("a sibling job fails")

    def queued():
        record("queued", start_emulator("queued"))

    helpers.run_jobs({"running": running, "failing": failing, "queued": queued}, workers=2)


def test_no_start_after_teardown():
    with pytest.raises(EmulatorsTornDown):
        record("late", kept["start"]("late"))
'''


def test_start_emulator_stops_every_emulator_of_a_failing_test(tmp_path):
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / "conftest.py").write_text(INNER_CONFTEST)
    (inner / "test_inner.py").write_text(textwrap.dedent(INNER_TESTS))
    pids_file = tmp_path / "pids"
    pids_file.touch()
    env = {**os.environ, "HYGIENE_PIDS": str(pids_file),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--rootdir", str(inner),
         "--basetemp", str(tmp_path / "inner-tmp"), str(inner)],
        cwd=inner, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    started: dict[str, str] = {}
    try:
        started.update(line.split() for line in pids_file.read_text().splitlines())
        # The inner tests failed the way they were written to, and no other way.
        assert "2 failed, 1 passed" in result.stdout, result.stdout
        assert "the test body fails with two emulators running" in result.stdout
        assert "RuntimeError: a sibling job fails" in result.stdout
        # Every emulator they started ran, and none is running any more; the queued job never started one.
        assert set(started) == {"a", "b", "running"}, (started, result.stdout)
        still_running = {name: pid for name, pid in started.items() if running(int(pid))}
        assert still_running == {}, result.stdout
    finally:
        for pid in started.values():  # never leave one behind, even when the assertions fail
            if running(int(pid)):
                psutil.Process(int(pid)).kill()


def running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_stack_factory_teardown_kills_only_the_processes_of_its_runs(tmp_path):
    factory = StackFactory(tmp_path / "factory", pulumi_command=None)  # no stack created: no CLI needed
    (tmp_path / "factory").mkdir()
    homes = {"ours": tmp_path / "factory" / "stack-1" / "state" / "home",
             "another run": tmp_path / "elsewhere" / "state" / "home"}
    sleepers = {name: subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"],
                                       env={**os.environ, "PULUMI_HOME": str(home)})
                for name, home in homes.items()}
    try:
        # Until a child has exec'd, /proc shows this process's environment: wait for theirs.
        for name, process in sleepers.items():
            assert wait_for(lambda: environment_of(process.pid).get("PULUMI_HOME") == str(homes[name]), 10)
        killed = factory.stop_leftover_processes()
        assert [line.split()[0] for line in killed] == [str(sleepers["ours"].pid)]
        # Gone long before its 120 s sleep ends. (Its exit status is not checked: psutil reaped it.)
        sleepers["ours"].wait(timeout=10)  # raises TimeoutExpired if it is still running
        assert sleepers["another run"].poll() is None
    finally:
        for process in sleepers.values():
            process.kill()
            process.wait(timeout=10)


def environment_of(pid: int) -> dict:
    try:
        return psutil.Process(pid).environ()
    except psutil.Error:
        return {}
