"""Endpoints: CRUD, event type filters, uid scope, PUT/PATCH, headers, secrets."""

import base64
import re

import pytest

from .helpers import (assert_http_error, assert_validation_error, created, make_app,
                      make_endpoint, make_event_type)

EP_ID = re.compile(r"^ep_[A-Za-z0-9]{27}$")


@pytest.fixture
def app(api):
    return make_app(api, uid="acme")


def test_create_returns_endpoint_out_with_spec_field_names(api, app):
    make_event_type(api, "user.signup")
    endpoint = make_endpoint(api, "acme", uid="main", description="Main", throttleRate=20,
                             eventTypes=["user.signup"], channels=["project_1"],
                             metadata={"k": "v"})
    assert EP_ID.match(endpoint["id"])
    assert {k: endpoint[k] for k in ("uid", "url", "description", "throttleRate", "disabled",
                                     "eventTypes", "channels", "metadata")} == {
        "uid": "main", "url": "https://example.com/hook", "description": "Main",
        "throttleRate": 20, "disabled": False, "eventTypes": ["user.signup"],
        "channels": ["project_1"], "metadata": {"k": "v"}}
    assert "secret" not in endpoint and "headers" not in endpoint
    assert api.get(f"/api/v1/app/{app['id']}/endpoint/main").json() == endpoint
    assert api.get(f"/api/v1/app/acme/endpoint/{endpoint['id']}").json() == endpoint


def test_legacy_filter_types_is_accepted_as_event_types(api, app):
    make_event_type(api, "user.signup")
    endpoint = make_endpoint(api, "acme", filterTypes=["user.signup"])
    assert endpoint["eventTypes"] == ["user.signup"]


def test_event_types_must_exist(api, app):
    detail = assert_validation_error(
        api.post("/api/v1/app/acme/endpoint",
                 json={"url": "https://example.com/hook", "eventTypes": ["no.such"]}),
        ["body", "eventTypes"])
    assert "no.such" in detail[0]["msg"]
    assert api.get("/api/v1/app/acme/endpoint").json()["data"] == []


def test_event_types_must_not_be_archived(api, app):
    make_event_type(api, "old.event")
    assert api.delete("/api/v1/event-type/old.event").status_code == 204
    assert_validation_error(
        api.post("/api/v1/app/acme/endpoint",
                 json={"url": "https://example.com/hook", "eventTypes": ["old.event"]}),
        ["body", "eventTypes"])
    endpoint = make_endpoint(api, "acme")
    path = f"/api/v1/app/acme/endpoint/{endpoint['id']}"
    assert_validation_error(api.patch(path, json={"eventTypes": ["old.event"]}),
                            ["body", "eventTypes"])


@pytest.mark.allow_contract_violations
@pytest.mark.parametrize("url", ["not a url", "ftp://example.com/x", "https://", ""])
def test_url_must_be_http_or_https(api, app, url):
    assert_validation_error(api.post("/api/v1/app/acme/endpoint", json={"url": url}),
                            ["body", "url"])


def test_uid_is_unique_per_app_only(api, app):
    make_endpoint(api, "acme", uid="main")
    assert_http_error(api.post("/api/v1/app/acme/endpoint",
                               json={"url": "https://example.com/x", "uid": "main"}),
                      409, "conflict")
    make_app(api, uid="other")
    make_endpoint(api, "other", uid="main")
    assert_validation_error(api.post("/api/v1/app/acme/endpoint",
                                     json={"url": "https://example.com/x", "uid": "ep_x"}),
                            ["body", "uid"])


@pytest.mark.allow_contract_violations
def test_a_missing_app_is_404_even_with_an_invalid_body(api):
    assert_http_error(api.post("/api/v1/app/nobody/endpoint", json={"url": 5}), 404,
                      "not_found")


def test_endpoint_of_another_app_is_not_found(api, app):
    endpoint = make_endpoint(api, "acme")
    make_app(api, uid="other")
    assert_http_error(api.get(f"/api/v1/app/other/endpoint/{endpoint['id']}"), 404, "not_found")
    assert_http_error(api.post("/api/v1/app/nobody/endpoint",
                               json={"url": "https://example.com/x"}), 404, "not_found")


def test_put_replaces_settings_but_keeps_headers_and_secret(api, app):
    make_event_type(api, "user.signup")
    endpoint = make_endpoint(api, "acme", uid="main", description="d", throttleRate=3,
                             eventTypes=["user.signup"], headers={"X-Team": "a"})
    secret = api.get("/api/v1/app/acme/endpoint/main/secret").json()["key"]
    replaced = created(api.put("/api/v1/app/acme/endpoint/main",
                               json={"url": "https://example.com/new"}), 200)
    assert replaced["id"] == endpoint["id"] and replaced["url"] == "https://example.com/new"
    assert replaced["uid"] is None and replaced["description"] == ""
    assert replaced["throttleRate"] is None and replaced["eventTypes"] is None
    assert api.get(f"/api/v1/app/acme/endpoint/{endpoint['id']}/secret").json()["key"] == secret
    assert api.get(f"/api/v1/app/acme/endpoint/{endpoint['id']}/headers"
                   ).json()["headers"] == {"X-Team": "a"}


def test_put_on_an_unknown_uid_creates_it(api, app):
    response = api.put("/api/v1/app/acme/endpoint/new-one", json={"url": "https://example.com/"})
    assert response.status_code == 201 and response.json()["uid"] == "new-one"
    assert api.get("/api/v1/app/acme/endpoint/new-one/secret").json()["key"].startswith("whsec_")


def test_patch_changes_given_fields_and_null_clears(api, app):
    make_event_type(api, "a")
    make_endpoint(api, "acme", uid="main", throttleRate=3, eventTypes=["a"], channels=["c"])
    patched = created(api.patch("/api/v1/app/acme/endpoint/main",
                                json={"description": "now described", "disabled": True}), 200)
    assert patched["description"] == "now described" and patched["disabled"] is True
    assert patched["throttleRate"] == 3 and patched["eventTypes"] == ["a"]
    cleared = created(api.patch("/api/v1/app/acme/endpoint/main",
                                json={"eventTypes": None, "channels": None,
                                      "throttleRate": None}), 200)
    assert cleared["eventTypes"] is None and cleared["channels"] is None
    assert cleared["throttleRate"] is None and cleared["uid"] == "main"


def test_delete(api, app):
    endpoint = make_endpoint(api, "acme", uid="main")
    assert api.delete("/api/v1/app/acme/endpoint/main").status_code == 204
    assert_http_error(api.get(f"/api/v1/app/acme/endpoint/{endpoint['id']}"), 404, "not_found")
    make_endpoint(api, "acme", uid="main")  # the uid is free again


# --- headers -----------------------------------------------------------------------------

def test_headers_sensitive_values_are_never_returned(api, app):
    endpoint = make_endpoint(api, "acme", headers={"Authorization": "Bearer s3cret",
                                                   "X-Api-Key": "k3y", "X-Team": "billing"})
    got = api.get(f"/api/v1/app/acme/endpoint/{endpoint['id']}/headers")
    assert got.status_code == 200
    assert got.json()["headers"] == {"X-Team": "billing"}
    assert sorted(got.json()["sensitive"]) == ["Authorization", "X-Api-Key"]
    assert "s3cret" not in got.text and "k3y" not in got.text


def test_put_headers_replaces_all(api, app):
    endpoint = make_endpoint(api, "acme", headers={"X-A": "1", "X-B": "2"})
    path = f"/api/v1/app/acme/endpoint/{endpoint['id']}/headers"
    assert api.put(path, json={"headers": {"X-C": "3"}}).status_code == 204
    assert api.get(path).json() == {"headers": {"X-C": "3"}, "sensitive": []}


def test_patch_headers_merges_and_removes(api, app):
    endpoint = make_endpoint(api, "acme", headers={"X-A": "1", "X-B": "2", "X-D": "4"})
    path = f"/api/v1/app/acme/endpoint/{endpoint['id']}/headers"
    response = api.patch(path, json={"headers": {"x-a": "one", "X-B": None, "X-C": "3"},
                                     "deleteHeaders": ["x-d"]})
    assert response.status_code == 204
    assert api.get(path).json()["headers"] == {"x-a": "one", "X-C": "3"}


@pytest.mark.parametrize("name", ["Content-Type", "user-agent", "X-Amz-Date", "svix-id",
                                  "X-Svix-Anything", "Bad Header"])
def test_forbidden_header_names_are_422(api, app, name):
    endpoint = make_endpoint(api, "acme")
    path = f"/api/v1/app/acme/endpoint/{endpoint['id']}/headers"
    assert_validation_error(api.put(path, json={"headers": {name: "x"}}), ["body", "headers"])
    assert_validation_error(api.patch(path, json={"headers": {name: "x"}}), ["body", "headers"])
    assert_validation_error(api.post("/api/v1/app/acme/endpoint",
                                     json={"url": "https://example.com/", "headers": {name: "x"}}),
                            ["body", "headers"])


# --- secret ------------------------------------------------------------------------------

def _decoded_length(secret: str) -> int:
    assert secret.startswith("whsec_")
    return len(base64.b64decode(secret.removeprefix("whsec_")))


def test_generated_secret_is_whsec_and_24_bytes(api, app):
    endpoint = make_endpoint(api, "acme")
    key = api.get(f"/api/v1/app/acme/endpoint/{endpoint['id']}/secret").json()["key"]
    assert _decoded_length(key) == 24


@pytest.mark.allow_contract_violations  # a 20-byte secret breaks the spec's pattern too
def test_given_secret_is_kept_and_validated(api, app):
    secret = "whsec_" + base64.b64encode(b"k" * 32).decode()
    endpoint = make_endpoint(api, "acme", secret=secret)
    assert api.get(f"/api/v1/app/acme/endpoint/{endpoint['id']}/secret").json()["key"] == secret
    too_short = "whsec_" + base64.b64encode(b"k" * 20).decode()
    assert_validation_error(api.post("/api/v1/app/acme/endpoint",
                                     json={"url": "https://example.com/", "secret": too_short}),
                            ["body", "secret"])


def test_rotate_generates_a_new_secret_or_takes_the_given_one(api, app):
    endpoint = make_endpoint(api, "acme")
    path = f"/api/v1/app/acme/endpoint/{endpoint['id']}/secret"
    before = api.get(path).json()["key"]
    rotated = api.post(path + "/rotate", json={})
    assert rotated.status_code == 204 and rotated.content == b""
    after = api.get(path).json()["key"]
    assert after != before and _decoded_length(after) == 24
    chosen = "whsec_" + base64.b64encode(b"c" * 24).decode()
    assert api.post(path + "/rotate", json={"key": chosen}).status_code == 204
    assert api.get(path).json()["key"] == chosen


def test_rotation_refuses_more_than_ten_live_old_keys(api, app):
    endpoint = make_endpoint(api, "acme")
    path = f"/api/v1/app/acme/endpoint/{endpoint['id']}/secret/rotate"
    for _ in range(10):
        assert api.post(path, json={}).status_code == 204
    assert_http_error(api.post(path, json={}), 400, "limit_reached")
    other = make_endpoint(api, "acme")  # keys that expired at once do not count
    path = f"/api/v1/app/acme/endpoint/{other['id']}/secret/rotate"
    for _ in range(12):
        assert api.post(path, json={"gracePeriodSeconds": 0}).status_code == 204


def test_list_endpoints_of_an_app(api, app):
    ids = [make_endpoint(api, "acme")["id"] for _ in range(3)]
    make_app(api, uid="other")
    make_endpoint(api, "other")
    assert [e["id"] for e in api.get("/api/v1/app/acme/endpoint").json()["data"]] == ids
