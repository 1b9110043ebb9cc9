"""Messages through the API: validation, lookups, list filters and pagination, app portal.

Delivery itself is in test_delivery.py; the shared emulator here has no endpoint that
answers, so nothing below depends on a receiver.
"""

import time

import pytest

from pulumi_svix.emulator.__main__ import main
from tests.emulator.helpers import (assert_http_error, assert_validation_error, created,
                                    make_app)


def send(api, app_id: str, event_type: str = "invoice.paid", **fields) -> dict:
    body = {"eventType": event_type, "payload": {"n": 1}, **fields}
    return created(api.post(f"/api/v1/app/{app_id}/msg", json=body), 202)


def listed(api, path: str, **params) -> list[str]:
    response = api.get(path, params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["data"]]


def test_a_message_is_found_by_id_or_event_id_and_its_content_is_optional(api):
    app = make_app(api, uid="acme")
    message = send(api, "acme", eventId="order-7", channels=["eu"], tags=["vip"])
    assert message["eventId"] == "order-7" and message["channels"] == ["eu"]
    assert message["tags"] == ["vip"] and message["timestamp"].endswith("Z")
    for ref in (message["id"], "order-7"):
        assert api.get(f"/api/v1/app/{app['id']}/msg/{ref}").json() == message
    bare = api.get(f"/api/v1/app/acme/msg/order-7", params={"with_content": "false"}).json()
    assert bare["payload"] == {}
    assert_http_error(api.get(f"/api/v1/app/acme/msg/order-8"), 404, "not_found")
    assert_http_error(api.get("/api/v1/app/nope/msg"), 404, "not_found")


@pytest.mark.allow_contract_violations  # invalid requests, on purpose
def test_bad_messages_are_named_422s_and_a_missing_app_a_404(api):
    make_app(api, uid="acme")
    assert_validation_error(api.post("/api/v1/app/acme/msg",
                                     json={"eventType": "a", "payload": [1]}), ["body", "payload"])
    assert_validation_error(api.post("/api/v1/app/acme/msg", json={"payload": {}}),
                            ["body", "eventType"])
    assert_validation_error(api.post("/api/v1/app/acme/msg", json={
        "eventType": "a", "payload": {}, "channels": [f"c{i}" for i in range(11)]}),
        ["body", "channels"])
    assert_http_error(api.post("/api/v1/app/nope/msg", json={"eventType": "a", "payload": {}}),
                      404, "not_found")


@pytest.mark.allow_contract_violations  # invalid requests, on purpose
def test_a_message_can_create_its_application(api):
    message = send(api, "new-customer", application={"name": "New customer"})
    app = api.get("/api/v1/app/new-customer").json()
    assert app["name"] == "New customer" and app["uid"] == "new-customer"
    assert listed(api, "/api/v1/app/new-customer/msg") == [message["id"]]
    assert_validation_error(api.post("/api/v1/app/other/msg", json={
        "eventType": "a", "payload": {}, "application": {"name": "x", "uid": "different"}}),
        ["body", "application", "uid"])


@pytest.mark.allow_contract_violations  # invalid requests, on purpose
def test_lists_filter_and_page_newest_first(api):
    make_app(api, uid="acme")
    first = send(api, "acme", "invoice.paid", channels=["eu"], tags=["vip"])
    time.sleep(0.01)
    middle = send(api, "acme", "invoice.voided", channels=["us"])
    time.sleep(0.01)
    last = send(api, "acme", "invoice.paid")
    path = "/api/v1/app/acme/msg"
    assert listed(api, path) == [last["id"], middle["id"], first["id"]]
    assert listed(api, path, event_types="invoice.paid") == [last["id"], first["id"]]
    assert listed(api, path, event_types="invoice.paid,invoice.voided") == [
        last["id"], middle["id"], first["id"]]
    assert listed(api, path, channel="us") == [middle["id"]]
    assert listed(api, path, tag="vip") == [first["id"]]
    assert listed(api, path, before=middle["timestamp"]) == [first["id"]]
    assert listed(api, path, after=middle["timestamp"]) == [last["id"]]
    assert_validation_error(api.get(path, params={"before": "yesterday"}), ["query", "before"])

    page = api.get(path, params={"limit": 2}).json()
    assert [m["id"] for m in page["data"]] == [last["id"], middle["id"]] and not page["done"]
    rest = api.get(path, params={"limit": 2, "iterator": page["iterator"]}).json()
    assert [m["id"] for m in rest["data"]] == [first["id"]] and rest["done"]
    back = api.get(path, params={"limit": 2, "iterator": rest["prevIterator"]}).json()
    assert [m["id"] for m in back["data"]] == [last["id"], middle["id"]]


@pytest.mark.allow_contract_violations  # invalid requests, on purpose
def test_attempt_lists_need_a_known_message_and_endpoint(api):
    app = make_app(api, uid="acme")
    message = send(api, "acme")
    assert listed(api, f"/api/v1/app/acme/attempt/msg/{message['id']}") == []
    assert listed(api, f"/api/v1/app/acme/msg/{message['id']}/endpoint") == []
    assert_http_error(api.get("/api/v1/app/acme/attempt/msg/msg_nope"), 404, "not_found")
    assert_http_error(api.get("/api/v1/app/acme/attempt/endpoint/ep_nope"), 404, "not_found")
    assert_http_error(api.get(f"/api/v1/app/{app['id']}/msg/{message['id']}/attempt/atmpt_x"),
                      404, "not_found")
    assert_validation_error(api.get(f"/api/v1/app/acme/attempt/msg/{message['id']}",
                                    params={"status": "9"}), ["query", "status"])


def test_app_portal_access_answers_a_token_and_a_url_the_emulator_does_not_serve(api):
    make_app(api, uid="acme")
    access = api.post("/api/v1/auth/app-portal-access/acme", json={})
    assert access.status_code == 200, access.text
    token, url = access.json()["token"], access.json()["url"]
    assert token.startswith("appsk_") and url.endswith("#key=" + token)
    assert api.get(url.split("#")[0].removeprefix(api.base_url)).status_code == 404
    assert_http_error(api.post("/api/v1/auth/app-portal-access/nope", json={}), 404, "not_found")
    assert api.post("/api/v1/auth/logout").status_code == 204
    assert api.post("/api/v1/auth/app/acme/expire-all", json={}).status_code == 204


@pytest.mark.parametrize("argv, message", [
    (["--retry-schedule", "5,soon"], "--retry-schedule must be comma-separated seconds"),
    (["--retry-schedule", "-1"], "--retry-schedule delays must be >= 0"),
    (["--allow-delivery-to", "10.0.0.0/33"], "--allow-delivery-to"),
])
def test_bad_delivery_options_are_one_line_errors(argv, message, capsys):
    assert main([*argv, "--port", "0", "--db", ":memory:"]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


@pytest.mark.allow_contract_violations  # 6 channels, on purpose
def test_the_self_hosted_flavor_takes_at_most_5_channels_and_no_tags(request, emulator_pool):
    from tests.fixtures_emulator import ApiSession, check_contract
    emulator = emulator_pool.shared("oss")
    with ApiSession(emulator) as oss:
        make_app(oss, uid="acme")
        message = send(oss, "acme", channels=[f"c{i}" for i in range(5)], tags=["vip"])
        assert "tags" not in message and len(message["channels"]) == 5
        assert_validation_error(oss.post("/api/v1/app/acme/msg", json={
            "eventType": "a", "payload": {}, "channels": [f"c{i}" for i in range(6)]}),
            ["body", "channels"])
        assert oss.post("/api/v1/app/acme/msg/precheck/active",
                        json={"eventType": "a"}).status_code in (404, 405)
    check_contract(request, emulator)
