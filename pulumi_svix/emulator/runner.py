"""Start and drive an emulator process from tests, benchmarks and the demo.

Imports nothing heavy (no FastAPI): the server runs in a child process,
``python -m pulumi_svix.emulator``, whose stdout and stderr go to a log file. ``start()``
waits for its ``listening on http://HOST:PORT`` line; any failure raises EmulatorError
carrying that log.

    with Emulator(db=tmp_path / "svix.db") as emu:
        requests.get(emu.url + "/api/v1/app", headers={"Authorization": f"Bearer {emu.token}"})

``flavor="oss"`` plays the self-hosted svix-server instead of Svix Cloud (``--flavor``).
``retry_schedule=(0.1, 0.2, 0.4)`` compresses the delivery retry schedule for tests
(``--retry-schedule``); ``allow_delivery_to=["10.0.0.0/8"]`` lets it deliver beyond loopback.
"""

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from . import DEFAULT_FLAVOR, DEFAULT_TOKEN, FLAVORS, TOKEN_ENV

START_TIMEOUT_SECONDS = 30
_LISTENING = re.compile(r"^listening on (http://\S+)$", re.MULTILINE)


class EmulatorError(RuntimeError):
    pass


class Emulator:
    def __init__(self, db=":memory:", token: str = DEFAULT_TOKEN, host: str = "127.0.0.1",
                 port: int = 0, fault_rate: float = 0.0, fault_kinds=None, latency_ms: int = 0,
                 seed: int | None = None, validate_contract: bool = False, log_path=None,
                 flavor: str = DEFAULT_FLAVOR, retry_schedule=None, allow_delivery_to=()):
        if flavor not in FLAVORS:  # now, not as an exit code of the child process
            raise ValueError(f"unknown emulator flavor {flavor!r}; expected one of "
                             f"{', '.join(FLAVORS)}")
        self.flavor = flavor
        self.db = str(db)
        self.token = token
        self.host = host
        self.port = port
        self.fault_rate = fault_rate
        self.fault_kinds = list(fault_kinds) if fault_kinds else None
        self.latency_ms = latency_ms
        self.seed = seed
        self.validate_contract = validate_contract
        self.log_path = Path(log_path) if log_path else None
        # Delivery: seconds between failed attempts (None: Svix's schedule), and the networks
        # delivered to besides loopback.
        self.retry_schedule = tuple(retry_schedule) if retry_schedule is not None else None
        self.allow_delivery_to = tuple(allow_delivery_to)
        self.url: str | None = None
        self._process: subprocess.Popen | None = None
        self._log_file = None
        self._temporary_log = False

    # --- lifecycle -------------------------------------------------------------------

    def command(self) -> list[str]:
        """The server's command line (the token travels in the environment, not in argv)."""
        cmd = [sys.executable, "-m", "pulumi_svix.emulator", "--flavor", self.flavor,
               "--host", self.host, "--port", str(self.port), "--db", self.db,
               "--fault-rate", str(self.fault_rate), "--latency-ms", str(self.latency_ms)]
        if self.fault_kinds:
            cmd += ["--fault-kinds", ",".join(self.fault_kinds)]
        if self.seed is not None:
            cmd += ["--seed", str(self.seed)]
        if self.validate_contract:
            cmd.append("--validate-contract")
        if self.retry_schedule is not None:
            cmd += ["--retry-schedule", ",".join(str(delay) for delay in self.retry_schedule)]
        for cidr in self.allow_delivery_to:
            cmd += ["--allow-delivery-to", cidr]
        # The emulator serves this process: if it dies without stopping it (killed outright, so no
        # finally runs), the emulator stops by itself within a second.
        cmd += ["--exit-with", str(os.getpid())]
        return cmd

    def start(self) -> "Emulator":
        if self._process is not None:
            raise EmulatorError("emulator already started")
        if self.log_path is None:
            handle, name = tempfile.mkstemp(prefix="pulumi-svix-emulator-", suffix=".log")
            os.close(handle)
            self.log_path = Path(name)
            self._temporary_log = True
        self._log_file = open(self.log_path, "ab")
        start_offset = self._log_file.tell()
        self._process = subprocess.Popen(
            self.command(), stdout=self._log_file, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, env={**os.environ, TOKEN_ENV: self.token})
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            match = _LISTENING.search(self._log_since(start_offset))
            if match:
                self.url = match.group(1)
                return self
            if self._process.poll() is not None:
                self._fail(f"emulator exited with code {self._process.returncode}", start_offset)
            time.sleep(0.05)
        self._fail(f"emulator not listening after {START_TIMEOUT_SECONDS} s", start_offset)

    def _log_since(self, offset: int) -> str:
        with open(self.log_path, "rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")

    def _fail(self, reason: str, offset: int):
        log = self._log_since(offset)
        self._temporary_log = False  # keep the log of a failed start
        self.stop()
        raise EmulatorError(f"{reason}\ncommand: {' '.join(self.command())}\n"
                            f"--- emulator log ({self.log_path}) ---\n{log}")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        if self._temporary_log and self.log_path is not None:
            self.log_path.unlink(missing_ok=True)
            self.log_path, self._temporary_log = None, False

    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def __enter__(self) -> "Emulator":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- admin API -------------------------------------------------------------------

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}

    def _admin(self, method: str, path: str, **kwargs):
        if self.url is None:
            raise EmulatorError("emulator not started")
        response = requests.request(method, f"{self.url}/_emulator/{path}",
                                    headers=self.headers, timeout=30, **kwargs)
        if response.status_code >= 400:
            raise EmulatorError(f"{method} /_emulator/{path}: {response.status_code} "
                                f"{response.text}")
        return response.json() if response.content else None

    def stats(self) -> dict:
        return self._admin("GET", "stats")

    def request_log(self) -> list[list]:
        """``[started, ended, "METHOD /route", path]`` of every API request since the last reset."""
        return self._admin("GET", "requests")["requests"]

    def reset(self) -> None:
        self._admin("POST", "reset")

    def set_faults(self, rate: float = 0.0, kinds=None, latency_ms: int = 0,
                   seed: int | None = None, retry_after: int = 1) -> dict:
        """Replace the fault configuration (``set_faults()`` turns everything off)."""
        body = {"rate": rate, "latency_ms": latency_ms, "seed": seed,
                "retry_after": retry_after}
        if kinds:
            body["kinds"] = list(kinds)
        return self._admin("POST", "faults", json=body)

    def contract_violations(self) -> list[dict]:
        return self._admin("GET", "contract")["violations"]

    def clear_contract_violations(self) -> None:
        self._admin("DELETE", "contract")
