"""``import_id`` (take over an existing object by id) and write-free adoption: an adoption writes only what
differs from the declaration, nothing at all for an object already as declared (not even the ownership
marker), and always moves another resource's marker. Provider methods against the emulator, with the
emulator's request counters as the witness."""

import pytest
import requests

from pulumi_svix.client import SvixError
from pulumi_svix.resources import _ownership
from pulumi_svix.resources.application import ApplicationProvider
from pulumi_svix.resources.endpoint import EndpointProvider
from pulumi_svix.resources.event_type import EventTypeProvider
from pulumi_svix.resources.integration import IntegrationProvider

WRITES = ("POST ", "PUT ", "PATCH ", "DELETE ")
URN = "urn:pulumi:dev::proj::pulumi-python:dynamic/svix:Application::adopter"


@pytest.fixture
def raw(emulator):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {emulator.token}"

    def call(method, path, body=None):
        response = session.request(method, emulator.url + path, json=body, timeout=30)
        assert response.status_code < 400, response.text
        return response.json() if response.content else None

    def writes():
        stats = session.get(emulator.url + "/_emulator/stats", timeout=30).json()["requests"]
        return sum(n for route, n in stats.items() if route.startswith(WRITES))

    call.writes = writes
    return call


def test_objects_already_as_declared_are_adopted_without_a_write(svix_settings, raw):
    _ownership.reset()
    raw("POST", "/api/v1/event-type", {"name": "quiet.type", "description": "Q"})
    app = raw("POST", "/api/v1/app", {"name": "Quiet", "uid": "quiet", "metadata": {"a": "b"}})
    plain = raw("POST", "/api/v1/app", {"name": "No uid"})
    ep = raw("POST", f"/api/v1/app/{app['id']}/endpoint", {"url": "https://h.example.com/a", "uid": "e"})
    raw("PUT", f"/api/v1/app/{app['id']}/endpoint/{ep['id']}/headers",
        {"headers": {"Authorization": "Bearer x", "X-Plain": "p"}})
    bare = raw("POST", f"/api/v1/app/{plain['id']}/endpoint", {"url": "https://h.example.com/b"})
    integ = raw("POST", f"/api/v1/app/{app['id']}/integration", {"name": "Zapier"})
    secret = raw("GET", f"/api/v1/app/{app['id']}/endpoint/{ep['id']}/secret")["key"]
    before = raw.writes()

    with _ownership.acting_for(URN):
        et = EventTypeProvider().create({"name": "quiet.type", "description": "Q", "adopt": True})
        a = ApplicationProvider().create({"name": "Quiet", "uid": "quiet", "metadata": {"a": "b"}, "adopt": True})
        p = ApplicationProvider().create({"name": "No uid", "import_id": plain["id"]})
        e = EndpointProvider().create({"app_id": a.id, "url": "https://h.example.com/a", "uid": "e", "adopt": True,
                                       "headers": {"Authorization": "Bearer (Svix never shows it)", "X-Plain": "p"}})
        b = EndpointProvider().create({"app_id": p.id, "url": "https://h.example.com/b", "import_id": bare["id"]})
        i = IntegrationProvider().create({"app_id": a.id, "name": "Zapier", "import_id": integ["id"]})
    assert raw.writes() == before
    assert (et.id, a.id, p.id, e.id, b.id, i.id) == ("quiet.type", app["id"], plain["id"], ep["id"], bare["id"],
                                                     integ["id"])
    assert _ownership.OWNER_OUT not in a.outs and a.outs["metadata"] == {"a": "b"}
    assert e.outs["secret"] == secret and i.outs["key"] is None
    assert raw("GET", f"/api/v1/app/{app['id']}")["metadata"] == {"a": "b"}  # no marker written


def test_adoption_writes_what_differs_and_moves_another_owners_marker(svix_settings, raw):
    _ownership.reset()
    foreign = _ownership.owner_of("urn:pulumi:other::proj::pulumi-python:dynamic/svix:Application::x")
    raw("POST", "/api/v1/app", {"name": "Same", "uid": "marked", "metadata": {_ownership.OWNER_KEY: foreign}})
    plain = raw("POST", "/api/v1/app", {"name": "Old name"})
    before = raw.writes()
    with _ownership.acting_for(URN):
        marked = ApplicationProvider().create({"name": "Same", "uid": "marked", "adopt": True})
        renamed = ApplicationProvider().create({"name": "New name", "import_id": plain["id"]})
    assert raw.writes() == before + 2
    mine = _ownership.owner_of(URN)
    assert raw("GET", "/api/v1/app/marked")["metadata"] == {_ownership.OWNER_KEY: mine}
    assert marked.outs[_ownership.OWNER_OUT] == mine and marked.outs["metadata"] is None
    assert raw("GET", f"/api/v1/app/{plain['id']}")["name"] == "New name" == renamed.outs["name"]


def test_import_id_of_a_missing_object_fails_naming_it(svix_settings):
    with pytest.raises(SvixError, match=r"Application create failed: Svix answered HTTP 404"):
        ApplicationProvider().create({"name": "X", "import_id": "app_doesnotexist"})
