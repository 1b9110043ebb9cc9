"""The table "operations of the official Svix client served by the emulator" (README.md of
the emulator) is true: it lists exactly the operations of the installed ``svix`` package,
the routes of each flavor serve exactly its served rows, and every served row is driven here
through the official SDK (an independent client) on both flavors, answering as Svix does."""

import inspect
import re
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests
import svix
from svix.api import (AppPortalAccessIn, ApplicationIn, ApplicationPatch,
                      ApplicationTokenExpireIn, EndpointHeadersIn, EndpointHeadersPatchIn,
                      EndpointIn, EndpointPatch, EndpointUpsertIn, EventTypeIn, EventTypePatch,
                      EventTypeUpsertIn, IntegrationIn, IntegrationUpdate, MessageIn,
                      MessagePrecheckIn, RecoverIn, ReplayIn)
from svix.api.message import MessageGetOptions, MessageListOptions
from svix.api.message_attempt import MessageAttemptListByMsgOptions
from starlette.routing import Match

from pulumi_svix.emulator.app import create_app
from pulumi_svix.emulator.flavor import get_flavor
from pulumi_svix.emulator.runner import Emulator
from pulumi_svix.emulator.store import Store
from tests.emulator.receiver import Receiver
from tests.emulator.test_official_sdk import rotate_secret

README = Path(__file__).resolve().parents[2] / "pulumi_svix" / "emulator" / "README.md"
ROW = re.compile(r"^\| *(\d+) *\| *`([a-z_]+)\.([a-z_]+)` *\| *`(GET|POST|PUT|PATCH|DELETE) "
                 r"([^`]+)` *\| *(yes|no) *\| *(yes|no) *\|", re.MULTILINE)
FLAVOR_COLUMN = {"cloud": 5, "oss": 6}


def table() -> list[tuple]:
    """(resource, method, HTTP method, path, served on cloud, served on oss) per row."""
    rows = ROW.findall(README.read_text())
    assert [int(row[0]) for row in rows] == list(range(1, len(rows) + 1)), "rows numbered 1.."
    return [(res, meth, verb, path, cloud == "yes", oss == "yes")
            for _, res, meth, verb, path, cloud, oss in rows]


def client_operations() -> set[tuple]:
    """(resource, method, HTTP method, path) of every operation of the installed client."""
    client = svix.Svix("token")
    found = set()
    for resource in dir(client):
        api = getattr(client, resource)
        if resource.startswith("_") or not hasattr(api, "_request_sync"):
            continue
        for name, method in inspect.getmembers(api, inspect.ismethod):
            calls = re.findall(r'method="(\w+)",\s*path="([^"]+)"',
                               inspect.getsource(method)) if not name.startswith("_") else []
            if calls:
                found.add((resource, name, calls[0][0].upper(), calls[0][1]))
    return found


def test_the_table_lists_every_operation_of_the_installed_client():
    listed = {row[:4] for row in table()}
    assert len(listed) == len(table())
    assert listed == client_operations()


def served_by(flavor: str):
    """Whether the flavor's emulator has a route for (HTTP method, path template)."""
    routes = create_app(store=Store(":memory:"), token="t", flavor=get_flavor(flavor)).api.routes

    def served(verb: str, path: str) -> bool:
        concrete = re.sub(r"\{[^}]+\}", "x1", path)
        scope = {"type": "http", "method": verb, "path": concrete, "root_path": ""}
        return any(route.matches(scope)[0] == Match.FULL for route in routes)

    return served


@pytest.mark.parametrize("flavor", ["cloud", "oss"])
def test_the_flavor_serves_exactly_the_rows_marked_served(flavor):
    served = served_by(flavor)
    wrong = [(resource, method) for resource, method, verb, path, *marks in table()
             if served(verb, path) != marks[FLAVOR_COLUMN[flavor] - 5]]
    assert wrong == []


# --- every served row, through the official SDK ---------------------------------------------

@pytest.fixture(params=["cloud", "oss"])
def sdk_emulator(request, tmp_path):
    emulator = Emulator(db=tmp_path / "svix.sqlite3", validate_contract=True,
                        flavor=request.param, retry_schedule=(0.1,))
    emulator.start()
    try:
        yield emulator
        violations = [v for v in emulator.contract_violations() if not _sdk_sent(v)]
        assert violations == []
    finally:
        emulator.stop()


def _sdk_sent(violation: dict) -> bool:
    """svix 2.9.1 sends ``expanded_statuses`` (a Svix Cloud parameter) to every server;
    svix-server's document does not have it (the server ignores it, and so does the
    emulator). That is the client's doing, not the emulator's."""
    return violation["message"] == "unknown query parameter 'expanded_statuses'"


@pytest.fixture
def receiver():
    server = Receiver().start()
    try:
        yield server
    finally:
        server.stop()


class Driver:
    """Calls SDK operations by ``resource.method`` and remembers which ran."""

    def __init__(self, client):
        self.client = client
        self.called: set[tuple[str, str]] = set()

    def __call__(self, operation: str, *args, **kwargs):
        resource, method = operation.split(".")
        self.called.add((resource, method))
        return getattr(getattr(self.client, resource), method)(*args, **kwargs)


def wait_for(condition, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("not met in time")


def test_every_served_operation_answers_the_official_sdk(sdk_emulator, receiver):
    flavor = sdk_emulator.flavor
    cloud = flavor == "cloud"
    sdk = Driver(svix.Svix(sdk_emulator.token, svix.SvixOptions(server_url=sdk_emulator.url)))

    assert sdk("health.get") is None
    app = sdk("application.create", ApplicationIn(name="Acme", uid="acme"))
    assert sdk("application.get_or_create", ApplicationIn(name="Acme", uid="acme")).id == app.id
    assert sdk("application.get", "acme").id == app.id
    assert [a.id for a in sdk("application.list").data] == [app.id]
    assert sdk("application.patch", "acme", ApplicationPatch(name="Acme Co")).name == "Acme Co"
    assert sdk("application.upsert", "acme", ApplicationIn(name="Acme", uid="acme")).id == app.id

    for name in ("invoice.paid", "invoice.voided"):
        sdk("event_type.create", EventTypeIn(name=name, description=name))
    assert sdk("event_type.get", "invoice.paid").name == "invoice.paid"
    assert len(sdk("event_type.list").data) == 2
    sdk("event_type.patch", "invoice.paid", EventTypePatch(description="paid"))
    sdk("event_type.upsert", "invoice.old", EventTypeUpsertIn(description="old"))
    sdk("event_type.delete", "invoice.old")

    hook = sdk("endpoint.create", app.id, EndpointIn(url=receiver.url + "/hook",
                                                     event_types=["invoice.paid"]))
    assert sdk("endpoint.get", app.id, hook.id).url == receiver.url + "/hook"
    assert len(sdk("endpoint.list", app.id).data) == 1
    sdk("endpoint.patch", app.id, hook.id, EndpointPatch(description="billing"))
    spare = sdk("endpoint.upsert", app.id, "spare",
                EndpointUpsertIn(url=receiver.url + "/spare", disabled=True))
    sdk("endpoint.set_headers", app.id, hook.id, EndpointHeadersIn(headers={"X-Team": "a"}))
    sdk("endpoint.patch_headers", app.id, hook.id, EndpointHeadersPatchIn(headers={"X-B": "b"}))
    assert sdk("endpoint.get_headers", app.id, hook.id).headers == {"X-Team": "a", "X-B": "b"}
    key = sdk("endpoint.get_secret", app.id, hook.id).key
    sdk.called.add(("endpoint", "rotate_secret"))  # through the SDK's request layer:
    rotate_secret(sdk.client, app.id, hook.id)  # see test_official_sdk.rotate_secret
    assert sdk("endpoint.get_secret", app.id, hook.id).key != key

    # Messages: one delivered, one failing then resent and recovered.
    paid = sdk("message.create", app.id, MessageIn(event_type="invoice.paid",
                                                  payload={"n": 1}, event_id="evt-1"))
    voided = sdk("message.create", app.id, MessageIn(event_type="invoice.voided",
                                                    payload={"n": 2}, channels=["eu"]))
    assert sdk("message.get", app.id, "evt-1").id == paid.id
    listed = sdk("message.list", app.id, MessageListOptions(event_types=["invoice.voided"]))
    assert [m.id for m in listed.data] == [voided.id]
    assert [m.id for m in sdk("message.list", app.id, MessageListOptions(channel="eu")).data] \
        == [voided.id]
    if cloud:
        assert sdk("message.precheck", app.id,
                   MessagePrecheckIn(event_type="invoice.paid")).active is True
        assert sdk("message.precheck", app.id,
                   MessagePrecheckIn(event_type="invoice.voided")).active is False

    receiver.wait_for("/hook")
    [attempt] = wait_for(lambda: sdk("message_attempt.list_by_msg", app.id, paid.id).data)
    assert attempt.status == 0 and attempt.response_status_code == 200
    assert sdk("message_attempt.get", app.id, paid.id, attempt.id).id == attempt.id
    assert [a.id for a in sdk("message_attempt.list_by_endpoint", app.id, hook.id).data] == [
        attempt.id]
    assert [m.id for m in sdk("message_attempt.list_attempted_messages", app.id, hook.id).data] \
        == [paid.id]
    [destination] = sdk("message_attempt.list_attempted_destinations", app.id, paid.id).data
    assert destination.id == hook.id and destination.status == 0

    receiver.answers["/hook"] = 500
    failing = sdk("message.create", app.id, MessageIn(event_type="invoice.paid", payload={}))
    wait_for(lambda: len(sdk("message_attempt.list_by_msg", app.id, failing.id).data) == 2)
    receiver.answers["/hook"] = 200
    sdk("message_attempt.resend", app.id, failing.id, hook.id)
    wait_for(lambda: sdk("message_attempt.list_by_msg", app.id, failing.id,
                         MessageAttemptListByMsgOptions(status=0)).data)
    since = datetime.now(timezone.utc) - timedelta(minutes=5)
    assert sdk("endpoint.recover", app.id, hook.id, RecoverIn(since=since)).task == \
        "endpoint.recover"
    stats = sdk("endpoint.get_stats", app.id, hook.id)
    assert (stats.success, stats.fail) == (2, 0)
    if cloud:
        sdk("endpoint.patch", app.id, spare.id, EndpointPatch(disabled=False))
        assert sdk("endpoint.replay_missing", app.id, spare.id,
                   ReplayIn(since=since)).task == "endpoint.replay"
        assert len(receiver.wait_for("/spare", 3)) == 3  # every message, never sent there

    sdk("message_attempt.expunge_content", app.id, paid.id, attempt.id)
    assert sdk("message_attempt.get", app.id, paid.id, attempt.id).response == ""
    sdk("message.expunge_content", app.id, paid.id)
    assert sdk("message.get", app.id, paid.id,
               MessageGetOptions(with_content=True)).payload == {"expired": True}

    access = sdk("authentication.app_portal_access", app.id, AppPortalAccessIn())
    assert access.token.startswith("appsk_") and access.token in access.url
    sdk("authentication.logout")
    if cloud:
        sdk("authentication.expire_all", app.id, ApplicationTokenExpireIn())
        integration = sdk("integration.create", app.id, IntegrationIn(name="Zapier"))
        assert sdk("integration.get", app.id, integration.id).name == "Zapier"
        assert len(sdk("integration.list", app.id).data) == 1
        sdk("integration.update", app.id, integration.id, IntegrationUpdate(name="Make"))
        assert sdk("integration.rotate_key", app.id, integration.id).key.startswith("integsk_")
        sdk("integration.delete", app.id, integration.id)
    else:  # routes svix-server does not have: an empty 404, as its router answers
        for path in (f"/api/v1/app/{app.id}/integration", f"/api/v1/auth/app/{app.id}/expire-all",
                     f"/api/v1/app/{app.id}/endpoint/{spare.id}/replay-missing"):
            response = requests.post(sdk_emulator.url + path, json={"name": "x"},
                                     headers=sdk_emulator.headers, timeout=10)
            assert (response.status_code, response.content) == (404, b""), path

    sdk("endpoint.delete", app.id, spare.id)
    sdk("application.delete", app.id)

    served = {(res, meth) for res, meth, *_, on_cloud, on_oss in table()
              if (on_cloud if cloud else on_oss)}
    assert sdk.called == served
