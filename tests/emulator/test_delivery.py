"""Message delivery: a real receiver on loopback gets what the emulator sends.

Signatures are checked with the official ``svix`` package's ``Webhook.verify``, never with
our own code. The emulator here retries on a compressed schedule (0.1 s, 0.2 s, 0.4 s).
"""

import json
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
import requests
from svix.webhooks import Webhook, WebhookVerificationError

from pulumi_svix.emulator.runner import Emulator
from tests.emulator.helpers import created, make_app, make_event_type
from tests.emulator.receiver import Receiver
from tests.fixtures_emulator import ApiSession, check_contract

SCHEDULE = (0.1, 0.2, 0.4)


@pytest.fixture(scope="module")
def delivering_emulator(tmp_path_factory):
    directory = tmp_path_factory.mktemp("delivery")
    emulator = Emulator(db=directory / "svix.sqlite3", log_path=directory / "emulator.log",
                        validate_contract=True, retry_schedule=SCHEDULE)
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def api(request, delivering_emulator):
    delivering_emulator.reset()
    with ApiSession(delivering_emulator) as session:
        session.emulator = delivering_emulator
        yield session
    check_contract(request, delivering_emulator)


@pytest.fixture
def receiver():
    server = Receiver().start()
    try:
        yield server
    finally:
        server.stop()


def endpoint(api, app_id: str, url: str, **fields) -> dict:
    return created(api.post(f"/api/v1/app/{app_id}/endpoint", json={"url": url, **fields}))


def send(api, app_id: str, event_type: str = "invoice.paid", payload=None, **fields) -> dict:
    body = {"eventType": event_type, "payload": payload or {"amount": 42}, **fields}
    return created(api.post(f"/api/v1/app/{app_id}/msg", json=body), 202)


def delivering_log(api) -> str:
    """What the emulator wrote to its log so far."""
    return api.emulator.log_path.read_text()


def secret(api, app_id: str, endpoint_id: str) -> str:
    return api.get(f"/api/v1/app/{app_id}/endpoint/{endpoint_id}/secret").json()["key"]


def attempts(api, app_id: str, msg_id: str) -> list[dict]:
    response = api.get(f"/api/v1/app/{app_id}/attempt/msg/{msg_id}")
    assert response.status_code == 200, response.text
    return response.json()["data"]


def destinations(api, app_id: str, msg_id: str) -> dict:
    response = api.get(f"/api/v1/app/{app_id}/msg/{msg_id}/endpoint")
    assert response.status_code == 200, response.text
    return {item["id"]: item for item in response.json()["data"]}


def verified(secret_key: str, got) -> dict:
    """The payload, once the official ``svix`` package accepts the signature (it raises
    WebhookVerificationError otherwise)."""
    Webhook(secret_key).verify(got.body, got.headers)
    return json.loads(got.body)


def wait_until(condition, timeout: float = 10.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what}: not met after {timeout} s")


# --- signing, headers ---------------------------------------------------------------------

def test_delivery_is_signed_as_svix_signs_and_carries_the_endpoint_headers(api, receiver):
    app = make_app(api)
    ep = endpoint(api, app["id"], receiver.url + "/hook",
                  headers={"X-Team": "billing", "Authorization": "Bearer receiver-t0ken"})
    message = send(api, app["id"], payload={"amount": 42, "note": "café"})
    assert message["id"].startswith("msg_") and message["payload"]["note"] == "café"

    got = receiver.wait_for("/hook")[0]
    assert verified(secret(api, app["id"], ep["id"]), got) == {"amount": 42, "note": "café"}
    assert got.headers["svix-id"] == message["id"]
    assert got.headers["content-type"] == "application/json"
    assert got.headers["x-team"] == "billing"
    assert got.headers["authorization"] == "Bearer receiver-t0ken"  # sensitive, still sent
    other = endpoint(api, app["id"], receiver.url + "/other")
    with pytest.raises(WebhookVerificationError):  # another endpoint's secret does not verify
        verified(secret(api, app["id"], other["id"]), got)

    [attempt] = wait_until(lambda: attempts(api, app["id"], message["id"]), what="attempt")
    assert attempt["status"] == 0 and attempt["statusText"] == "success"
    assert attempt["responseStatusCode"] == 200 and attempt["response"] == "ok"
    assert attempt["triggerType"] == 0 and attempt["endpointId"] == ep["id"]
    assert attempt["url"] == receiver.url + "/hook" and attempt["responseDurationMs"] >= 0
    log = delivering_log(api)  # nothing secret in what the emulator writes
    assert "receiver-t0ken" not in log and secret(api, app["id"], ep["id"]) not in log


def test_during_a_rotation_both_secrets_verify(api, receiver):
    app = make_app(api)
    ep = endpoint(api, app["id"], receiver.url + "/hook")
    old = secret(api, app["id"], ep["id"])
    rotated = api.post(f"/api/v1/app/{app['id']}/endpoint/{ep['id']}/secret/rotate", json={})
    assert rotated.status_code == 204, rotated.text
    new = secret(api, app["id"], ep["id"])
    send(api, app["id"])
    got = receiver.wait_for("/hook")[0]
    assert len(got.headers["svix-signature"].split(" ")) == 2
    for key in (old, new):
        assert verified(key, got) == {"amount": 42}

    # Rotated again with no grace period: the replaced secret no longer signs (the first
    # one keeps its own 24 h grace period).
    api.post(f"/api/v1/app/{app['id']}/endpoint/{ep['id']}/secret/rotate",
             json={"gracePeriodSeconds": 0})
    newest = secret(api, app["id"], ep["id"])
    send(api, app["id"])
    got = receiver.wait_for("/hook", 2)[1]
    assert verified(newest, got) == verified(old, got) == {"amount": 42}
    with pytest.raises(WebhookVerificationError):
        verified(new, got)


# --- who gets what ------------------------------------------------------------------------

def test_messages_go_to_the_enabled_endpoints_whose_filters_match(api, receiver):
    app = make_app(api)
    for name in ("invoice.paid", "invoice.voided"):
        make_event_type(api, name)
    endpoint(api, app["id"], receiver.url + "/paid-only", eventTypes=["invoice.paid"])
    endpoint(api, app["id"], receiver.url + "/eu", channels=["eu"])
    endpoint(api, app["id"], receiver.url + "/all")
    endpoint(api, app["id"], receiver.url + "/disabled", disabled=True)

    paid_eu = send(api, app["id"], "invoice.paid", channels=["eu", "fr"])
    voided_us = send(api, app["id"], "invoice.voided", channels=["us"])
    voided = send(api, app["id"], "invoice.voided")

    receiver.wait_for("/all", 3)
    wait_until(lambda: all(len(destinations(api, app["id"], m["id"])) ==
                           len(attempts(api, app["id"], m["id"]))
                           for m in (paid_eu, voided_us, voided)), what="all attempted")
    ids = {path: [r.headers["svix-id"] for r in receiver.at(path)]
           for path in ("/paid-only", "/eu", "/all", "/disabled")}
    assert ids["/paid-only"] == [paid_eu["id"]]
    assert ids["/eu"] == [paid_eu["id"]]
    assert sorted(ids["/all"]) == sorted(m["id"] for m in (paid_eu, voided_us, voided))
    assert ids["/disabled"] == []
    assert len(destinations(api, app["id"], voided["id"])) == 1


# --- failures and retries -----------------------------------------------------------------

def test_a_failing_endpoint_is_retried_on_the_schedule_then_marked_failed(api, receiver):
    receiver.answers["/down"] = 500
    receiver.response_body = b"x" * 25_000
    app = make_app(api)
    ep = endpoint(api, app["id"], receiver.url + "/down")
    message = send(api, app["id"])

    got = receiver.wait_for("/down", 1 + len(SCHEDULE))
    gaps = [later.at - earlier.at for earlier, later in zip(got, got[1:])]
    assert all(gap >= delay * 0.9 for gap, delay in zip(gaps, SCHEDULE)), gaps
    status = wait_until(lambda: destinations(api, app["id"], message["id"])[ep["id"]]
                        if destinations(api, app["id"], message["id"])[ep["id"]]["status"] == 2
                        else None, what="destination failed")
    assert status["statusText"] == "fail" and status["nextAttempt"] is None
    time.sleep(sum(SCHEDULE))
    assert len(receiver.at("/down")) == 1 + len(SCHEDULE)  # no more after the last one

    tried = attempts(api, app["id"], message["id"])
    assert len(tried) == 1 + len(SCHEDULE)
    assert {a["status"] for a in tried} == {2} and {a["responseStatusCode"] for a in tried} == {500}
    assert {len(a["response"]) for a in tried} == {20_000}  # truncated as svix-server does
    assert {a["triggerType"] for a in tried} == {0}


def test_resend_delivers_again_as_a_manual_attempt(api, receiver):
    receiver.answers["/hook"] = [500, 500, 500, 500, 200]
    app = make_app(api)
    ep = endpoint(api, app["id"], receiver.url + "/hook")
    message = send(api, app["id"])
    receiver.wait_for("/hook", 4)
    wait_until(lambda: destinations(api, app["id"], message["id"])[ep["id"]]["status"] == 2,
               what="failed")

    response = api.post(f"/api/v1/app/{app['id']}/msg/{message['id']}/endpoint/{ep['id']}/resend")
    assert response.status_code == 202, response.text
    got = receiver.wait_for("/hook", 5)[4]
    assert got.headers["svix-id"] == message["id"]
    wait_until(lambda: destinations(api, app["id"], message["id"])[ep["id"]]["status"] == 0,
               what="succeeded")
    newest = attempts(api, app["id"], message["id"])[0]
    assert newest["triggerType"] == 1 and newest["status"] == 0

    never_sent = api.post(f"/api/v1/app/{app['id']}/msg/{message['id']}/endpoint/"
                          f"{endpoint(api, app['id'], receiver.url + '/new')['id']}/resend")
    assert never_sent.status_code == 404


def test_recover_resends_the_failed_messages_since_a_time(api, receiver):
    receiver.answers["/hook"] = 503
    app = make_app(api)
    ep = endpoint(api, app["id"], receiver.url + "/hook")
    first = send(api, app["id"])
    second = send(api, app["id"], payload={"amount": 7})
    receiver.wait_for("/hook", 2 * (1 + len(SCHEDULE)))
    wait_until(lambda: all(destinations(api, app["id"], m["id"])[ep["id"]]["status"] == 2
                           for m in (first, second)), what="both failed")
    receiver.answers["/hook"] = 200
    before = len(receiver.at("/hook"))

    since = (datetime.now(timezone.utc) - timedelta(minutes=1)).isoformat()
    response = api.post(f"/api/v1/app/{app['id']}/endpoint/{ep['id']}/recover",
                        json={"since": since})
    assert response.status_code == 202, response.text
    assert response.json()["task"] == "endpoint.recover"
    got = receiver.wait_for("/hook", before + 2)[before:]
    assert sorted(r.headers["svix-id"] for r in got) == sorted([first["id"], second["id"]])
    stats = wait_until(lambda: (s := api.get(
        f"/api/v1/app/{app['id']}/endpoint/{ep['id']}/stats").json())["success"] == 2 and s,
        what="stats")
    assert stats == {"success": 2, "pending": 0, "sending": 0, "fail": 0, "canceled": 0}

    too_old = (datetime.now(timezone.utc) - timedelta(days=15)).isoformat()
    response = api.post(f"/api/v1/app/{app['id']}/endpoint/{ep['id']}/recover",
                        json={"since": too_old})
    assert response.status_code == 422


# --- duplicates -----------------------------------------------------------------------------

def test_an_event_id_or_idempotency_key_sends_a_message_once(api, receiver):
    app = make_app(api)
    endpoint(api, app["id"], receiver.url + "/hook")
    first = send(api, app["id"], eventId="order-1")
    again = api.post(f"/api/v1/app/{app['id']}/msg",
                     json={"eventType": "invoice.paid", "payload": {}, "eventId": "order-1"})
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    assert api.get(f"/api/v1/app/{app['id']}/msg/order-1").json()["id"] == first["id"]

    keyed = [api.post(f"/api/v1/app/{app['id']}/msg", headers={"idempotency-key": "k-1"},
                      json={"eventType": "invoice.paid", "payload": {"n": 2}})
             for _ in range(2)]
    assert [r.status_code for r in keyed] == [202, 202]
    assert keyed[0].json()["id"] == keyed[1].json()["id"]
    receiver.wait_for("/hook", 2)
    time.sleep(0.3)
    assert sorted(r.headers["svix-id"] for r in receiver.at("/hook")) == sorted(
        [first["id"], keyed[0].json()["id"]])


# --- where the emulator delivers -------------------------------------------------------------

def test_an_address_outside_the_allowed_networks_gets_a_failed_attempt_saying_why(api):
    app = make_app(api)
    ep = endpoint(api, app["id"], "http://192.0.2.10:9/hook")  # TEST-NET-1: never loopback
    message = send(api, app["id"])
    tried = wait_until(lambda: len(a := attempts(api, app["id"], message["id"])) == 4 and a,
                       what="4 attempts")
    assert {a["responseStatusCode"] for a in tried} == {0}
    assert "not allowed" in tried[0]["response"] and "--allow-delivery-to" in tried[0]["response"]
    wait_until(lambda: destinations(api, app["id"], message["id"])[ep["id"]]["status"] == 2,
               what="failed")


# --- the worker -------------------------------------------------------------------------------

def test_a_retry_pending_when_the_emulator_stops_is_delivered_after_a_restart(tmp_path, receiver):
    receiver.answers["/hook"] = [500, 200]
    db = tmp_path / "svix.sqlite3"
    with Emulator(db=db, retry_schedule=(2.5, 2.5)) as first:
        api = ApiSession(first)
        app = make_app(api)
        ep = endpoint(api, app["id"], receiver.url + "/hook")
        message = send(api, app["id"])
        receiver.wait_for("/hook")
        wait_until(lambda: destinations(api, app["id"], message["id"])[ep["id"]]["status"] == 1,
                   what="a retry pending")
    assert len(receiver.at("/hook")) == 1  # stopped before the retry was due

    with Emulator(db=db, retry_schedule=(2.5, 2.5)) as second:
        api = ApiSession(second)
        got = receiver.wait_for("/hook", 2)[1]
        assert verified(secret(api, app["id"], ep["id"]), got) == {"amount": 42}
        wait_until(lambda: destinations(api, app["id"], message["id"])[ep["id"]]["status"] == 0,
                   what="delivered")
        assert [a["status"] for a in attempts(api, app["id"], message["id"])] == [0, 2]


def test_a_throttle_rate_spaces_deliveries_to_its_endpoint(api, receiver):
    app = make_app(api)
    endpoint(api, app["id"], receiver.url + "/slow", throttleRate=2)
    endpoint(api, app["id"], receiver.url + "/fast")
    for _ in range(5):
        send(api, app["id"])
    fast = receiver.wait_for("/fast", 5)
    slow = receiver.wait_for("/slow", 5)
    assert slow[-1].at - slow[0].at >= 4 * 0.5 * 0.8  # 2 messages per second
    assert fast[-1].at - fast[0].at < 1.0


def test_a_slow_receiver_never_blocks_the_api(api, receiver):
    receiver.gates["/stuck"] = gate = threading.Event()
    app = make_app(api)
    endpoint(api, app["id"], receiver.url + "/stuck")
    try:
        for _ in range(12):  # more than the worker's concurrency (8)
            send(api, app["id"])
        receiver.wait_for("/stuck", 8)
        time.sleep(0.2)
        assert len(receiver.at("/stuck")) == 8  # bounded: the others wait their turn
        started = time.monotonic()
        for _ in range(10):
            assert api.get(f"/api/v1/app/{app['id']}/msg").status_code == 200
        assert time.monotonic() - started < 2.0
    finally:
        gate.set()
    receiver.wait_for("/stuck", 12)


def test_a_call_in_flight_when_the_emulator_stops_is_made_again_after_a_restart(tmp_path,
                                                                                receiver):
    receiver.gates["/hook"] = gate = threading.Event()
    db = tmp_path / "svix.sqlite3"
    try:
        with Emulator(db=db) as first:
            api = ApiSession(first)
            app = make_app(api)
            ep = endpoint(api, app["id"], receiver.url + "/hook")
            message = send(api, app["id"])
            receiver.wait_for("/hook")  # the receiver holds the call: no answer yet
            started = time.monotonic()
        assert time.monotonic() - started < 5  # stopping does not wait for the receiver
    finally:
        gate.set()
    with Emulator(db=db) as second:
        api = ApiSession(second)
        again = receiver.wait_for("/hook", 2)[1]
        assert again.headers["svix-id"] == message["id"]
        wait_until(lambda: destinations(api, app["id"], message["id"])[ep["id"]]["status"] == 0,
                   what="delivered")


def test_allowed_networks_decide_which_addresses_are_called():
    from pulumi_svix.emulator.delivery import Delivery, DeliveryConfig, parse_networks
    from pulumi_svix.emulator.store import Store

    default = Delivery(Store(":memory:"))
    assert default._refusal("http://127.0.0.1:9/hook") is None
    assert default._refusal("http://localhost:9/hook") is None
    refusal = default._refusal("http://192.0.2.10/hook")
    assert "192.0.2.10" in refusal and "--allow-delivery-to" in refusal
    wider = Delivery(Store(":memory:"), DeliveryConfig(
        allowed_networks=parse_networks(["127.0.0.0/8", "192.0.2.0/24"])))
    assert wider._refusal("http://192.0.2.10/hook") is None
    assert wider._refusal("http://198.51.100.1/hook") is not None


def test_a_deleted_endpoint_gets_no_more_retries(tmp_path, receiver):
    receiver.answers["/hook"] = 500
    with Emulator(db=tmp_path / "svix.sqlite3", retry_schedule=(2.0, 2.0)) as emulator:
        api = ApiSession(emulator)
        app = make_app(api)
        ep = endpoint(api, app["id"], receiver.url + "/hook")
        message = send(api, app["id"])
        receiver.wait_for("/hook")
        assert api.delete(f"/api/v1/app/{app['id']}/endpoint/{ep['id']}").status_code == 204
        time.sleep(2.5)
        assert len(receiver.at("/hook")) == 1
        assert destinations(api, app["id"], message["id"]) == {}
        assert len(attempts(api, app["id"], message["id"])) == 1
