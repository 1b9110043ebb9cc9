"""``pulumi-svix verify`` as a deploy pipeline runs it: the console script, the token in the environment, against
each emulator flavor delivering to local receivers (scripts/receivers.py) that check Svix signatures.

- every enabled endpoint subscribed to an event type gets that type's test message (filters, channels, an
  endpoint without a filter gets every type), the payload is the schema's first example or the --payload
  file, the eventId says pulumi-svix-verify-, a disabled endpoint is listed as not targeted: exit 0;
- a receiver answering 500 and one too slow for --timeout: exit 1, both named (HTTP 500 / no attempt within);
- an unknown --app or --event-type: exit 2 in one line, nothing sent; only disabled endpoints: exit 1.

The objects are made through the API (verify reads what any deploy made). The issue's "done when" runs the
engine: ``make demo DEMO_ARGS="--failing-receiver acme/billing"`` (the quickstart, its customers' URLs served
by local receivers) exits 1 naming that endpoint, ``--with-receivers`` then is all green with an unchanged
stack, and a plain ``make demo`` points the endpoints back at the example's URL; no process is left behind.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from scripts.engine_env import REPO_ROOT
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
    channels = {}
    for message_id in {row["messageId"] for row in doc["results"] if row["messageId"]}:
        message = target.api.get_json(f"/api/v1/app/{app['id']}/msg/{message_id}")
        assert message["eventId"].startswith("pulumi-svix-verify-")
        channels[message["eventType"]] = message.get("channels")
    assert channels == {paid: ["billing"], created: ["eu"]}  # one channel of each endpoint that filters on them
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


def test_a_hostile_answer_cannot_drive_the_terminal_and_a_path_token_is_never_shown(target, receivers):
    paid = target.unique("invoice.paid")
    make_event_type(target, paid)
    app = make_app(target, target.unique("umbrella"))
    path = f"{app['uid']}/services/T0001/B0002/PathTokenS3cr3tXYZ"  # a Slack-style URL: the path is the secret
    endpoint = target.api.call("POST", f"/api/v1/app/{app['id']}/endpoint", {"url": f"{receivers.url}/{path}"})
    spoof = "\x1b[2K\x1b[1Gwapp spoof invoice.failed accepted (HTTP 204, 2 ms)\x1b[8m"
    receivers.route(path, status=500, answer=spoof)

    done = verify(target, "--app", app["uid"], "--event-type", paid)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "\x1b" not in done.stdout and "\\x1b[2K" in done.stdout, done.stdout
    assert f"{endpoint['id']} (http://127.0.0.1:" in done.stdout, done.stdout
    done = verify(target, "--app", app["uid"], "--event-type", paid, "--json")
    for output in (done.stdout, done.stderr):
        assert "PathTokenS3cr3tXYZ" not in output and "T0001" not in output, output
    [row] = json.loads(done.stdout)["results"]
    assert row["url"].endswith("/…") and row["detail"].endswith(f": {spoof}")  # JSON escapes it itself


@pytest.mark.allow_contract_violations  # the requests to /api/v1/api/v1/… are the point
def test_a_server_url_with_api_v1_appended_is_named_as_the_mistake(target, receivers):
    app = make_app(target, target.unique("initech"))
    make_endpoint(target, app, receivers, "billing")

    done = verify(target, "--app", app["uid"], "--server-url", f"{target.url}/api/v1")
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "--server-url is the server's root URL, without /api/v1" in done.stderr, done.stderr
    assert done.stdout == "" and target.api.get_json(f"/api/v1/app/{app['id']}/msg")["data"] == []


def test_nothing_to_verify_is_not_a_success(target, receivers):
    paid = target.unique("invoice.paid")
    make_event_type(target, paid)
    app = make_app(target, target.unique("hooli"))
    make_endpoint(target, app, receivers, "off", disabled=True)

    done = verify(target, "--app", app["uid"], "--event-type", paid)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "not targeted: endpoint disabled" in done.stdout and "nothing verified" in done.stdout
    assert receivers.deliveries == []


# --- the demo: the quickstart deployed by `make demo`, its customers' URLs served by local receivers -----------

def run_demo(demo_dir: Path, log: Path, *demo_args: str, timeout: float = 400) -> subprocess.CompletedProcess:
    """`make demo DEMO_ARGS=...` on its own emulator, in its own process group (killed whole if it hangs)."""
    env = {k: v for k, v in os.environ.items() if k not in ("SVIX_AUTH_TOKEN", "SVIX_TOKEN", "SVIX_SERVER_URL")}
    env["PULUMI_SVIX_DEMO_DIR"] = str(demo_dir)
    with open(log, "w") as out:
        process = subprocess.Popen(["make", "--no-print-directory", "demo", f"DEMO_ARGS={' '.join(demo_args)}"],
                                   cwd=REPO_ROOT, env=env, text=True, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            process.wait(timeout=timeout)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    return subprocess.CompletedProcess(process.args, process.returncode, log.read_text())


def left_running(demo_dir: Path) -> list[str]:
    """Processes of the demo still alive: its emulator (its database is in demo_dir) or anything else there."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if str(demo_dir) in cmdline:
            found.append(cmdline)
    return found


def receivers_url(output: str) -> str:
    return re.search(r"webhookBaseUrl=(http://127\.0\.0\.1:\d+) \(the receivers\)", output).group(1)


@pytest.mark.engine
def test_demo_with_receivers_verifies_the_quickstart_and_names_a_failing_receiver(tmp_path):
    demo_dir = tmp_path / "demo"
    started = time.monotonic()

    failing = run_demo(demo_dir, tmp_path / "demo-1.log", "--failing-receiver", "acme/billing")
    assert failing.returncode != 0, failing.stdout  # make's own code (2) for a demo that exited with 1
    for event_type in ("invoice.failed", "invoice.paid"):
        assert re.search(rf"^acme +billing +{re.escape(event_type)} +FAILED: HTTP 500, \d+ ms$", failing.stdout,
                         re.MULTILINE), failing.stdout
    assert ("2 of 12 deliveries failed: endpoint billing of application acme (invoice.failed, invoice.paid)"
            in failing.stdout)
    assert "demo: FAILED: step 'verify' failed: `pulumi-svix verify` exited with code 1" in failing.stdout
    assert "receivers stopped" in failing.stdout and "emulator stopped" in failing.stdout
    assert left_running(demo_dir) == []

    green = run_demo(demo_dir, tmp_path / "demo-2.log", "--with-receivers")
    assert green.returncode == 0, green.stdout
    assert len(re.findall(r"accepted \(HTTP 204, \d+ ms\)$", green.stdout, re.MULTILINE)) == 12
    assert "all 12 deliveries accepted (6 endpoints)" in green.stdout
    assert "receivers got 12 deliveries (12 with a valid Svix signature); answered 204 x12" in green.stdout
    # The receivers came back on the same port: the endpoint URLs stayed, so `up` changed nothing.
    assert receivers_url(green.stdout) == receivers_url(failing.stdout)
    assert "17 unchanged" in green.stdout.split("pulumi up")[1].split("Stack outputs")[0], green.stdout
    assert left_running(demo_dir) == []

    plain = run_demo(demo_dir, tmp_path / "demo-3.log")  # `make demo` as ever: the example's URLs again
    assert plain.returncode == 0, plain.stdout
    assert "webhookBaseUrl removed" in plain.stdout
    assert "receivers listening" not in plain.stdout and "pulumi-svix verify" not in plain.stdout
    assert "~ 6 updated" in plain.stdout and "[diff: ~url]" in plain.stdout, plain.stdout  # the endpoints' URLs
    assert left_running(demo_dir) == []
    print(f"three demo runs (failing receiver, all green, plain): {time.monotonic() - started:.0f} s")
