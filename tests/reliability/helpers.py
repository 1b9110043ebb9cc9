"""Shared pieces of the reliability tests: the fleet program, what the server holds, the CLI
run as a subprocess, and the secrets sweep.

Everything that inspects the server does so through the Svix API with faults switched off, with
its own ``requests`` session (never through the provider under test).
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections import Counter
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Hashable, Iterable, Mapping, TypeVar

import psutil
import requests
from pulumi import automation as auto

PROGRAMS = Path(__file__).with_name("programs")
FLEET = PROGRAMS / "fleet"
FAULT_KINDS = ("500", "503", "429", "reset", "commit-then-500")
TRACEBACK = "Traceback (most recent call last)"
# Plain-text secrets handed to the programs (the tests sweep for these literal values).
HEADER_TOKEN = "hdr-7f3a9c2e5b1d4e6f8a0b"
SIGNING_SECRET = "whsec_" + "c2VjcmV0LXNpZ25pbmcta2V5LWZvci10ZXN0cw=="


def fleet_config(emulator, *, apps: int, event_types: int, prefix: str,
                 apps_without_uid: int = 0) -> dict:
    return {
        "svix:serverUrl": emulator.url,
        "svix:token": auto.ConfigValue(emulator.token, secret=True),
        "svix-fleet:apps": str(apps),
        "svix-fleet:eventTypes": str(event_types),
        "svix-fleet:prefix": prefix,
        "svix-fleet:appsWithoutUid": str(apps_without_uid),
        "svix-fleet:headerToken": auto.ConfigValue(HEADER_TOKEN, secret=True),
        "svix-fleet:signingSecret": auto.ConfigValue(SIGNING_SECRET, secret=True),
    }


def fleet_size(apps: int, event_types: int) -> int:
    """Resources the fleet program declares (the stack itself not counted)."""
    return event_types + apps * 4


# ---------------------------------------------------------------------------------------------
# What the server holds.

@dataclass
class Inventory:
    apps: list[dict] = field(default_factory=list)
    endpoints: list[dict] = field(default_factory=list)  # each with "_app" (the app id)
    integrations: list[dict] = field(default_factory=list)  # each with "_app"
    event_types: list[dict] = field(default_factory=list)  # archived ones included

    @property
    def live_event_types(self) -> list[dict]:
        return [e for e in self.event_types if not e.get("archived")]

    def is_empty(self) -> bool:
        return not (self.apps or self.endpoints or self.integrations or self.event_types)

    def counts(self) -> dict:
        return {"apps": len(self.apps), "endpoints": len(self.endpoints),
                "integrations": len(self.integrations), "event_types": len(self.event_types)}


def api_session(emulator) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {emulator.token}"
    return session


def _list_all(session: requests.Session, url: str, **params) -> list[dict]:
    items, query = [], dict(params, limit=250)
    while True:
        response = session.get(url, params=query, timeout=30)
        response.raise_for_status()
        page = response.json()
        items.extend(page["data"])
        if page.get("done", True) or not page.get("iterator"):
            return items
        query["iterator"] = page["iterator"]


def inventory(emulator) -> Inventory:
    """Everything on the server. Switches the emulator's faults off first (and leaves them off)."""
    emulator.set_faults()
    with api_session(emulator) as session:
        found = Inventory(apps=_list_all(session, f"{emulator.url}/api/v1/app"))
        for app in found.apps:
            base = f"{emulator.url}/api/v1/app/{app['id']}"
            found.endpoints += [{**e, "_app": app["id"]} for e in _list_all(session, f"{base}/endpoint")]
            found.integrations += [{**i, "_app": app["id"]}
                                   for i in _list_all(session, f"{base}/integration")]
        found.event_types = _list_all(session, f"{emulator.url}/api/v1/event-type",
                                      include_archived="true")
        return found


def duplicates(held: Inventory) -> dict[str, int]:
    """Objects the server holds more than once under the same natural identity (0 expected)."""
    keys = Counter()
    app_by_id = {a["id"]: a for a in held.apps}
    for app in held.apps:
        keys[("app", app["name"])] += 1
    for ep in held.endpoints:
        keys[("endpoint", app_by_id[ep["_app"]]["name"], ep["url"])] += 1
    for integ in held.integrations:
        keys[("integration", app_by_id[integ["_app"]]["name"], integ["name"])] += 1
    for et in held.event_types:
        keys[("event_type", et["name"])] += 1
    return {"/".join(k): n - 1 for k, n in keys.items() if n > 1}


def assert_holds_fleet(held: Inventory, *, apps: int, event_types: int, prefix: str,
                       apps_without_uid: int = 0) -> None:
    """The server holds exactly what the fleet program declares: nothing missing, twice, or extra."""
    assert duplicates(held) == {}, f"duplicates on the server: {duplicates(held)}"
    assert sorted(a["name"] for a in held.apps) == sorted(f"{prefix} customer {i}" for i in range(apps))
    for app in held.apps:
        i = int(app["name"].rsplit(" ", 1)[1])
        assert app["uid"] == (None if i < apps_without_uid else f"{prefix}-app-{i}"), app
        metadata = {k: v for k, v in app["metadata"].items() if k != "pulumi-svix-owner"}  # the owner marker
        assert metadata == {"tier": "gold" if i % 2 else "silver", "n": str(i)}, app
    names = {a["id"]: a["name"].rsplit(" ", 1)[1] for a in held.apps}
    assert sorted((names[e["_app"]], e["uid"], e["url"]) for e in held.endpoints) == sorted(
        (str(i), f"ep-{j}", f"https://hooks.example.com/{prefix}/{i}/{j}")
        for i in range(apps) for j in range(2))
    assert sorted((names[i["_app"]], i["name"]) for i in held.integrations) == sorted(
        (str(i), "Zapier") for i in range(apps))
    assert sorted(e["name"] for e in held.event_types) == sorted(
        f"{prefix}.event-{n}" for n in range(event_types))
    assert not [e for e in held.event_types if e.get("archived")]


# ---------------------------------------------------------------------------------------------
# The CLI as a subprocess in its own process group (for interruption) and captured output.

def cli(stack: auto.Stack, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """Runs ``pulumi <args>`` for this stack (non-interactive); output is returned, not raised."""
    return subprocess.run(
        ["pulumi", *args, "--stack", stack.name, "--non-interactive", "--color", "never"],
        cwd=stack.workspace.work_dir, env={**os.environ, **stack.workspace.env_vars},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)


def start_cli(stack: auto.Stack, *args: str, log: Path) -> subprocess.Popen:
    """Starts ``pulumi <args>`` in a new process group, output to ``log``. The caller must stop it
    (``kill_tree``, or ``stop_run_processes`` for everything of the stack) in a ``finally``."""
    with open(log, "wb") as out:  # the child has its own copy of the descriptor
        return subprocess.Popen(
            ["pulumi", *args, "--stack", stack.name, "--non-interactive", "--color", "never"],
            cwd=stack.workspace.work_dir, env={**os.environ, **stack.workspace.env_vars},
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)


def kill_tree(process: subprocess.Popen) -> int:
    """SIGKILL to the process, every descendant (the language host, the program, the provider
    plugins) and its process group, all at once, as a crash or an OOM kill would. Returns how
    many processes were killed."""
    try:
        tree = [psutil.Process(process.pid)]
        tree += tree[0].children(recursive=True)
    except psutil.NoSuchProcess:
        tree = []
    for proc in tree:
        try:
            proc.send_signal(signal.SIGKILL)
        except psutil.NoSuchProcess:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=30)
    psutil.wait_procs(tree, timeout=30)
    return len(tree)


def run_processes(pulumi_home: str | os.PathLike[str]) -> list[psutil.Process]:
    """The live processes of the runs of one stack: every stack of ``stack_factory`` has a private
    PULUMI_HOME, which the CLI passes on to the language host, the program and the provider plugins
    (and nothing else on the machine has). Zombies are left out: they run nothing."""
    home = str(pulumi_home)
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.status() != psutil.STATUS_ZOMBIE and proc.environ().get("PULUMI_HOME") == home:
                found.append(proc)
        except psutil.Error:  # gone meanwhile, or not ours to inspect
            continue
    return found


def process_role(proc: psutil.Process) -> str:
    """What a process of a run is, from its command line (for messages and checks)."""
    try:
        argv = proc.cmdline()
    except psutil.Error:
        return "gone"
    cmdline = " ".join(argv)
    for marker, role in (("pulumi-language-python-exec", "program"),
                         ("pulumi-language-python", "language host"),
                         ("pulumi-resource-pulumi-python", "provider launcher"),
                         ("-m pulumi.dynamic", "provider python")):
        if marker in cmdline:
            return role
    if argv and os.path.basename(argv[0]) == "pulumi":
        return "cli"
    return cmdline[:120]


def stop_run_processes(pulumi_home: str | os.PathLike[str]) -> list[str]:
    """SIGKILL to every process of the stack's runs; returns them as "pid role" (empty: none was left)."""
    left = run_processes(pulumi_home)
    described = [f"{proc.pid} {process_role(proc)}" for proc in left]
    for proc in left:
        try:
            proc.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(left, timeout=10)
    return described


K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


class JobSkipped(RuntimeError):
    """A job of ``run_jobs`` that was not run because another one had failed."""


def run_jobs(jobs: Mapping[K, Callable[[], T]], workers: int) -> dict[K, T]:
    """Runs ``jobs`` on ``workers`` threads; returns their results by key.

    A plain ``with ThreadPoolExecutor()`` around ``future.result()`` runs every queued job to its end
    after one has failed, each starting its emulator and engine runs for nothing (and for minutes).
    Here, once a job has failed no other job starts (not even on the thread that ran the failed one,
    which would otherwise pick the next job up before it could be cancelled); the jobs already running
    are waited for, so that the fixtures they use are torn down only after they are done with them;
    then the first failure is raised."""
    failed = threading.Event()

    def guarded(job: Callable[[], T]) -> Callable[[], T]:
        def run() -> T:
            if failed.is_set():
                raise JobSkipped("not started: another job had failed")
            try:
                return job()
            except BaseException:
                failed.set()
                raise
        return run

    pool = ThreadPoolExecutor(workers)
    try:
        futures = {key: pool.submit(guarded(job)) for key, job in jobs.items()}
        wait(futures.values(), return_when=FIRST_EXCEPTION)
    except BaseException:  # e.g. KeyboardInterrupt: start nothing more either
        failed.set()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    errors = [future.exception() for future in futures.values()
              if not future.cancelled() and future.exception() is not None]
    if errors:
        # A real failure rather than the JobSkipped of a job that came after it.
        raise next((e for e in errors if not isinstance(e, JobSkipped)), errors[0])
    return {key: future.result() for key, future in futures.items()}


def wait_for(predicate, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


# ---------------------------------------------------------------------------------------------
# Secrets sweep.

def swept_files(root: Path) -> list[Path]:
    """Every file a test run left under ``root`` (state, backups, config, program, engine logs),
    except the emulator's own database and log: the server legitimately holds the secrets."""
    return [path for path in Path(root).rglob("*")
            if path.is_file() and not path.name.startswith("svix-emulator")]


def sweep(secrets: Iterable[str], *, texts: Iterable[str] = (), files: Iterable[Path] = ()) -> list[str]:
    """Where any of ``secrets`` appears in plain text: ``["<file or text #n>: <secret prefix>…"]``."""
    secrets = [s for s in set(secrets) if s]
    assert secrets, "nothing to sweep for"
    leaks = []
    for n, text in enumerate(texts):
        leaks += [f"text #{n}: {s[:10]}…" for s in secrets if s in text]
    for path in files:
        data = path.read_bytes()
        leaks += [f"{path}: {s[:10]}…" for s in secrets if s.encode() in data]
    return leaks
