"""The emulator as a process: start-up line, ports, token, persistence across restarts."""

import os
import re
import subprocess
import sys

import pytest
import requests

from pulumi_svix.emulator import DEFAULT_TOKEN
from pulumi_svix.emulator.__main__ import parse_args
from pulumi_svix.emulator.runner import Emulator, EmulatorError


def auth(emu) -> dict:
    return {"Authorization": f"Bearer {emu.token}"}


def test_runner_picks_a_free_port_and_serves(tmp_path):
    with Emulator(db=tmp_path / "db") as emu:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", emu.url)
        assert emu.token == DEFAULT_TOKEN
        assert requests.get(emu.url + "/api/v1/health", timeout=10).status_code == 204
        assert emu.is_running()
        assert emu.token not in " ".join(emu.command())  # not visible in `ps`
        log = emu.log_path
    assert not emu.is_running()
    assert not log.exists()  # a temporary log goes away with a clean stop


def test_state_survives_a_restart(tmp_path):
    db = tmp_path / "svix.sqlite3"
    with Emulator(db=db) as emu:
        api = requests.Session()
        api.headers.update(auth(emu))
        app = api.post(emu.url + "/api/v1/app", json={"name": "A", "uid": "acme"}).json()
        api.post(emu.url + "/api/v1/event-type", json={"name": "e.v", "description": "d"})
        endpoint = api.post(emu.url + "/api/v1/app/acme/endpoint",
                            json={"url": "https://example.com/", "eventTypes": ["e.v"],
                                  "headers": {"X-A": "1"}}).json()
        secret = api.get(f"{emu.url}/api/v1/app/acme/endpoint/{endpoint['id']}/secret").json()
        integration = api.post(emu.url + "/api/v1/app/acme/integration",
                               json={"name": "I"}, headers={"idempotency-key": "integ"}).json()
    with Emulator(db=db) as emu:
        api = requests.Session()
        api.headers.update(auth(emu))
        assert api.get(emu.url + "/api/v1/app/acme").json() == app
        ep_path = f"{emu.url}/api/v1/app/acme/endpoint/{endpoint['id']}"
        assert api.get(ep_path).json() == endpoint
        assert api.get(ep_path + "/secret").json() == secret
        assert api.get(ep_path + "/headers").json()["headers"] == {"X-A": "1"}
        assert api.get(emu.url + "/api/v1/event-type/e.v").status_code == 200
        replay = api.post(emu.url + "/api/v1/app/acme/integration", json={"name": "I"},
                          headers={"idempotency-key": "integ"})
        assert replay.json() == integration  # idempotency records persist too


def test_memory_database_starts_empty(tmp_path):
    with Emulator() as emu:
        body = requests.get(emu.url + "/api/v1/app", headers=auth(emu), timeout=10).json()
        assert body["data"] == []


def test_a_busy_port_fails_with_the_log(tmp_path):
    with Emulator(db=tmp_path / "a") as first:
        port = int(first.url.rsplit(":", 1)[1])
        with pytest.raises(EmulatorError, match="cannot listen") as failure:
            Emulator(db=tmp_path / "b", port=port, log_path=tmp_path / "log").start()
        assert "emulator log" in str(failure.value)


def test_contract_validation_without_a_spec_fails_the_start(tmp_path, monkeypatch):
    monkeypatch.setenv("PULUMI_SVIX_OPENAPI", str(tmp_path / "missing.json"))
    with pytest.raises(EmulatorError, match="PULUMI_SVIX_OPENAPI"):
        Emulator(db=tmp_path / "db", validate_contract=True, log_path=tmp_path / "log").start()


def test_token_comes_from_the_environment_when_not_given(tmp_path):
    env = {**os.environ, "SVIX_EMULATOR_TOKEN": "testsk_from-env"}
    process = subprocess.Popen(
        [sys.executable, "-m", "pulumi_svix.emulator", "--port", "0", "--db", ":memory:"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = process.stdout.readline().strip()
        url = re.fullmatch(r"listening on (http://127\.0\.0\.1:\d+)", line).group(1)
        good = requests.get(url + "/api/v1/app", timeout=10,
                            headers={"Authorization": "Bearer testsk_from-env"})
        bad = requests.get(url + "/api/v1/app", timeout=10,
                           headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"})
        assert (good.status_code, bad.status_code) == (200, 401)
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert process.stdout.read() == ""  # exactly one line on stdout


def test_cli_defaults(monkeypatch, tmp_path):
    monkeypatch.delenv("SVIX_EMULATOR_TOKEN", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    args = parse_args([])
    assert (args.host, args.port, args.token) == ("127.0.0.1", 8071, DEFAULT_TOKEN)
    assert args.db == str(tmp_path / "pulumi-svix" / "emulator.sqlite3")
    assert args.fault_rate == 0.0 and not args.validate_contract


def test_console_script_is_installed():
    from importlib.metadata import entry_points

    scripts = {e.name: e.value for e in entry_points(group="console_scripts")}
    assert scripts["pulumi-svix-emulator"] == "pulumi_svix.emulator.__main__:main"
    result = subprocess.run([sys.executable, "-m", "pulumi_svix.emulator", "--help"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "--fault-kinds" in result.stdout
