"""No process outlives its run.

After the `pulumi` CLI of a `pulumi up` is killed with SIGKILL (a crash, the OOM killer, a cancelled
CI job), the processes it had started — the language host, the program, the dynamic-provider
launcher and its python — are gone within GONE_WITHIN seconds. Nothing stops them but themselves:
the CLI is killed alone (not its process group, unlike the interruption tests), as happens when
only the CLI's pid is known to whoever kills it. The language host and the provider launcher
(engine/langhost) poll the engine and, once it no longer answers, end their children and exit.

And a language host that is told to stop (SIGTERM) ends the program it started before it exits.

The program's only resource (programs/blocker) announces its create in a marker file and then
blocks for ten minutes: at the kill, the create is in flight and every process of the run alive.
The run's processes are the ones carrying the stack's private PULUMI_HOME, so other runs on the
machine do not count.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
from pulumi import automation as auto

from . import helpers
from .helpers import PROGRAMS, cli

pytestmark = pytest.mark.engine

BLOCKER = PROGRAMS / "blocker"
GONE_WITHIN = 30  # seconds
EXPECTED_ROLES = {"cli", "language host", "program", "provider launcher", "provider python"}
REPORT: dict = {}


@dataclass
class BlockedRun:
    stack: auto.Stack
    cli: subprocess.Popen
    home: str
    log: Path
    roles: dict[int, str]  # pid -> role of every process of the run, once the create blocks

    def pids(self, role: str) -> list[int]:
        return [pid for pid, r in self.roles.items() if r == role]

    def left(self) -> dict[int, str]:
        return {proc.pid: helpers.process_role(proc) for proc in helpers.run_processes(self.home)}


def running(pid: int) -> bool:
    """Alive and not a zombie (an exited child its parent has not reaped yet runs nothing)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@contextlib.contextmanager
def blocked_up(stack_factory, tmp_path: Path):
    """`pulumi up` of the blocker program, started as a subprocess and yielded once its create
    blocks. Whatever the test does or fails to do, nothing of the run survives the block."""
    marker = tmp_path / "create-started"
    stack = stack_factory(BLOCKER, config={"svix-blocker:marker": str(marker)})
    home = stack.workspace.env_vars["PULUMI_HOME"]
    log = tmp_path / "up.log"
    process = helpers.start_cli(stack, "up", "--yes", "--skip-preview", log=log)
    try:
        assert helpers.wait_for(marker.exists, timeout=120, interval=0.2), \
            f"the create never started:\n{log.read_text()}"
        run = BlockedRun(stack, process, home, log,
                         {proc.pid: helpers.process_role(proc) for proc in helpers.run_processes(home)})
        # The identification by PULUMI_HOME finds the whole run, the blocked provider included...
        assert set(run.roles.values()) >= EXPECTED_ROLES, run.roles
        assert int(marker.read_text()) in run.pids("provider python"), (marker.read_text(), run.roles)
        # ...and the provider launcher is a drop-in: the engine has nothing to warn about.
        assert "warning" not in log.read_text(), log.read_text()
        yield run
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
        helpers.stop_run_processes(home)
        # The dead run still holds the stack's lock: remove it so that stack_factory's teardown can
        # remove the stack.
        cli(stack, "cancel", "--yes", timeout=120)


def test_nothing_outlives_a_killed_cli(stack_factory, tmp_path):
    with blocked_up(stack_factory, tmp_path) as run:
        os.kill(run.cli.pid, signal.SIGKILL)
        run.cli.wait(timeout=30)
        killed = time.monotonic()
        gone = helpers.wait_for(lambda: not run.left(), timeout=GONE_WITHIN, interval=0.2)
        seconds = round(time.monotonic() - killed, 1)
        left = run.left()
        REPORT["CLI killed"] = {"processes at kill": len(run.roles),
                                "seconds until all gone": seconds if gone else None,
                                "left after the wait": sorted(left.values())}
        assert gone, f"still alive {GONE_WITHIN} s after the CLI was killed: {left}\n{run.log.read_text()}"


def test_a_stopped_language_host_ends_its_program(stack_factory, tmp_path):
    """The engine is alive here, so the program's connection to it stays up: only the host can end
    it. (The CLI itself then waits for the blocked create; the block's clean-up kills it.)"""
    with blocked_up(stack_factory, tmp_path) as run:
        [host] = run.pids("language host")
        [program] = run.pids("program")
        os.kill(host, signal.SIGTERM)
        stopped = time.monotonic()
        gone = helpers.wait_for(lambda: not (running(host) or running(program)), timeout=GONE_WITHIN, interval=0.2)
        REPORT["language host stopped"] = {"seconds until host and program gone":
                                           round(time.monotonic() - stopped, 1) if gone else None}
        assert gone, f"still alive {GONE_WITHIN} s after SIGTERM to the language host: {run.left()}"
