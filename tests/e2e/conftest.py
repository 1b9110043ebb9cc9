"""Fixtures of the end-to-end lifecycle suite: which Svix server the tests run against, an API client to
check what really landed there, and a stack wrapper that records every CLI output.

- ``target``: the Svix server under test. By default the emulator, once per flavor: ``[cloud]`` speaks the
  Svix cloud API, ``[oss]`` behaves as the self-hosted svix-server (no Integration API, ``featureFlag`` instead
  of ``featureFlags``, no ``groupName``, endpoint headers ignored at create, ...). One emulator per flavor for
  the session (``emulator_pool.shared(flavor)``), reset before each test, every request and response checked
  against that flavor's OpenAPI contract at teardown (``check_contract``).
  With ``SVIX_SERVER_URL`` and ``SVIX_AUTH_TOKEN`` set, that server instead, once (test id ``[real]``); its
  ``flavor`` is detected once per URL: ``oss`` if the integration routes of an existing application answer
  404 with an empty body (as svix-server does), else ``cloud``. Tests that need emulator-only features skip
  with that reason (``target.require_emulator(...)``); Integration tests skip only on a server without the
  Integration API (``target.require_integrations()``); tests of the self-hosted dialect run only where the
  flavor is ``oss`` (``target.require_flavor("oss", ...)``; ``target_params("oss")`` leaves the cloud
  emulator out of their parameters).
  ``target.unique("acme")`` gives names unique to this test run, so runs can share a real server.
- ``svix``: the face of the package a test's programs use, once per face: ``[dynamic]`` is ``pulumi_svix`` (the
  dynamic resources), ``[plugin]`` is ``pulumi_svix.native`` (resources served by the ``pulumi-resource-svix``
  provider plugin, found by the engine on PATH: the venv's bin). Both run the same provider code, so the plugin
  face runs on the ``cloud`` emulator flavor (and a real server) only: ``[oss-plugin]`` items are deselected
  (not skipped), which keeps the suite's time bounded.
- ``new_stack``: ``new_stack(program, config=...)`` makes a stack (``stack_factory``) pointed at the target
  and wraps it in a ``Lifecycle`` that records all CLI output and checks every operation's outcome.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlparse

import pytest
import requests
from pulumi import automation as auto

import pulumi_svix
import pulumi_svix.native
from pulumi_svix.schema import snake_case

from tests.fixtures_emulator import check_contract

REAL_URL_ENV, REAL_TOKEN_ENV = "SVIX_SERVER_URL", "SVIX_AUTH_TOKEN"
RUN_ID = secrets.token_hex(3)  # one per test session: names unique to this run on a shared server
FLAVORS = ("cloud", "oss")  # the emulator's dialects: Svix cloud, and the self-hosted svix-server
FACES = {"dynamic": pulumi_svix, "plugin": pulumi_svix.native}  # the two faces of the package
REAL = "real"  # the target's parameter when the tests run against SVIX_SERVER_URL
_detected_flavors: dict[str, str] = {}  # per real server URL: "cloud" or "oss"
REPORT: dict[str, Any] = {}  # figures printed at the end of the run (e.g. the size of __provider)


def real_server() -> tuple[str, str] | None:
    """(url, token) of the real Svix the tests run against, or None: the emulator."""
    url, token = os.environ.get(REAL_URL_ENV), os.environ.get(REAL_TOKEN_ENV)
    return (url, token) if url and token else None


def target_params(*flavors: str) -> list:
    """The ``target`` fixture's parameters: each emulator flavor (all by default), or ``real`` alone
    against a real server (whose flavor the tests check with ``target.require_flavor``).
    ``pytest.mark.parametrize("target", target_params("oss"), indirect=True)`` limits a module to a flavor."""
    if real_server():
        return [pytest.param(REAL, id=REAL)]
    return [pytest.param(flavor, id=flavor) for flavor in flavors or FLAVORS]


def pytest_collection_modifyitems(config, items) -> None:
    """The plugin face on the emulator's ``cloud`` flavor only (see the module docstring): deselected, not skipped."""
    dropped = [item for item in items if getattr(item, "callspec", None) is not None
               and item.callspec.params.get("svix") == "plugin" and item.callspec.params.get("target") == "oss"]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in dropped]


@pytest.fixture(params=list(FACES))
def svix(request: pytest.FixtureRequest):
    """The package face the test's programs declare their resources with (``svix.Application(...)`` etc.)."""
    return FACES[request.param]


def pytest_terminal_summary(terminalreporter) -> None:
    target = real_server()[0] if real_server() else None
    if REPORT:
        terminalreporter.section("e2e figures")
        terminalreporter.write_line(f"target: {target or 'the emulator'}")
        for name, value in REPORT.items():
            terminalreporter.write_line(f"{name}: {json.dumps(value, sort_keys=True)}")


class SvixApi(requests.Session):
    """A small Svix REST client for checking the server side (``get_json`` returns None on 404)."""

    def __init__(self, url: str, token: str) -> None:
        super().__init__()
        self.base_url = url.rstrip("/")
        self.headers["Authorization"] = f"Bearer {token}"

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", 30)
        return super().request(method, self.base_url + url, *args, **kwargs)

    def call(self, method: str, path: str, body: Any = None, **kwargs) -> Any:
        response = self.request(method, path, json=body, **kwargs)
        if response.status_code == 404 and method == "GET":
            return None
        assert response.status_code < 400, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    def get_json(self, path: str, **kwargs) -> Any:
        return self.call("GET", path, **kwargs)

    def list_all(self, path: str, **params) -> list[dict]:
        items, query = [], {"limit": 250, **params}
        while True:
            page = self.get_json(path, params=query)
            items += page["data"]
            if page.get("done", True) or not page.get("iterator"):
                return items
            query["iterator"] = page["iterator"]

    # -- the objects the tests look at -----------------------------------------------------------
    def app(self, app: str) -> dict | None:
        return self.get_json(f"/api/v1/app/{app}")

    def endpoints(self, app: str) -> list[dict]:
        return self.list_all(f"/api/v1/app/{app}/endpoint")

    def endpoint(self, app: str, endpoint: str) -> dict | None:
        return self.get_json(f"/api/v1/app/{app}/endpoint/{endpoint}")

    def endpoint_headers(self, app: str, endpoint: str) -> dict:
        return self.get_json(f"/api/v1/app/{app}/endpoint/{endpoint}/headers")

    def endpoint_secret(self, app: str, endpoint: str) -> str:
        return self.get_json(f"/api/v1/app/{app}/endpoint/{endpoint}/secret")["key"]

    def event_type(self, name: str) -> dict | None:
        return self.get_json(f"/api/v1/event-type/{name}")

    def integrations(self, app: str) -> list[dict]:
        return self.list_all(f"/api/v1/app/{app}/integration")


def filter_types(endpoint: dict) -> list[str]:
    """The endpoint's event-type filter, sorted (``eventTypes``; older servers say ``filterTypes``)."""
    return sorted(endpoint.get("eventTypes") or endpoint.get("filterTypes") or [])


def detect_flavor(api: SvixApi, url: str) -> str:
    """``oss`` if the server has no Integration API (svix-server answers 404 with an empty body on the
    integration routes of an existing application), else ``cloud``. Probed once per URL."""
    if url not in _detected_flavors:
        app = api.call("POST", "/api/v1/app", {"name": "pulumi-svix probe", "uid": f"probe-{RUN_ID}"})
        try:
            response = api.get(f"/api/v1/app/{app['id']}/integration")
        finally:
            api.delete(f"/api/v1/app/{app['id']}")
        _detected_flavors[url] = "oss" if response.status_code == 404 and not response.content else "cloud"
    return _detected_flavors[url]


@dataclass
class Target:
    url: str
    token: str
    api: SvixApi
    flavor: str  # "cloud" (the Svix cloud API) or "oss" (the self-hosted svix-server's dialect)
    emulator: Any = None  # the Emulator, or None against a real Svix
    leftovers: list = field(default_factory=list)  # (path, params) deleted when the test ends

    def delete_at_teardown(self, path: str, **params: str) -> None:
        """Deleted when the test ends, whatever happened (a shared server keeps no test debris)."""
        self.leftovers.append((path, params))

    def _clean_up(self) -> None:
        for path, params in reversed(self.leftovers):
            try:
                self.api.delete(path, params=params)
            except requests.RequestException as error:  # best effort, never hides the test's result
                print(f"cleaning up {path}: {error}")

    @property
    def is_emulator(self) -> bool:
        return self.emulator is not None

    def unique(self, name: str) -> str:
        return f"{name}-{RUN_ID}"

    def config(self) -> dict[str, Any]:
        return {"svix:serverUrl": self.url, "svix:token": auto.ConfigValue(self.token, secret=True)}

    def require_emulator(self, feature: str) -> None:
        if not self.is_emulator:
            pytest.skip(f"needs the emulator ({feature}); running against the real Svix at {self.url}")

    def _where(self) -> str:
        return f"the emulator's {self.flavor} flavor" if self.is_emulator else f"the Svix at {self.url}"

    @property
    def has_integrations(self) -> bool:
        """Whether the server has the Integration API (the self-hosted svix-server has none)."""
        return self.flavor != "oss"

    def require_integrations(self) -> None:
        """Skips only on a server without the Integration API: the oss flavor, or a real svix-server."""
        if not self.has_integrations:
            pytest.skip(f"{self._where()} has no Integration API (self-hosted svix-server: its integration "
                        "routes answer 404)")

    def require_flavor(self, flavor: str, why: str) -> None:
        if self.flavor != flavor:
            pytest.skip(f"needs a server of flavor {flavor} ({why}); {self._where()} is of flavor {self.flavor}")

    def _stored(self, kind: str, id_: str, field_: str) -> Any:
        """A private field of an object in the emulator's database (what Svix's API never shows)."""
        with closing(sqlite3.connect(self.emulator.db)) as db:
            row = db.execute("SELECT json_extract(doc, ?) FROM resource WHERE kind = ? AND id = ?",
                             (f"$.{field_}", kind, id_)).fetchone()
        assert row, f"{kind} {id_} is not in the emulator's database"
        return row[0]

    def stored_integration_key(self, integration_id: str) -> str:
        """The key the emulator holds for an integration (Svix's API never returns an existing key)."""
        return self._stored("integration", integration_id, "_key")

    def stored_endpoint_headers(self, endpoint_id: str) -> dict[str, str]:
        """The endpoint's headers with their values (Svix's API redacts sensitive ones)."""
        return json.loads(self._stored("endpoint", endpoint_id, "_headers"))


@pytest.fixture(params=target_params())
def target(request: pytest.FixtureRequest):
    if request.param == REAL:
        url, token = real_server()
        emulator = None
    else:  # one emulator per flavor for the session, emptied before each test (contract-checked after it)
        emulator = request.getfixturevalue("emulator_pool").shared(request.param)
        url, token = emulator.url, emulator.token
    with SvixApi(url, token) as api:
        flavor = request.param if emulator is not None else detect_flavor(api, url)
        target = Target(url, token, api, flavor, emulator)
        yield target
        target._clean_up()
    if emulator is not None:
        check_contract(request, emulator)


# ---------------------------------------------------------------------------------------------------

class Lifecycle:
    """An Automation API stack whose operations must succeed, with all their CLI output recorded."""

    def __init__(self, stack: auto.Stack) -> None:
        self.stack = stack
        self.output: list[str] = []

    def up(self) -> auto.UpResult:
        result = self.stack.up(on_output=self.output.append, color="never")
        assert result.summary.result == "succeeded", result.stdout
        return result

    def preview(self, diff: bool = True) -> auto.PreviewResult:
        return self.stack.preview(on_output=self.output.append, diff=diff, color="never")

    def up_fails(self) -> str:
        """``up``, which must fail: the text of the failure (the CLI's stdout and stderr)."""
        try:
            result = self.stack.up(on_output=self.output.append, color="never")
        except auto.CommandError as error:
            return str(error)
        raise AssertionError(f"up succeeded, expected it to fail:\n{result.stdout}")

    def refresh(self) -> auto.RefreshResult:
        result = self.stack.refresh(on_output=self.output.append, color="never")
        assert result.summary.result == "succeeded", result.stdout
        return result

    def destroy(self) -> auto.DestroyResult:
        result = self.stack.destroy(on_output=self.output.append, color="never")
        assert result.summary.result == "succeeded", result.stdout
        return result

    def assert_no_changes(self) -> auto.PreviewResult:
        """A preview that proposes nothing: the program and Svix agree (no perpetual diff)."""
        preview = self.preview()
        assert set(preview.change_summary) == {"same"}, (preview.change_summary, preview.stdout)
        return preview

    def up_converged(self) -> auto.UpResult:
        """``up``, then the preview right after it must show no changes."""
        result = self.up()
        self.assert_no_changes()
        return result

    def assert_no_plain_secrets(self, secret_values: dict[str, str]) -> None:
        """None of these values in any state file (current state, history, backups) or recorded CLI output."""
        assert secret_values and all(secret_values.values()), secret_values
        files = self.state_files()
        assert files, "the file backend holds no state"
        leaks = [f"{what} in {path.relative_to(path.parents[2])}" for path in files
                 for what, value in secret_values.items() if value.encode() in path.read_bytes()]
        output = "".join(self.output)
        leaks += [f"{what} in the CLI output" for what, value in secret_values.items() if value in output]
        assert not leaks, leaks

    # -- state ---------------------------------------------------------------------------------------
    def resources(self) -> list[dict]:
        """The stack's resources from an export (the Automation API exports with secrets decrypted)."""
        return self.stack.export_stack().deployment.get("resources") or []

    def resource(self, name: str) -> dict | None:
        return next((r for r in self.resources() if r["urn"].endswith(f"::{name}")), None)

    def outputs(self, name: str) -> dict:
        found = self.resource(name)
        assert found is not None, f"{name} is not in the stack state"
        # Under their Python names: the plugin face records the schema's (``eventTypes``), the dynamic one these.
        return {snake_case(k) if not k.startswith("__") else k: v
                for k, v in unwrap_secrets(found.get("outputs", {})).items()}

    def state_files(self) -> list[Path]:
        backend = Path(urlparse(self.stack.workspace.env_vars["PULUMI_BACKEND_URL"]).path)
        return [path for path in backend.rglob("*") if path.is_file()]


SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d"  # Pulumi's marker of a secret value in a deployment


def unwrap_secrets(value: Any) -> Any:
    """Decrypted exports wrap secret values as {SECRET_SIGNATURE: ..., "plaintext": "<json>"}."""
    if isinstance(value, dict):
        if SECRET_SIGNATURE in value:
            return unwrap_secrets(json.loads(value["plaintext"]) if "plaintext" in value else value.get("value"))
        return {k: unwrap_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap_secrets(v) for v in value]
    return value


@pytest.fixture
def new_stack(target: Target, stack_factory) -> Callable[..., Lifecycle]:
    """``new_stack(program, config=None)``: a Lifecycle on a fresh stack pointed at the target."""

    def make(program, config: dict | None = None) -> Lifecycle:
        return Lifecycle(stack_factory(program, config={**target.config(), **(config or {})}))

    return make
