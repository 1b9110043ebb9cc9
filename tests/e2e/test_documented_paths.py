"""Documented paths, followed literally, through the real engine against the emulator.

- README "Configuration": a stack with **no** ``svix:*`` config at all, the token and the server URL only in
  the environment (``SVIX_AUTH_TOKEN``, ``SVIX_SERVER_URL``). examples/quickstart with no config whatsoever:
  ``up``, a no-change ``preview``, ``refresh``, ``destroy``. (This path used to crash: the language host sent
  ``PULUMI_CONFIG=null`` for a stack without config.)
- README "Quickstart": ``make demo`` with ``SVIX_AUTH_TOKEN`` and ``SVIX_SERVER_URL`` set "deploys to that Svix
  instead": here that Svix is an emulator the test starts, and the demo's state goes to a temporary directory
  (``PULUMI_SVIX_DEMO_DIR``). Run twice: the second run changes nothing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests
from pulumi import automation as auto

from scripts.engine_env import REPO_ROOT, TOOLS_BIN, VENV_PYTHON, engine_env

pytestmark = pytest.mark.engine

QUICKSTART = REPO_ROOT / "examples" / "quickstart"
CUSTOMERS = ("acme", "globex", "initech")  # the quickstart's default `customers`
EVENT_TYPES = {"invoice.paid", "invoice.failed", "user.created", "user.deleted"}
DECLARED = len(EVENT_TYPES) + len(CUSTOMERS) * 4  # per customer: application, 2 endpoints, integration


def held(emulator) -> dict[str, list]:
    """What the emulator holds: live event types and applications (by uid)."""
    headers = {"Authorization": f"Bearer {emulator.token}"}

    def listing(path: str) -> list[dict]:
        response = requests.get(f"{emulator.url}{path}", headers=headers, params={"limit": 250}, timeout=30)
        response.raise_for_status()
        return response.json()["data"]

    return {"event_types": sorted(e["name"] for e in listing("/api/v1/event-type") if not e.get("archived")),
            "apps": sorted(a["uid"] for a in listing("/api/v1/app"))}


def state_files(stack) -> list[Path]:
    backend = Path(stack.workspace.env_vars["PULUMI_BACKEND_URL"].removeprefix("file://"))
    return [path for path in backend.rglob("*") if path.is_file()]


def test_stack_without_config_takes_the_token_and_url_from_the_environment(emulator, stack_factory):
    stack = stack_factory(QUICKSTART, env={"SVIX_AUTH_TOKEN": emulator.token, "SVIX_SERVER_URL": emulator.url})
    assert stack.get_all_config() == {}  # not a single config key: the environment decides everything
    output: list[str] = []

    up = stack.up(on_output=output.append, color="never")
    assert up.summary.result == "succeeded", up.stdout
    assert up.summary.resource_changes == {"create": DECLARED + 1}  # + the stack itself
    assert held(emulator) == {"event_types": sorted(EVENT_TYPES), "apps": sorted(CUSTOMERS)}

    preview = stack.preview(on_output=output.append, diff=True, color="never")
    assert preview.change_summary == {"same": DECLARED + 1}, preview.stdout

    # refresh (and destroy) use the provider settings recorded by `up`: with none recorded, the environment.
    refresh = stack.refresh(on_output=output.append, color="never")
    assert set(refresh.summary.resource_changes) == {"same"}, refresh.stdout

    # The token came from the environment: it is in no state file and in no CLI output.
    files = state_files(stack)
    assert files
    assert [path for path in files if emulator.token.encode() in path.read_bytes()] == []
    assert emulator.token not in "".join(output)

    destroy = stack.destroy(on_output=output.append, color="never")
    assert destroy.summary.resource_changes == {"delete": DECLARED + 1}
    assert held(emulator) == {"event_types": [], "apps": []}  # event types are archived, as Svix does


def run_make_demo(env: dict[str, str], log: Path, timeout: float = 540) -> subprocess.CompletedProcess:
    """`make demo` in its own process group; the whole group is killed if it fails to finish in time
    (or the test is interrupted), so no pulumi or emulator process outlives the test."""
    with open(log, "w") as out:
        process = subprocess.Popen(["make", "--no-print-directory", "demo"], cwd=REPO_ROOT, env=env, text=True,
                                   stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
        try:
            process.wait(timeout=timeout)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    return subprocess.CompletedProcess(process.args, process.returncode, log.read_text())


def test_make_demo_deploys_to_the_svix_named_by_the_environment(emulator, tmp_path):
    demo_dir = tmp_path / "demo"
    env = {**os.environ, "SVIX_AUTH_TOKEN": emulator.token, "SVIX_SERVER_URL": emulator.url,
           "PULUMI_SVIX_DEMO_DIR": str(demo_dir)}
    env.pop("SVIX_TOKEN", None)
    started = time.monotonic()
    first = run_make_demo(env, tmp_path / "demo-1.log")
    assert first.returncode == 0, first.stdout
    assert f"target: the Svix server at {emulator.url} (SVIX_AUTH_TOKEN is set)" in first.stdout
    assert "Starting the Svix emulator" not in first.stdout  # the demo started none of its own
    assert "svix:token=(from SVIX_AUTH_TOKEN)" in first.stdout
    assert held(emulator) == {"event_types": sorted(EVENT_TYPES), "apps": sorted(CUSTOMERS)}
    assert emulator.token not in first.stdout

    # Nothing of the demo went to the repository's .demo/: its state and config are in PULUMI_SVIX_DEMO_DIR,
    # and the token is in none of its files.
    assert (demo_dir / "Pulumi.svix.yaml").is_file()
    files = [path for path in demo_dir.rglob("*") if path.is_file()]
    assert [path for path in files if emulator.token.encode() in path.read_bytes()] == []

    second = run_make_demo(env, tmp_path / "demo-2.log")
    assert second.returncode == 0, second.stdout
    assert "reusing it" in second.stdout
    print(f"two `make demo` runs against an external emulator: {time.monotonic() - started:.0f} s")

    # Leave nothing on the emulator: destroy the demo's stack with the same environment.
    stack_env = {**env, **engine_env(demo_dir / "state")}
    destroy = subprocess.run([str(TOOLS_BIN / "pulumi"), "destroy", "--yes", "--stack", "svix",
                              "--config-file", str(demo_dir / "Pulumi.svix.yaml")],
                             cwd=QUICKSTART, env=stack_env, text=True, capture_output=True, timeout=300)
    assert destroy.returncode == 0, destroy.stdout + destroy.stderr
    assert held(emulator) == {"event_types": [], "apps": []}


def test_two_stacks_on_one_emulator_database_share_one_svix(emulator, stack_factory):
    """README ("The local Svix emulator"): why every stack needs an emulator database of its own. Two stacks
    of the quickstart on one database: the second fails on the first one's application uids (HTTP 409), takes
    over its event types (matched by name, declared alike), and destroying the second stack archives them
    under the first one, whose refresh then finds them gone."""
    env = {"SVIX_AUTH_TOKEN": emulator.token, "SVIX_SERVER_URL": emulator.url}
    first = stack_factory(QUICKSTART, env=env, stack_name="first")
    second = stack_factory(QUICKSTART, env=env, stack_name="second")
    assert first.up(color="never").summary.result == "succeeded"

    try:  # --continue-on-error: the event types are not left out by an application that failed first
        second.up(color="never", continue_on_error=True)
        raise AssertionError("the second stack's up succeeded on the first stack's objects")
    except auto.CommandError as error:
        failure = str(error)
    assert failure.count("HTTP 409") >= len(CUSTOMERS) and "(property uid)" in failure
    taken_over = [r for r in second.export_stack().deployment["resources"] if r["type"].endswith("svix:EventType")]
    assert sorted(r["id"] for r in taken_over) == sorted(EVENT_TYPES)

    second.destroy(color="never")
    assert held(emulator)["event_types"] == []  # archived, under the first stack
    refresh = first.refresh(color="never")
    assert refresh.summary.resource_changes.get("delete") == len(EVENT_TYPES), refresh.summary.resource_changes


PROGRAM_PROJECT = f"""\
name: svix-documented
runtime:
  name: python
  options:
    toolchain: pip
    virtualenv: {VENV_PYTHON.parent.parent}
"""

PROGRAM = """\
import pulumi
import pulumi_svix as svix

config = pulumi.Config()
acme = svix.Application("acme", name=config.get("appName") or "Acme", uid="acme")
billing = svix.Endpoint("acme-billing", app_id=acme.id, uid="billing", url="https://hooks.acme.example/billing")
pulumi.export("billing_signing_secret", billing.secret)
"""


def write_program(directory: Path) -> Path:
    directory.mkdir()
    (directory / "Pulumi.yaml").write_text(PROGRAM_PROJECT)
    (directory / "__main__.py").write_text(PROGRAM)
    return directory


def rotate_outside_pulumi(emulator) -> str:
    """A new signing secret for acme/billing, as the Svix dashboard would do it; returns it."""
    headers = {"Authorization": f"Bearer {emulator.token}"}
    base = f"{emulator.url}/api/v1/app/acme/endpoint/billing/secret"
    requests.post(f"{base}/rotate", json={}, headers=headers, timeout=30).raise_for_status()
    response = requests.get(base, headers=headers, timeout=30)
    response.raise_for_status()
    return response.json()["key"]


def test_refresh_updates_the_resources_but_not_the_stack_outputs_until_the_next_up(
        emulator, svix_config, stack_factory, tmp_path):
    """README ("Configuration") and docs/guides/rotating-secrets.md ("Rotated outside Pulumi"): after a
    rotation in the dashboard, `pulumi refresh` records the new secret in the endpoint's state, while
    `pulumi stack output` shows the old one until the next `pulumi up`."""
    stack = stack_factory(write_program(tmp_path / "program"), config=svix_config)
    up = stack.up(color="never")
    old_secret = up.outputs["billing_signing_secret"].value
    new_secret = rotate_outside_pulumi(emulator)
    assert new_secret != old_secret

    assert stack.refresh(color="never").summary.result == "succeeded"
    [endpoint] = [r for r in stack.export_stack().deployment["resources"] if r["urn"].endswith("::acme-billing")]
    assert new_secret in json.dumps(endpoint["outputs"])  # the state of the resource: the new secret
    assert stack.outputs()["billing_signing_secret"].value == old_secret  # the stack output: still the old one

    up = stack.up(color="never")
    assert up.summary.resource_changes == {"same": 3}  # no declared secret: nothing to rotate back
    assert stack.outputs()["billing_signing_secret"].value == new_secret


def test_a_failed_up_records_its_provider_settings_for_refresh_and_destroy(
        emulator, svix_config, stack_factory, tmp_path):
    """README ("Configuration"): refresh and destroy use the svix:* settings recorded by the last `pulumi up`,
    also one that failed. An `up` with a wrong token fails, and records that token: a plain `refresh` then fails
    with it even after the config is put right; `refresh --run-program` (or a new `up`) uses the config."""
    stack = stack_factory(write_program(tmp_path / "program"), config=svix_config)
    stack.up(color="never")

    stack.set_config("svix:token", auto.ConfigValue("testsk_not-the-right-token", secret=True))
    stack.set_config("appName", auto.ConfigValue("Acme Renamed"))  # a change, so that the up calls Svix
    with pytest.raises(auto.CommandError, match=r"rejected the API token \(HTTP 401\)"):
        stack.up(color="never")

    stack.set_config("svix:token", svix_config["svix:token"])  # the config is right again...
    with pytest.raises(auto.CommandError, match=r"rejected the API token \(HTTP 401\)"):
        stack.refresh(color="never")  # ... but refresh uses the settings the failed up recorded
    refresh = stack.refresh(color="never", run_program=True)
    assert refresh.summary.result == "succeeded"
    up = stack.up(color="never")
    assert up.summary.resource_changes.get("update") == 1  # the rename, now with the right token
    assert stack.refresh(color="never").summary.result == "succeeded"
