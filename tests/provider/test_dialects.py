"""Both Svixes: the provider speaks the self-hosted svix-server's dialect, and never reports success
for what the server did not store (provider methods called directly against both emulator flavors)."""

import pytest
import requests

from pulumi_svix import client as client_module
from pulumi_svix.client import SvixError
from pulumi_svix.config import Settings
from pulumi_svix.dialect import CLOUD, SELF_HOSTED, answer_value, request_body
from pulumi_svix.resources._engine import from_api, verify_stored
from pulumi_svix.resources.application import ApplicationProvider
from pulumi_svix.resources.endpoint import EndpointProvider
from pulumi_svix.resources.event_type import EventTypeProvider
from pulumi_svix.resources.integration import IntegrationProvider
from pulumi_svix.schema import resource_schema

SERVER = "http://svix.test"
EVENT_TYPE = resource_schema("EventType")


# --- offline: the dialect's forms and the check of an answer ----------------------------------------

def test_one_feature_flag_is_restated_as_featureflag_for_the_self_hosted_server():
    body = {"name": "a.b", "featureFlags": ["beta"], "description": ""}
    assert request_body(EVENT_TYPE, body, CLOUD, SERVER) == body
    assert request_body(EVENT_TYPE, body, SELF_HOSTED, SERVER) == {"name": "a.b", "featureFlag": "beta",
                                                                   "description": ""}
    # Clearing (a PATCH sends null) clears the single flag.
    assert request_body(EVENT_TYPE, {"featureFlags": None, "groupName": None}, SELF_HOSTED, SERVER) == {
        "featureFlag": None}


@pytest.mark.parametrize("body, prop", [({"featureFlags": ["a", "b"]}, "feature_flags"),
                                        ({"groupName": "billing"}, "group_name")])
def test_what_the_self_hosted_server_cannot_hold_is_refused_naming_property_and_server(body, prop):
    with pytest.raises(SvixError) as raised:
        request_body(EVENT_TYPE, body, SELF_HOSTED, SERVER)
    message = str(raised.value)
    assert prop in message and "self-hosted" in message and SERVER in message


def test_answers_of_either_dialect_read_the_same():
    flags = EVENT_TYPE.input("feature_flags")
    assert answer_value(flags, {"featureFlags": ["a", "b"]}) == ["a", "b"]
    assert answer_value(flags, {"featureFlag": "a"}) == ["a"]
    assert answer_value(flags, {"featureFlag": None}) is None
    # Absent from the answer is unset on the server, not "as declared".
    assert from_api(EVENT_TYPE, {"name": "a.b"})["group_name"] is None


def test_an_answer_without_a_declared_value_is_an_error_naming_property_and_server():
    declared = {"name": "a.b", "group_name": "billing", "feature_flags": ["x"]}
    with pytest.raises(SvixError) as raised:
        verify_stored(EVENT_TYPE, SERVER, declared, {"name": "a.b", "description": "", "featureFlag": "x"})
    message = str(raised.value)
    assert "group_name" in message and SERVER in message and "feature_flags" not in message
    # PATCH checks only what it sent.
    verify_stored(EVENT_TYPE, SERVER, declared, {"name": "a.b", "featureFlag": "x"}, {"featureFlags"})


# --- against the emulator: both flavors ---------------------------------------------------------------

@pytest.fixture
def oss(oss_emulator):
    """The provider's process-wide client pointed at a self-hosted-flavored emulator."""
    client_module.configure(Settings(server_url=oss_emulator.url, token=oss_emulator.token))
    yield oss_emulator
    client_module.configure(None)


def api_get(emulator, path):
    return requests.get(emulator.url + path, headers=emulator.headers, timeout=30)


def test_event_type_with_one_flag_lands_on_the_self_hosted_server_and_reads_back(oss):
    p = EventTypeProvider()
    created = p.create({"name": "invoice.paid", "feature_flags": ["beta"]})
    assert api_get(oss, "/api/v1/event-type/invoice.paid").json()["featureFlag"] == "beta"
    outs = p.update("invoice.paid", created.outs, {"name": "invoice.paid", "feature_flags": ["gamma"]}).outs
    assert outs["feature_flags"] == ["gamma"]
    assert api_get(oss, "/api/v1/event-type/invoice.paid").json()["featureFlag"] == "gamma"
    outs = p.update("invoice.paid", outs, {"name": "invoice.paid", "feature_flags": None}).outs
    assert api_get(oss, "/api/v1/event-type/invoice.paid").json()["featureFlag"] is None
    # Refresh reports what the server holds: a group name it cannot hold reads back as unset.
    assert p.read("invoice.paid", {**outs, "group_name": "billing"}).outs["group_name"] is None


@pytest.mark.parametrize("inputs, prop", [({"feature_flags": ["a", "b"]}, "feature_flags"),
                                          ({"group_name": "billing"}, "group_name")])
def test_event_type_the_self_hosted_server_cannot_hold_fails_before_anything_is_created(oss, inputs, prop):
    with pytest.raises(SvixError, match=rf"EventType create failed: .*self-hosted.*{prop}"):
        EventTypeProvider().create({"name": "invoice.paid", **inputs})
    assert api_get(oss, "/api/v1/event-type/invoice.paid").status_code == 404


def test_a_dropped_property_is_an_error_not_a_success(oss):
    """Told it speaks to Svix Cloud, the provider sends `featureFlags`, which the self-hosted server
    ignores: the answer shows the loss and create fails naming the property and the server."""
    client_module.client()._dialect = CLOUD
    with pytest.raises(SvixError) as raised:
        EventTypeProvider().create({"name": "invoice.paid", "feature_flags": ["beta"]})
    message = str(raised.value)
    assert "did not store" in message and "feature_flags" in message and oss.url in message


def test_endpoint_headers_declared_at_create_are_on_the_self_hosted_server(oss):
    app = ApplicationProvider().create({"name": "A"}).id
    p = EndpointProvider()
    inputs = {"app_id": app, "url": "https://hooks.example.com/a",
              "headers": {"Authorization": "Bearer abc", "X-Team": "payments"}}
    created = p.create(inputs)
    headers = api_get(oss, f"/api/v1/app/{app}/endpoint/{created.id}/headers").json()
    assert headers["headers"] == {"X-Team": "payments"}
    assert [name.lower() for name in headers["sensitive"]] == ["authorization"]
    assert p.diff(created.id, p.read(created.id, created.outs).outs, inputs).changes is False


def test_integration_on_a_server_without_the_integration_api_says_so(oss):
    app = ApplicationProvider().create({"name": "A"}).id
    with pytest.raises(SvixError) as raised:
        IntegrationProvider().create({"app_id": app, "name": "Zapier"})
    message = str(raised.value)
    assert "has no Integration API" in message and "no such application" not in message


def test_the_dialect_is_asked_once_per_process_and_only_when_a_write_depends_on_it(svix_settings, emulator):
    """Svix Cloud: no probe for writes that read the same in both dialects; one for the process
    when flags or create-time headers need it; no extra round trip per resource."""
    def requests_sent() -> int:
        return sum(emulator.stats()["requests"].values())

    p = EventTypeProvider()
    before = requests_sent()
    for n in range(3):
        p.create({"name": f"plain.{n}"})
    assert requests_sent() - before == 3
    before = requests_sent()
    for n in range(3):
        p.create({"name": f"flagged.{n}", "feature_flags": ["beta"], "group_name": "g"})
    assert requests_sent() - before == 3 + 1
    assert api_get(emulator, "/api/v1/event-type/flagged.0").json()["groupName"] == "g"


def test_every_property_the_self_hosted_server_cannot_hold_is_named_at_once():
    with pytest.raises(SvixError) as raised:
        request_body(EVENT_TYPE, {"featureFlags": ["a", "b"], "groupName": "g"}, SELF_HOSTED, SERVER)
    assert "feature_flags" in str(raised.value) and "group_name" in str(raised.value)


def test_a_refused_create_time_header_leaves_no_endpoint_behind_on_the_self_hosted_server(oss):
    """The self-hosted server takes headers in a second call: if that one is refused, the endpoint the
    first call made is removed again (the state will not hold it; a retry must not find an orphan)."""
    app = ApplicationProvider().create({"name": "A"}).id
    with pytest.raises(SvixError, match=r"Endpoint create failed: .*422"):
        EndpointProvider().create({"app_id": app, "url": "https://hooks.example.com/a", "uid": "billing",
                                   "headers": {"X-Bad": "one\r\nInjected: two"}})
    assert api_get(oss, f"/api/v1/app/{app}/endpoint").json()["data"] == []


def test_an_integration_on_a_server_without_the_api_is_gone_for_refresh_and_destroy(oss):
    """A stack moved from Svix Cloud to a self-hosted server: its integrations cannot exist there."""
    app = ApplicationProvider().create({"name": "A"}).id
    state = {"app_id": app, "name": "Zapier", "key": "k", "created_at": "2026-01-01T00:00:00Z"}
    p = IntegrationProvider()
    assert p.read("integ_x", state).id is None
    p.delete("integ_x", state)


def test_a_server_that_is_not_svix_is_never_taken_for_one_without_integrations(oss):
    """Every route of this URL answers 404 with no body: that is a wrong server URL, not an empty Svix."""
    client_module.configure(Settings(server_url=oss.url + "/not-svix", token=oss.token))
    state = {"app_id": "app_x", "name": "Zapier", "key": "k", "created_at": "2026-01-01T00:00:00Z"}
    with pytest.raises(SvixError, match="has no Integration API"):
        IntegrationProvider().read("integ_x", state)
    with pytest.raises(SvixError, match="has no Application API"):
        ApplicationProvider().read("app_x", {})


def test_get_of_an_object_that_does_not_exist_fails_naming_it(svix_settings):
    """``X.get`` tracks an existing object: one that is not there is an error, not an empty success
    (a refresh of a recorded object that is gone is a deletion instead)."""
    with pytest.raises(SvixError, match=r"Application.get failed: .* has no Application 'app_missing'"):
        ApplicationProvider().read("app_missing", {})
    app = ApplicationProvider().create({"name": "A"})
    with pytest.raises(SvixError, match=r"Endpoint.get failed: .* has no Endpoint 'ep_missing'"):
        EndpointProvider().read("ep_missing", {"app_id": app.id})
    ApplicationProvider().delete(app.id, app.outs)
    assert ApplicationProvider().read(app.id, app.outs).id is None


def test_get_of_an_integration_on_a_server_without_the_api_says_so(oss):
    app = ApplicationProvider().create({"name": "A"}).id
    with pytest.raises(SvixError, match="has no Integration API"):
        IntegrationProvider().read("integ_x", {"app_id": app})


def test_an_endpoint_create_is_one_round_trip_when_its_application_was_seen(svix_settings, emulator):
    """No extra round trip per resource on Svix Cloud: an endpoint of an application this provider
    process has handled (the engine handles an application before its endpoints) is one POST; the
    application's id and uid come from what the process saw, not from a lookup."""
    from pulumi_svix.resources import _ownership

    _ownership.reset()
    app = ApplicationProvider().create({"name": "A", "uid": "acme"})
    before = emulator.stats()["requests"]
    created = EndpointProvider().create({"app_id": "acme", "url": "https://hooks.example.com/a"})
    after = emulator.stats()["requests"]
    sent = {route: n - before.get(route, 0) for route, n in after.items() if n != before.get(route, 0)}
    assert sent == {"POST /api/v1/app/{app_id}/endpoint": 1}, sent
    assert created.outs["app_id"] == app.id
    # Known from the application's Diff alone (a run where the application is unchanged):
    _ownership.reset()
    ApplicationProvider().diff(app.id, app.outs, {"name": "A", "uid": "acme"})
    assert _ownership.application("acme") == {"id": app.id, "uid": "acme"}


def test_adopting_an_endpoint_whose_secret_is_declared_without_its_prefix_does_not_rotate(svix_settings, emulator):
    app = ApplicationProvider().create({"name": "A"}).id
    raw = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"
    EndpointProvider().create({"app_id": app, "url": "https://hooks.example.com/a", "uid": "e",
                               "secret": "whsec_" + raw})
    before = emulator.stats()["requests"].get("POST /api/v1/app/{app_id}/endpoint/{endpoint_id}/secret/rotate", 0)
    EndpointProvider().create({"app_id": app, "url": "https://hooks.example.com/b", "uid": "e",
                               "secret": raw, "adopt": True})
    after = emulator.stats()["requests"].get("POST /api/v1/app/{app_id}/endpoint/{endpoint_id}/secret/rotate", 0)
    assert after == before
