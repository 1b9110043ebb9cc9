"""Provider methods called directly against the emulator (the engine tests cover the same through Pulumi)."""

import pytest

from pulumi_svix.client import SvixError
from pulumi_svix.resources.application import ApplicationProvider
from pulumi_svix.resources.endpoint import REDACTED, EndpointProvider
from pulumi_svix.resources.event_type import EventTypeProvider
from pulumi_svix.resources.integration import IntegrationProvider

SECRET_A = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"
SECRET_B = "whsec_" + "WFlaQUJDREVGR0hJSktMTU5PUFFSU1RV"


def converge(provider, id_, olds, news):
    """update() then diff(): after an update nothing may be left to change."""
    outs = provider.update(id_, olds, news).outs
    assert provider.diff(id_, outs, news).changes is False, outs
    return outs


def test_application_lifecycle(svix_settings):
    p = ApplicationProvider()
    created = p.create({"name": "Acme", "uid": "acme", "metadata": {"tier": "gold"}})
    assert created.id.startswith("app_") and created.outs["created_at"]
    news = {"name": "Acme Corp", "uid": "acme", "metadata": None, "throttle_rate": 10}
    outs = converge(p, created.id, created.outs, news)
    live = p.read(created.id, outs)
    assert live.id == created.id
    assert live.outs["name"] == "Acme Corp" and live.outs["throttle_rate"] == 10
    assert p.diff(created.id, live.outs, news).changes is False
    p.delete(created.id, outs)
    assert p.read(created.id, outs).id is None
    p.delete(created.id, outs)  # a second delete (404) is fine


def test_application_uid_conflict_and_adopt(svix_settings):
    p = ApplicationProvider()
    first = p.create({"name": "One", "uid": "shared"})
    with pytest.raises(SvixError, match=r"Application create failed: .*409.*adopt=True"):
        p.create({"name": "Two", "uid": "shared"})
    adopted = p.create({"name": "Two", "uid": "shared", "adopt": True})
    assert adopted.id == first.id and adopted.outs["name"] == "Two"
    assert p.read("shared", {}).id == first.id  # a lookup by uid (Application.get) records the real id


def test_endpoint_lifecycle_headers_and_secret(svix_settings):
    app = ApplicationProvider().create({"name": "A"}).id
    et = EventTypeProvider()
    for name in ("invoice.paid", "invoice.failed"):
        et.create({"name": name, "description": name})
    p = EndpointProvider()
    inputs = {"app_id": app, "url": "https://hooks.example.com/a", "uid": "billing",
              "event_types": ["invoice.paid"], "channels": ["billing"],
              "headers": {"Authorization": "Bearer abc", "X-Team": "payments"}}
    created = p.create(inputs)
    assert created.id.startswith("ep_") and created.outs["secret"].startswith("whsec_")
    assert p.diff(created.id, created.outs, inputs).changes is False

    live = p.read(created.id, created.outs)
    assert live.outs["headers"] == {"Authorization": "Bearer abc", "X-Team": "payments"}
    assert p.diff(created.id, live.outs, inputs).changes is False

    news = {**inputs, "url": "https://hooks.example.com/b", "event_types": ["invoice.failed", "invoice.paid"],
            "channels": None, "headers": {"Authorization": "Bearer xyz"}, "disabled": True,
            "description": "moved", "metadata": {"k": "v"}, "throttle_rate": 3, "secret": SECRET_A}
    outs = converge(p, created.id, created.outs, news)
    assert outs["secret"] == SECRET_A
    live = p.read(created.id, outs).outs
    assert live["url"] == news["url"] and live["disabled"] is True and live["channels"] in (None, [])
    assert live["headers"] == {"Authorization": "Bearer xyz"} and live["secret"] == SECRET_A

    rotated = converge(p, created.id, outs, {**news, "secret": None, "rotate_secret_trigger": "1"})
    assert rotated["secret"] not in (SECRET_A, None)
    p.delete(created.id, rotated)
    assert p.read(created.id, rotated).id is None


def test_endpoint_sensitive_header_added_out_of_band_shows_as_drift(svix_settings, emulator):
    app = ApplicationProvider().create({"name": "A"}).id
    p = EndpointProvider()
    inputs = {"app_id": app, "url": "https://hooks.example.com/a"}
    created = p.create(inputs)
    from pulumi_svix import client
    client.client().patch(f"/api/v1/app/{app}/endpoint/{created.id}/headers",
                          {"headers": {"Authorization": "Bearer injected"}})
    live = p.read(created.id, created.outs).outs
    assert live["headers"] == {"Authorization": REDACTED}
    assert p.diff(created.id, live, inputs).changes is True


def test_endpoint_on_missing_event_type_is_a_clear_error(svix_settings):
    app = ApplicationProvider().create({"name": "A"}).id
    with pytest.raises(SvixError, match=r"Endpoint create failed: Svix answered HTTP 422.*"):
        EndpointProvider().create({"app_id": app, "url": "https://x.example", "event_types": ["nope.nope"]})


def test_event_type_archive_unarchive_and_expunge(svix_settings):
    p = EventTypeProvider()
    created = p.create({"name": "user.created", "description": "d", "schemas": {"1": {"type": "object"}}})
    assert created.id == "user.created"
    p.delete(created.id, created.outs)  # archives
    assert p.read(created.id, created.outs).id is None  # archived and not declared archived: gone
    again = p.create({"name": "user.created", "description": "back"})  # POST un-archives
    assert again.outs["description"] == "back"
    live = p.read(again.id, again.outs)
    assert live.id == "user.created" and live.outs["archived"] in (False, None)
    p.delete(again.id, {**again.outs, "expunge_on_delete": True})
    from pulumi_svix import client
    assert client.client().get("/api/v1/event-type/user.created", missing_ok=True) is None


def test_integration_key_rotation_and_adopt(svix_settings):
    app = ApplicationProvider().create({"name": "A"}).id
    p = IntegrationProvider()
    created = p.create({"app_id": app, "name": "Zapier"})
    assert created.id.startswith("integ_") and created.outs["key"]
    outs = converge(p, created.id, created.outs, {"app_id": app, "name": "Zapier", "rotate_key_trigger": "2"})
    assert outs["key"] != created.outs["key"]
    adopted = p.create({"app_id": app, "name": "Zapier", "adopt": True, "feature_flags": ["beta"]})
    assert adopted.id == created.id
    from pulumi_svix import client
    assert len(client.client().list_all(f"/api/v1/app/{app}/integration")) == 1
