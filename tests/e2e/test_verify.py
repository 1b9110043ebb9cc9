"""``pulumi-svix verify`` as a deploy pipeline runs it: the console script, the token in the environment, against
each emulator flavor delivering to local receivers (scripts/receivers.py) that check Svix signatures.

- every enabled endpoint subscribed to an event type gets that type's test message (filters, channels, an
  endpoint without a filter gets every type), the payload is the schema's first example or the --payload
  file, the eventId says pulumi-svix-verify-, a disabled endpoint is listed as not targeted: exit 0;
- a receiver answering 500 and one too slow for --timeout: exit 1, both named (HTTP 500 / no attempt within);
- an unknown --app or --event-type: exit 2 in one line, nothing sent; only disabled endpoints: exit 1.

The objects are made through the API (verify reads what any deploy made); the demo test runs the engine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scripts.receivers import Receivers

BIN = Path(sys.executable).parent / "pulumi-svix"
EXAMPLE = {"invoiceId": "inv_123", "amountCents": 4200}


def verify(target, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("SVIX_TOKEN", "SVIX_SERVER_URL")}
    env["SVIX_AUTH_TOKEN"] = target.token
    done = subprocess.run([str(BIN), "verify", "--server-url", target.url, *args], env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert target.token not in done.stdout + done.stderr
    return done


def make_event_type(target, name: str, examples: list | None = None) -> None:
    schema = {"type": "object", **({"examples": examples} if examples else {})}
    target.api.call("POST", "/api/v1/event-type", {"name": name, "description": name, "schemas": {"1": schema}})
    target.delete_at_teardown(f"/api/v1/event-type/{name}", expunge="true")


def make_app(target, uid: str) -> dict:
    app = target.api.call("POST", "/api/v1/app", {"name": uid, "uid": uid})
    target.delete_at_teardown(f"/api/v1/app/{app['id']}")
    return app


def make_endpoint(target, app: dict, receivers: Receivers, uid: str, *, status: int = 204, delay: float = 0.0,
                  **fields) -> dict:
    body = {"url": f"{receivers.url}/{app['uid']}/{uid}", "uid": uid, "description": uid, **fields}
    endpoint = target.api.call("POST", f"/api/v1/app/{app['id']}/endpoint", body)
    secret = target.api.endpoint_secret(app["id"], endpoint["id"])
    receivers.route(f"{app['uid']}/{uid}", secret=secret, status=status, delay=delay)
    return endpoint


@pytest.fixture
def receivers():
    with Receivers() as started:
        yield started


def by_endpoint(results: list[dict]) -> dict[tuple[str, str | None], dict]:
    return {(r["endpoint"], r["eventType"]): r for r in results}


def test_every_subscribed_endpoint_gets_a_recognisable_test_message_and_accepts_it(target, receivers, tmp_path):
    paid, created = target.unique("invoice.paid"), target.unique("user.created")
    make_event_type(target, paid, examples=[EXAMPLE, {"second": True}])
    make_event_type(target, created)
    app = make_app(target, target.unique("acme"))
    make_endpoint(target, app, receivers, "billing", eventTypes=[paid], channels=["billing"])
    make_endpoint(target, app, receivers, "users", eventTypes=[created], channels=["users", "eu"])
    make_endpoint(target, app, receivers, "everything")  # no filter, no channels: every event type
    make_endpoint(target, app, receivers, "off", eventTypes=[paid], disabled=True)
    payload_file = tmp_path / "payload.json"
    payload_file.write_text(json.dumps({"hello": "world"}))

    started = time.monotonic()
    done = verify(target, "--app", app["uid"], "--event-type", paid, "--event-type", created,
                  "--payload", str(payload_file), "--json")
    took = time.monotonic() - started
    assert done.returncode == 0, done.stdout + done.stderr
    doc = json.loads(done.stdout)
    rows = by_endpoint(doc["results"])
    assert doc["ok"] is True and set(rows) == {("billing", paid), ("users", created), ("everything", paid),
                                                ("everything", created), ("off", None)}
    for key, row in rows.items():
        if key[0] == "off":
            assert row["outcome"] == "not targeted" and row["detail"] == "endpoint disabled"
        else:
            assert row["outcome"] == "accepted" and row["statusCode"] == 204, row
            assert isinstance(row["durationMs"], int) and row["messageId"].startswith("msg_")
    # One message per event type, each reaching its endpoints; all signed with the endpoint's secret.
    assert rows[("billing", paid)]["messageId"] == rows[("everything", paid)]["messageId"]
    delivered = sorted((d.path.rsplit("/", 1)[1], d.headers["svix-id"]) for d in receivers.deliveries)
    assert len(delivered) == 4 and all(d.signature_ok for d in receivers.deliveries), receivers.deliveries
    payloads = {d.path.rsplit("/", 1)[1]: d.payload for d in receivers.deliveries if d.path.endswith(("billing",
                                                                                                       "users"))}
    assert payloads == {"billing": EXAMPLE, "users": {"hello": "world"}}  # the example, else --payload
    for message_id in {row["messageId"] for row in doc["results"] if row["messageId"]}:
        message = target.api.get_json(f"/api/v1/app/{app['id']}/msg/{message_id}")
        assert message["eventId"].startswith("pulumi-svix-verify-")
    print(f"verify of 4 deliveries ({target.flavor}): {took:.1f} s")


def test_a_failing_and_a_silent_endpoint_make_verify_exit_1_naming_them(target, receivers):
    paid = target.unique("invoice.paid")
    make_event_type(target, paid)
    app = make_app(target, target.unique("globex"))
    make_endpoint(target, app, receivers, "billing", eventTypes=[paid])
    make_endpoint(target, app, receivers, "broken", status=500)
    make_endpoint(target, app, receivers, "slow", delay=6)

    done = verify(target, "--app", app["id"], "--event-type", paid, "--timeout", "2")
    assert done.returncode == 1, done.stdout + done.stderr
    lines = {line.split()[1]: line for line in done.stdout.splitlines()[1:] if line.strip()
             and line.startswith(app["uid"])}
    assert "accepted (HTTP 204" in lines["billing"]
    assert "FAILED: HTTP 500" in lines["broken"]
    assert "FAILED: no attempt within 2 s" in lines["slow"]
    assert (f"2 of 3 deliveries failed: endpoint broken of application {app['uid']} ({paid}); "
            f"endpoint slow of application {app['uid']} ({paid})") in done.stdout


def test_an_unknown_application_or_event_type_is_one_line_and_sends_nothing(target, receivers):
    paid = target.unique("invoice.paid")
    make_event_type(target, paid)
    app = make_app(target, target.unique("initech"))
    make_endpoint(target, app, receivers, "billing")

    done = verify(target, "--app", app["uid"], "--app", "no-such-app")
    assert done.returncode == 2 and done.stderr == "pulumi-svix verify: no application with uid or id no-such-app\n"
    done = verify(target, "--app", app["uid"], "--event-type", "no.such.type")
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "no live event type no.such.type" in done.stderr
    assert done.stdout == ""
    assert target.api.get_json(f"/api/v1/app/{app['id']}/msg")["data"] == []


def test_nothing_to_verify_is_not_a_success(target, receivers):
    paid = target.unique("invoice.paid")
    make_event_type(target, paid)
    app = make_app(target, target.unique("hooli"))
    make_endpoint(target, app, receivers, "off", disabled=True)

    done = verify(target, "--app", app["uid"], "--event-type", paid)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "not targeted: endpoint disabled" in done.stdout and "nothing verified" in done.stdout
    assert receivers.deliveries == []
