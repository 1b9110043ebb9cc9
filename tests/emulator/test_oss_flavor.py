"""The ``oss`` flavor plays the self-hosted svix-server v1.100; ``cloud`` stays Svix Cloud.

Each test runs on the session's shared oss emulator (``emulator_pool.shared("oss")``), whose
exchanges are checked against the server's own OpenAPI document; ``api`` sends the same
requests to the shared Svix Cloud emulator where a test compares the two.
"""

import json
import sqlite3
from contextlib import closing

import pytest
import requests

from tests.fixtures_emulator import ApiSession, check_contract

from .helpers import (assert_http_error, assert_validation_error, created, make_app,
                      make_endpoint, make_event_type)

# Keys in the order a client writes them: not Postgres jsonb's order.
SCHEMAS = {"10": {"type": "object"}, "2": {"type": "object"}, "1": {
    "type": "object", "title": "Invoice paid", "required": ["invoiceId"],
    "properties": {"b": {"type": "string"}, "a": {"type": "string"}, "B": {"type": "string"},
                   "é": {"type": "string"},
                   "invoiceId": {"type": "string", "description": "The invoice"}}}}


@pytest.fixture
def oss(request, emulator_pool):
    emulator = emulator_pool.shared("oss")
    yield emulator
    check_contract(request, emulator)


@pytest.fixture
def oss_api(oss):
    with ApiSession(oss) as session:
        yield session


def stored(emulator, kind: str, id_: str, field: str):
    """A private field of a stored document, read from the emulator's SQLite file."""
    with closing(sqlite3.connect(emulator.db)) as db:
        row = db.execute("SELECT json_extract(doc, ?) FROM resource WHERE kind = ? AND id = ?",
                         (f"$.{field}", kind, id_)).fetchone()
    return json.loads(row[0])


def violation_messages(emulator) -> list[str]:
    return [v["message"] for v in emulator.contract_violations()]


# --- integrations ------------------------------------------------------------------------

INTEGRATION_REQUESTS = [
    ("GET", "/api/v1/app/{app}/integration", None),
    ("POST", "/api/v1/app/{app}/integration", {"name": "Zapier"}),
    ("GET", "/api/v1/app/{app}/integration/integ_2aaaaaaaaaaaaaaaaaaaaaaaaaa", None),
    ("PUT", "/api/v1/app/{app}/integration/integ_2aaaaaaaaaaaaaaaaaaaaaaaaaa", {"name": "Z"}),
    ("DELETE", "/api/v1/app/{app}/integration/integ_2aaaaaaaaaaaaaaaaaaaaaaaaaa", None),
    ("POST", "/api/v1/app/{app}/integration/integ_2aaaaaaaaaaaaaaaaaaaaaaaaaa/key/rotate", None),
    ("GET", "/api/v1/app/{app}/integration/", None),
]


@pytest.mark.parametrize("app", ["acme", "missing"])
def test_every_integration_route_is_404_with_an_empty_body(oss_api, app):
    """Not in the server's spec, yet no contract violation: clients probe for this API."""
    make_app(oss_api, uid="acme")
    for method, path, body in INTEGRATION_REQUESTS:
        response = oss_api.request(method, path.format(app=app), json=body)
        assert (response.status_code, response.content) == (404, b""), (method, path)
        assert "content-type" not in response.headers


@pytest.mark.allow_contract_violations  # not an operation of the server's spec either
def test_other_unknown_routes_are_empty_404s_and_recorded(oss_api, oss):
    response = oss_api.get("/api/v1/nothing-here")
    assert (response.status_code, response.content) == (404, b"")
    assert violation_messages(oss) == ["no such operation in the spec"]


# --- event types -------------------------------------------------------------------------

def test_event_types_have_one_feature_flag_and_no_group(oss_api):
    flagged = make_event_type(oss_api, "invoice.paid", featureFlag="beta",
                              featureFlags=["ignored"], groupName="ignored")
    plain = make_event_type(oss_api, "invoice.failed")
    assert flagged["featureFlag"] == "beta" and plain["featureFlag"] is None
    listed = oss_api.get("/api/v1/event-type").json()["data"]
    for event_type in [flagged, plain, oss_api.get("/api/v1/event-type/invoice.paid").json(),
                       *listed]:
        assert "featureFlag" in event_type
        assert not {"featureFlags", "groupName"} & set(event_type)


def test_feature_flag_patch_keeps_when_absent_and_clears_with_null(oss_api):
    make_event_type(oss_api, "user.signup", featureFlag="beta")
    path = "/api/v1/event-type/user.signup"
    kept = created(oss_api.patch(path, json={"description": "patched"}), 200)
    assert (kept["description"], kept["featureFlag"]) == ("patched", "beta")
    changed = created(oss_api.patch(path, json={"featureFlag": "gamma"}), 200)
    assert changed["featureFlag"] == "gamma"
    cleared = created(oss_api.patch(path, json={"featureFlag": None}), 200)
    assert cleared["featureFlag"] is None and cleared["description"] == "patched"
    oss_api.patch(path, json={"featureFlag": "beta"})
    replaced = created(oss_api.put(path, json={"description": "replaced"}), 200)
    assert replaced["featureFlag"] is None  # PUT is a full replace


@pytest.mark.allow_contract_violations  # invalid on purpose
@pytest.mark.parametrize("flag", ["has space", "x" * 257, "", ["beta"]])
def test_feature_flag_is_validated(oss_api, flag):
    response = oss_api.post("/api/v1/event-type",
                            json={"name": "e.v", "description": "d", "featureFlag": flag})
    assert_validation_error(response, ["body", "featureFlag"])


def test_the_event_type_list_has_null_schemas_unless_with_content(oss_api):
    make_event_type(oss_api, "invoice.paid", schemas=SCHEMAS)
    without = oss_api.get("/api/v1/event-type").json()["data"][0]
    assert "schemas" in without and without["schemas"] is None
    with_content = oss_api.get("/api/v1/event-type", params={"with_content": "true"})
    assert with_content.json()["data"][0]["schemas"] == SCHEMAS
    assert oss_api.get("/api/v1/event-type/invoice.paid").json()["schemas"] == SCHEMAS


def key_orders(value) -> list:
    """Every object's key order, depth first: what distinguishes jsonb from the input."""
    if isinstance(value, dict):
        return [list(value), *(order for item in value.values() for order in key_orders(item))]
    if isinstance(value, list):
        return [order for item in value for order in key_orders(item)]
    return []


JSONB_ORDERS = [
    ["1", "2", "10"],  # shortest first
    ["type", "title", "required", "properties"],
    ["B", "a", "b", "é", "invoiceId"],  # equal lengths bytewise; "é" is two bytes
    ["type"], ["type"], ["type"], ["type"], ["type", "description"],
    ["type"], ["type"],
]


def test_stored_schemas_come_back_with_jsonb_key_order(oss_api):
    assert key_orders(SCHEMAS) != JSONB_ORDERS
    answers = [
        make_event_type(oss_api, "invoice.paid", schemas=SCHEMAS),
        oss_api.get("/api/v1/event-type/invoice.paid").json(),
        oss_api.get("/api/v1/event-type", params={"with_content": "true"}).json()["data"][0],
        oss_api.patch("/api/v1/event-type/invoice.paid", json={"schemas": SCHEMAS}).json(),
        oss_api.put("/api/v1/event-type/invoice.paid",
                    json={"description": "d", "schemas": SCHEMAS}).json(),
    ]
    for answer in answers:
        assert answer["schemas"] == SCHEMAS and key_orders(answer["schemas"]) == JSONB_ORDERS


@pytest.mark.allow_contract_violations  # invalid on purpose
def test_each_schema_version_must_be_an_object(oss_api, api):
    body = {"name": "e.v", "description": "d", "schemas": {"1": "not an object"}}
    assert_validation_error(oss_api.post("/api/v1/event-type", json=body), ["body", "schemas"])
    assert api.post("/api/v1/event-type", json=body).status_code == 201  # Svix Cloud takes it


# --- applications and endpoints ----------------------------------------------------------

def test_an_application_without_uid_has_no_uid_key(oss_api):
    bare = make_app(oss_api)
    named = make_app(oss_api, uid="acme")
    assert "uid" not in bare and named["uid"] == "acme"
    assert bare["throttleRate"] is None  # other unset values are null
    path = f"/api/v1/app/{bare['id']}"
    for answer in [oss_api.get(path).json(), oss_api.patch(path, json={"name": "B"}).json(),
                   oss_api.put(path, json={"name": "C"}).json(),
                   oss_api.get("/api/v1/app").json()["data"][0]]:
        assert answer["id"] == bare["id"] and "uid" not in answer
    endpoint = make_endpoint(oss_api, bare["id"])
    assert "uid" in endpoint and endpoint["uid"] is None
    assert endpoint["throttleRate"] is None


def test_endpoints_carry_filter_types_next_to_event_types(oss_api):
    make_app(oss_api, uid="acme")
    make_event_type(oss_api, "invoice.paid")
    make_event_type(oss_api, "invoice.failed")
    filtered = make_endpoint(oss_api, "acme", eventTypes=["invoice.paid"])
    unfiltered = make_endpoint(oss_api, "acme")
    assert filtered["filterTypes"] == filtered["eventTypes"] == ["invoice.paid"]
    assert unfiltered["filterTypes"] is None and unfiltered["eventTypes"] is None
    path = f"/api/v1/app/acme/endpoint/{filtered['id']}"
    patched = oss_api.patch(path, json={"eventTypes": ["invoice.paid", "invoice.failed"]}).json()
    assert patched["filterTypes"] == patched["eventTypes"] == ["invoice.paid", "invoice.failed"]
    for answer in [oss_api.get(path).json(),
                   *oss_api.get("/api/v1/app/acme/endpoint").json()["data"]]:
        assert answer["filterTypes"] == answer["eventTypes"]


def test_create_endpoint_ignores_headers(oss_api, oss):
    make_app(oss_api, uid="acme")
    # Even a forbidden header name: the server does not read the field at all.
    endpoint = make_endpoint(oss_api, "acme", headers={"X-Tenant": "acme", "Host": "x"})
    path = f"/api/v1/app/acme/endpoint/{endpoint['id']}/headers"
    assert oss_api.get(path).json() == {"headers": {}, "sensitive": []}
    assert stored(oss, "endpoint", endpoint["id"], "_headers") == {}
    assert oss_api.put(path, json={"headers": {"X-Tenant": "acme"}}).status_code == 204
    assert oss_api.get(path).json()["headers"] == {"X-Tenant": "acme"}
    assert stored(oss, "endpoint", endpoint["id"], "_headers") == {"X-Tenant": "acme"}


def test_patch_headers_ignores_delete_headers(oss_api):
    make_app(oss_api, uid="acme")
    path = f"/api/v1/app/acme/endpoint/{make_endpoint(oss_api, 'acme')['id']}/headers"
    oss_api.put(path, json={"headers": {"X-A": "1", "X-B": "2", "X-C": "3"}})
    oss_api.patch(path, json={"headers": {"X-A": None, "X-D": "4"}, "deleteHeaders": ["X-B"]})
    assert oss_api.get(path).json()["headers"] == {"X-B": "2", "X-C": "3", "X-D": "4"}


@pytest.mark.allow_contract_violations  # invalid for the server's spec on purpose
def test_channels_follow_the_servers_narrower_pattern(oss_api, api):
    for session in (oss_api, api):
        make_app(session, uid="acme")
    body = {"url": "https://example.com/hook", "channels": ["billing:eu"]}
    assert_validation_error(oss_api.post("/api/v1/app/acme/endpoint", json=body),
                            ["body", "channels"])
    assert api.post("/api/v1/app/acme/endpoint", json=body).status_code == 201


def test_unknown_fields_are_ignored_and_both_app_paths_work(oss_api):
    app = created(oss_api.post("/api/v1/app/", json={"name": "A", "colour": "red"}))
    assert "colour" not in app
    listed = [oss_api.get(path).json()["data"] for path in ("/api/v1/app", "/api/v1/app/")]
    assert listed[0] == listed[1] == [app]


# --- lists and errors --------------------------------------------------------------------

def test_list_limits_and_the_empty_list(oss_api):
    empty = oss_api.get("/api/v1/app")
    assert empty.json() == {"data": [], "iterator": None, "done": True}  # no prevIterator
    app = make_app(oss_api)
    zero = oss_api.get("/api/v1/app", params={"limit": 0})
    assert zero.json() == {"data": [], "iterator": None, "done": False}
    assert_validation_error(oss_api.get("/api/v1/app", params={"limit": 251}), ["query", "limit"])
    full = oss_api.get("/api/v1/app", params={"limit": 250}).json()
    assert full == {"data": [app], "iterator": app["id"], "prevIterator": "-" + app["id"],
                    "done": True}
    past_the_end = oss_api.get("/api/v1/app", params={"iterator": app["id"]}).json()
    assert past_the_end == {"data": [], "iterator": None, "done": True}


def test_error_bodies(oss_api, oss):
    assert oss_api.get("/api/v1/app/missing").json() == {"code": "not_found",
                                                         "detail": "Entity not found"}
    assert oss_api.get("/api/v1/event-type/missing").json() == {"code": "not_found",
                                                               "detail": "Entity not found"}
    make_app(oss_api, uid="acme")
    assert_http_error(oss_api.post("/api/v1/app", json={"name": "B", "uid": "acme"}), 409,
                      "conflict")
    make_event_type(oss_api, "e.v")
    assert_http_error(oss_api.post("/api/v1/event-type", json={"name": "e.v", "description": "d"}),
                      409, "conflict")
    for headers in ({"Authorization": "Bearer wrong"}, {}):
        response = requests.get(oss.url + "/api/v1/app", headers=headers, timeout=10)
        assert response.status_code == 401
        assert response.json() == {"code": "authentication_failed", "detail": "Invalid token"}


# --- the flavor itself, and Svix Cloud next to it ----------------------------------------

def test_stats_and_contract_name_the_flavor_and_its_spec(oss, emulator_pool):
    assert oss.stats()["flavor"] == "oss"
    contract = oss._admin("GET", "contract")
    assert contract["enabled"] and contract["spec"].endswith("/openapi/svix-server-openapi.json")
    cloud = emulator_pool.shared("cloud")
    assert cloud.stats()["flavor"] == "cloud"
    assert cloud._admin("GET", "contract")["spec"].endswith("/openapi/svix-openapi.json")


@pytest.mark.allow_contract_violations  # featureFlags must be a list in Svix Cloud's spec
def test_each_flavor_is_checked_against_its_own_spec(oss_api, oss, api, shared_emulator):
    body = {"name": "e.v", "description": "d", "featureFlags": "not a list"}
    assert oss_api.post("/api/v1/event-type", json=body).status_code == 201  # an unknown field
    assert oss.contract_violations() == []
    assert api.post("/api/v1/event-type", json=body).status_code == 422
    assert [(v["route"], v["direction"]) for v in shared_emulator.contract_violations()] == [
        ("/api/v1/event-type", "request")]


def same_requests(session) -> dict:
    """One round of the requests whose answers differ between the flavors."""
    app = make_app(session)
    make_app(session, uid="acme")
    make_event_type(session, "invoice.paid")
    event_type = make_event_type(session, "user.signup", featureFlag="beta", featureFlags=["beta"],
                                 groupName="user", schemas=SCHEMAS)
    endpoint = make_endpoint(session, "acme", eventTypes=["invoice.paid"],
                             headers={"X-Tenant": "acme"})
    headers = session.get(f"/api/v1/app/acme/endpoint/{endpoint['id']}/headers").json()
    return {
        "app": app, "event_type": event_type, "endpoint": endpoint, "headers": headers,
        "listed": session.get("/api/v1/event-type").json(),
        "empty": session.get("/api/v1/app/acme/endpoint", params={"iterator": endpoint["id"]}
                             ).json(),
        "401": requests.get(session.base_url + "/api/v1/app", timeout=10).json(),
    }


def test_cloud_is_unchanged_for_the_same_requests(oss_api, api):
    oss_answers, cloud = same_requests(oss_api), same_requests(api)

    assert cloud["app"]["uid"] is None and "uid" not in oss_answers["app"]
    event_type = cloud["event_type"]
    assert (event_type["featureFlags"], event_type["groupName"]) == (["beta"], "user")
    assert "featureFlag" not in event_type
    assert event_type["schemas"] == SCHEMAS and key_orders(event_type["schemas"]) == \
        key_orders(SCHEMAS)  # as sent
    assert oss_answers["event_type"]["featureFlag"] == "beta"
    assert "filterTypes" not in cloud["endpoint"] and "filterTypes" in oss_answers["endpoint"]
    assert cloud["headers"] == {"headers": {"X-Tenant": "acme"}, "sensitive": []}
    assert oss_answers["headers"] == {"headers": {}, "sensitive": []}
    assert all("schemas" not in item for item in cloud["listed"]["data"])
    assert all(item["schemas"] is None for item in oss_answers["listed"]["data"])
    assert cloud["empty"] == {"data": [], "iterator": cloud["endpoint"]["id"],
                              "prevIterator": None, "done": True}
    assert oss_answers["empty"] == {"data": [], "iterator": None, "done": True}
    assert cloud["401"] == {"code": "authentication_failed",
                            "detail": "Incorrect authentication credentials."}
    assert oss_answers["401"]["detail"] == "Invalid token"


@pytest.mark.allow_contract_violations  # limit=0 is below the cloud spec's minimum
def test_cloud_keeps_its_integrations_and_limit_range(api, shared_emulator):
    make_app(api, uid="acme")
    assert created(api.post("/api/v1/app/acme/integration", json={"name": "Zapier"}))["id"]
    assert api.get("/api/v1/app/acme/integration").status_code == 200
    assert_validation_error(api.get("/api/v1/app", params={"limit": 0}), ["query", "limit"])
    assert_http_error(api.get("/api/v1/nothing-here"), 404, "not_found")  # a JSON body
    assert [(v["route"], v["direction"]) for v in shared_emulator.contract_violations()] == [
        ("/api/v1/app", "request"), ("/api/v1/nothing-here", "request")]
