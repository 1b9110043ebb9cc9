"""The HTTP client against the emulator: retries, idempotency, error translation, no token leaks."""

import pytest

from pulumi_svix.client import SvixApiError, SvixClient, SvixError
from pulumi_svix.config import Settings


@pytest.mark.allow_contract_violations  # the bad uid below is deliberately invalid
def test_errors_carry_status_code_and_field(emulator):
    api = SvixClient(Settings(emulator.url, emulator.token))
    with pytest.raises(SvixApiError) as raised:
        api.get("/api/v1/app/app_doesnotexist")
    assert raised.value.status == 404 and raised.value.code == "not_found"
    with pytest.raises(SvixApiError) as raised:
        api.post("/api/v1/app", {"name": "x", "uid": "bad uid!"})
    assert raised.value.status == 422 and raised.value.field == "uid"


def test_wrong_token_fails_fast_without_retries(emulator):
    api = SvixClient(Settings(emulator.url, "testsk_wrong-token"))
    before = emulator.stats()["total"]
    with pytest.raises(SvixError) as raised:
        api.get("/api/v1/app")
    assert "rejected the API token" in str(raised.value) and emulator.url in str(raised.value)
    assert "testsk_wrong-token" not in str(raised.value)
    assert emulator.stats()["total"] - before <= 1


def test_missing_token_names_the_config_command():
    with pytest.raises(SvixError, match=r"pulumi config set --secret svix:token"):
        SvixClient(Settings("http://127.0.0.1:9")).get("/api/v1/app")


def test_unreachable_server_names_the_url():
    api = SvixClient(Settings("http://127.0.0.1:9", "testsk_x"), retries=2, backoff=0.01)
    with pytest.raises(SvixError, match=r"could not reach Svix at http://127.0.0.1:9"):
        api.get("/api/v1/app")


@pytest.mark.parametrize("kind", ["500", "503", "429", "reset", "commit-then-500"])
def test_creates_survive_every_fault_kind_without_duplicates(emulator, kind):
    api = SvixClient(Settings(emulator.url, emulator.token), backoff=0.01)
    emulator.set_faults(rate=0.5, kinds=[kind], latency_ms=0, seed=3)
    created = {api.post("/api/v1/app", {"name": f"app {i}"})["id"] for i in range(12)}
    emulator.set_faults(rate=0)
    assert len(created) == 12
    listed = api.list_all("/api/v1/app")
    assert sorted(a["id"] for a in listed) == sorted(created)
    assert sum(emulator.stats().get("faults", {}).values()) > 0


def test_environment_settings_are_resolved_once_per_session_as_requests_would(monkeypatch, tmp_path):
    """Proxy variables, NO_PROXY and the CA bundle variable count as they do for requests, read when the
    session is made (not at every request); a ~/.netrc never replaces the bearer token."""
    from pulumi_svix.client import _session_for

    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "svix.internal")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "ca.pem"))
    session = _session_for("https://api.eu.svix.com")
    assert session.trust_env is False
    assert session.proxies.get("https") == "http://proxy.internal:3128"
    assert session.verify == str(tmp_path / "ca.pem")
    assert "https" not in _session_for("https://svix.internal").proxies  # NO_PROXY
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    monkeypatch.delenv("HTTPS_PROXY")
    assert _session_for("https://api.eu.svix.com").proxies == {} and _session_for("https://x").verify is True


def test_an_outage_ends_the_later_calls_at_once_and_says_how_hard_it_tried(emulator, monkeypatch):
    """Every attempt of a call answered 503 for its whole deadline: the error says how many attempts, and
    the calls after it fail at once (a refresh during an outage took minutes: each resource ~31 s)."""
    from pulumi_svix import client as client_module

    monkeypatch.setattr(client_module, "CALL_DEADLINE_SECONDS", 2.0)
    api = SvixClient(Settings(emulator.url, emulator.token), backoff=0.05)
    emulator.set_faults(rate=1.0, kinds=["503"], retry_after=0)
    try:
        with pytest.raises(SvixApiError) as raised:
            api.get("/api/v1/app")
        assert raised.value.status == 503 and "attempts within 2 s" in raised.value.detail
        before = emulator.stats()["total"]
        with pytest.raises(SvixError, match="answered HTTP 503 to every attempt"):
            api.get("/api/v1/app")
        assert emulator.stats()["total"] == before  # not even one more request
    finally:
        emulator.set_faults()


def test_a_retry_after_beyond_the_deadline_is_named(emulator):
    api = SvixClient(Settings(emulator.url, emulator.token), backoff=0.01)
    emulator.set_faults(rate=1.0, kinds=["429"], retry_after=45)
    try:
        with pytest.raises(SvixApiError, match=r"asked to wait 45 s \(Retry-After\), longer than"):
            api.get("/api/v1/app")
    finally:
        emulator.set_faults()
    assert api.get("/api/v1/app") is not None  # a 429 is not an outage: later calls go on
