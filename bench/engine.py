"""Runs benchmark stacks through the real Pulumi CLI (.tools/bin/pulumi), offline, and times them.

Every operation is one CLI process, timed wall-clock from start to exit. Where the time goes is
told by CPU seconds: of the dynamic-provider process (``python -m pulumi.dynamic``, started by
pulumi-resource-pulumi-python; a thread polls it, with its peak resident memory, VmHWM, so nothing
between two polls is missed), of the emulator, and of the whole process tree the CLI started
(engine, language host, program, provider).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import threading
import time
from pathlib import Path

import psutil

from scripts.engine_env import REPO_ROOT, TOOLS_BIN, VENV_PYTHON, engine_env

from .shape import PROGRAM

PROJECT_FILE = f"""\
name: svix-bench
runtime:
  name: python
  options:
    toolchain: pip
    virtualenv: {VENV_PYTHON.parent.parent}
"""


class EngineError(RuntimeError):
    pass


class ProviderWatch(threading.Thread):
    """Follows the dynamic-provider processes below ``root_pid``: peak RSS and CPU seconds."""

    def __init__(self, root_pid: int, interval: float = 0.1, rescan: float = 0.5):
        super().__init__(daemon=True)
        self.root_pid, self.interval, self.rescan = root_pid, interval, rescan
        self.peak_rss: dict[int, int] = {}
        self.cpu: dict[int, float] = {}
        self._processes: dict[int, psutil.Process] = {}
        self._done = threading.Event()

    def _scan(self, root: psutil.Process) -> None:
        for child in root.children(recursive=True):
            try:
                if child.pid not in self._processes and "pulumi.dynamic" in child.cmdline():
                    self._processes[child.pid] = child
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass

    def run(self) -> None:
        try:
            root = psutil.Process(self.root_pid)
        except psutil.NoSuchProcess:
            return
        last_scan = 0.0
        while not self._done.is_set():
            now = time.monotonic()
            if now - last_scan >= self.rescan:
                try:
                    self._scan(root)
                except psutil.NoSuchProcess:
                    return
                last_scan = now
            for pid, process in list(self._processes.items()):
                try:
                    times = process.cpu_times()
                    self.cpu[pid] = times.user + times.system
                    self.peak_rss[pid] = max(self.peak_rss.get(pid, 0), _peak_rss(pid))
                except (psutil.NoSuchProcess, psutil.AccessDenied, FileNotFoundError, ProcessLookupError):
                    del self._processes[pid]
            self._done.wait(self.interval)

    def stop(self) -> dict:
        self._done.set()
        self.join()
        return {"provider_peak_rss": max(self.peak_rss.values(), default=0),
                "provider_cpu_s": sum(self.cpu.values()), "provider_processes": len(self.cpu)}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _cpu(pid: int | None) -> float:
    if pid is None:
        return 0.0
    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.NoSuchProcess:
        return 0.0
    return times.user + times.system


def _peak_rss(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


class BenchStack:
    """One stack (implementation x size) in a shared program directory and file backend."""

    def __init__(self, workdir: Path, name: str, impl: str, apps: int, parallel: int | None,
                 config: dict[str, str] | None = None, secrets: dict[str, str] | None = None,
                 env: dict[str, str] | None = None, emulator_pid: int | None = None,
                 impl_path: Path | None = None):
        """``parallel`` None: the CLI's default. ``impl_path``: a directory whose ``pulumi_svix`` the program
        and the provider import instead of the installed one (e.g. a worktree of an older commit)."""
        self.emulator_pid = emulator_pid
        self.workdir, self.name, self.impl, self.apps, self.parallel = workdir, name, impl, apps, parallel
        self.program_dir = workdir / "program"
        self.log_dir = workdir / "logs"
        # the program and the provider process import bench (this package) from the repository
        python_path = [str(impl_path)] if impl_path else []
        self.env = {**os.environ, **engine_env(workdir / "state"),
                    "PYTHONPATH": os.pathsep.join([*python_path, str(REPO_ROOT)]),
                    # the plugin face (impl "native"): the engine finds pulumi-resource-svix on PATH
                    "PATH": os.pathsep.join([str(VENV_PYTHON.parent), os.environ.get("PATH", "")]), **(env or {})}
        self.program_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        (self.program_dir / "Pulumi.yaml").write_text(PROJECT_FILE)
        (self.program_dir / "__main__.py").write_text(PROGRAM)
        self._cli("init", ["stack", "init", name, "--non-interactive"])
        args = ["config", "set-all", "--stack", name,
                "--plaintext", f"bench:impl={impl}", "--plaintext", f"bench:apps={apps}"]
        for key, value in (config or {}).items():
            args += ["--plaintext", f"{key}={value}"]
        for key, value in (secrets or {}).items():
            args += ["--secret", f"{key}={value}"]
        self._cli("config", args)

    def _cli(self, label: str, args: list[str], env: dict | None = None, watch: bool = False) -> dict:
        log_path = self.log_dir / f"{self.name}-{label}.log"
        with open(log_path, "wb") as log:
            tree_cpu = _children_cpu()
            emulator_cpu = _cpu(self.emulator_pid)
            started = time.perf_counter()
            process = subprocess.Popen([str(TOOLS_BIN / "pulumi"), *args], cwd=self.program_dir,
                                       env={**self.env, **(env or {})}, stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL)
            watch = ProviderWatch(process.pid) if watch else None
            if watch:
                watch.start()
            code = process.wait()
            seconds = time.perf_counter() - started
            result = {"seconds": seconds, **(watch.stop() if watch else {}),
                      # everything the CLI started and waited for: engine, language host, program, provider
                      "pulumi_tree_cpu_s": _children_cpu() - tree_cpu,
                      "emulator_cpu_s": _cpu(self.emulator_pid) - emulator_cpu}
        if code != 0:
            tail = log_path.read_text(errors="replace")[-3000:]
            raise EngineError(f"`pulumi {' '.join(args)}` ({self.name}) exited with {code}; log {log_path}:\n{tail}")
        return result

    def op(self, operation: str, *, variant: int = 0, watch: bool = True) -> dict:
        """Runs one operation: create, preview, noop_up, refresh, update, destroy."""
        common = ["--stack", self.name, "--non-interactive"]
        if self.parallel is not None:
            common += ["--parallel", str(self.parallel)]
        args = {
            "create": ["up", "--yes", "--skip-preview", *common],
            "preview": ["preview", "--expect-no-changes", *common],
            "noop_up": ["up", "--yes", "--skip-preview", "--expect-no-changes", *common],
            "refresh": ["refresh", "--yes", "--skip-preview", "--expect-no-changes", *common],
            "update": ["up", "--yes", "--skip-preview", *common],
            "destroy": ["destroy", "--yes", "--skip-preview", *common],
        }[operation]
        return self._cli(operation, args, env={"BENCH_VARIANT": str(variant)}, watch=watch)

    def export(self) -> dict:
        """The stack's deployment as stored (secrets stay encrypted: no --show-secrets)."""
        out = subprocess.run([str(TOOLS_BIN / "pulumi"), "stack", "export", "--stack", self.name],
                             cwd=self.program_dir, env=self.env, capture_output=True, check=True)
        return json.loads(out.stdout)

    def remove(self) -> None:
        self._cli("rm", ["stack", "rm", self.name, "--yes", "--force", "--non-interactive"])
