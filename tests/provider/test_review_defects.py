"""Review defects of issue 11: provider methods and the HTTP client called directly against the emulator."""

from __future__ import annotations

import time

import pytest
import requests

from pulumi_svix import client as client_module
from pulumi_svix.client import SvixClient, SvixError
from pulumi_svix.config import Settings
from pulumi_svix.resources.application import ApplicationProvider
from pulumi_svix.resources.endpoint import EndpointProvider
from pulumi_svix.resources.integration import IntegrationProvider

BARE_SECRET = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"  # base64 of 24 bytes, without the whsec_ prefix


def server_get(emulator, path):
    return requests.get(emulator.url + path, headers=emulator.headers, timeout=30).json()


class Recorder:
    """Wraps the provider's client: records every call and fails the ones ``fail(method, path)`` picks."""

    def __init__(self, api: SvixClient, fail=lambda method, path: False):
        self.calls: list[tuple[str, str]] = []
        self._request, self._fail = api.request, fail

    def __call__(self, method, path, **kwargs):
        self.calls.append((method, path))
        if self._fail(method, path):
            raise SvixError(f"{method} {path}: injected failure")
        return self._request(method, path, **kwargs)


@pytest.fixture
def recorder(svix_settings, monkeypatch):
    def install(fail=lambda method, path: False) -> Recorder:
        api = client_module.client()
        rec = Recorder(api, fail)
        monkeypatch.setattr(api, "request", rec)
        return rec
    return install


# --- item 2: a declared secret without the whsec_ prefix --------------------------------------------

def test_a_bare_declared_secret_reads_back_without_a_change(svix_settings, emulator):
    app = ApplicationProvider().create({"name": "A"}).id
    p = EndpointProvider()
    inputs = {"app_id": app, "url": "https://hooks.example.com/a", "secret": BARE_SECRET}
    created = p.create(inputs)
    assert server_get(emulator, f"/api/v1/app/{app}/endpoint/{created.id}/secret")["key"] == "whsec_" + BARE_SECRET
    live = p.read(created.id, created.outs).outs  # what refresh records
    assert p.diff(created.id, live, inputs).changes is False


# --- item 5: a create that fails after its first call leaves nothing behind --------------------------

def test_endpoint_create_is_one_call_and_its_secret_is_what_svix_holds(svix_settings, emulator, recorder):
    """No GET …/secret after the POST: the secret is generated here and sent with the POST, so there is
    no second call that could fail and leave an endpoint the state does not know."""
    app = ApplicationProvider().create({"name": "A"}).id
    rec = recorder(fail=lambda method, path: method == "GET" and path.endswith("/secret"))
    created = EndpointProvider().create({"app_id": app, "url": "https://hooks.example.com/a"})
    endpoint_calls = [(m, path) for m, path in rec.calls if "/endpoint" in path]
    assert endpoint_calls == [("POST", f"/api/v1/app/{app}/endpoint")]
    secret = created.outs["secret"]
    assert secret.startswith("whsec_")
    assert server_get(emulator, f"/api/v1/app/{app}/endpoint/{created.id}/secret")["key"] == secret
    [endpoint] = server_get(emulator, f"/api/v1/app/{app}/endpoint")["data"]
    assert endpoint["id"] == created.id


def test_generated_endpoint_secrets_are_random_and_of_svix_size(svix_settings):
    import base64

    app = ApplicationProvider().create({"name": "A"}).id
    p = EndpointProvider()
    secrets = {p.create({"app_id": app, "url": f"https://hooks.example.com/{n}"}).outs["secret"] for n in range(3)}
    assert len(secrets) == 3
    for secret in secrets:
        assert 24 <= len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) <= 75


def test_integration_whose_key_rotation_fails_is_removed_again(svix_settings, emulator, recorder):
    app = ApplicationProvider().create({"name": "A"}).id
    rec = recorder(fail=lambda method, path: path.endswith("/key/rotate"))
    with pytest.raises(SvixError, match=r"Integration create failed: .*injected failure"):
        IntegrationProvider().create({"app_id": app, "name": "Zapier"})
    assert server_get(emulator, f"/api/v1/app/{app}/integration")["data"] == []
    assert [m for m, path in rec.calls if "/integration" in path] == ["POST", "POST", "DELETE"]


def test_integration_that_cannot_be_removed_either_is_named_in_the_error(svix_settings, emulator, recorder):
    app = ApplicationProvider().create({"name": "A"}).id
    recorder(fail=lambda method, path: path.endswith("/key/rotate") or method == "DELETE")
    with pytest.raises(SvixError) as raised:
        IntegrationProvider().create({"app_id": app, "name": "Zapier"})
    [left] = server_get(emulator, f"/api/v1/app/{app}/integration")["data"]
    message = str(raised.value)
    assert left["id"] in message and "delete it" in message


def test_an_adopted_integration_is_never_removed_when_its_rotation_fails(svix_settings, emulator, recorder):
    app = ApplicationProvider().create({"name": "A"}).id
    existing = IntegrationProvider().create({"app_id": app, "name": "Zapier"}).id
    recorder(fail=lambda method, path: path.endswith("/key/rotate"))
    with pytest.raises(SvixError):
        IntegrationProvider().create({"app_id": app, "name": "Zapier", "adopt": True})
    assert [i["id"] for i in server_get(emulator, f"/api/v1/app/{app}/integration")["data"]] == [existing]


def test_endpoint_whose_answer_shows_a_lost_value_is_removed_again(svix_settings, emulator, monkeypatch):
    """The POST succeeded but the server did not store what was declared: create fails, and the
    endpoint it made is not left behind for the next run to duplicate."""
    from pulumi_svix.resources import _engine

    app = ApplicationProvider().create({"name": "A"}).id
    real = _engine.verify_stored

    def lossy(schema, server, declared, answer, api_names=None):
        return real(schema, server, declared, {**answer, "description": "lost"}, api_names)

    monkeypatch.setattr(_engine, "verify_stored", lossy)
    with pytest.raises(SvixError, match="did not store what was declared"):
        EndpointProvider().create({"app_id": app, "url": "https://hooks.example.com/a", "description": "d"})
    assert server_get(emulator, f"/api/v1/app/{app}/endpoint")["data"] == []


# --- item 6: one deadline per API call --------------------------------------------------------------

def test_a_slow_svix_fails_within_the_call_deadline_saying_it_did_not_answer(emulator, monkeypatch):
    monkeypatch.setattr(client_module, "CALL_DEADLINE_SECONDS", 1.0, raising=False)
    emulator.set_faults(latency_ms=1500)
    api = SvixClient(Settings(emulator.url, emulator.token))
    started = time.monotonic()
    with pytest.raises(SvixError) as raised:
        api.get("/api/v1/app")
    elapsed = time.monotonic() - started
    emulator.set_faults()
    message = str(raised.value)
    assert f"Svix at {emulator.url} did not answer within 1 s" in message, message
    assert "could not reach" not in message
    assert 0.9 <= elapsed < 1.4, elapsed
    # The rest of the run fails at once with the same message, sending nothing more.
    before = emulator.stats()["total"]
    with pytest.raises(SvixError, match="did not answer within 1 s"):
        api.get("/api/v1/app")
    assert emulator.stats()["total"] == before


def test_an_unreachable_svix_fails_within_the_call_deadline(monkeypatch):
    monkeypatch.setattr(client_module, "CALL_DEADLINE_SECONDS", 1.0, raising=False)
    api = SvixClient(Settings("http://127.0.0.1:9", "testsk_x"))
    started = time.monotonic()
    with pytest.raises(SvixError, match=r"could not reach Svix at http://127.0.0.1:9 .*within 1 s"):
        api.get("/api/v1/app")
    assert time.monotonic() - started < 1.3


def test_a_retry_after_beyond_the_deadline_fails_at_once(emulator, monkeypatch):
    monkeypatch.setattr(client_module, "CALL_DEADLINE_SECONDS", 2.0, raising=False)
    emulator.set_faults(rate=1.0, kinds=["429"], retry_after=5)
    api = SvixClient(Settings(emulator.url, emulator.token))
    started = time.monotonic()
    with pytest.raises(SvixError, match="429"):
        api.get("/api/v1/app")
    emulator.set_faults()
    assert time.monotonic() - started < 1.0


def test_the_default_deadline_is_the_readme_figure():
    from pathlib import Path

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    deadline = client_module.CALL_DEADLINE_SECONDS
    assert f"{deadline:g} s" in readme
    # The backoff schedule (without jitter) fits inside the deadline: every retry can happen.
    assert client_module.retry_budget_seconds() < deadline
