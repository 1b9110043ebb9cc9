"""Applications: CRUD, uid rules, PUT/PATCH semantics, id-or-uid lookup."""

import re

import pytest

from .helpers import (assert_http_error, assert_validation_error, created, make_app,
                      make_endpoint)

APP_ID = re.compile(r"^app_[A-Za-z0-9]{27}$")


def test_create_returns_application_out_with_spec_field_names(api):
    app = make_app(api, uid="acme", throttleRate=10, metadata={"team": "billing"})
    assert APP_ID.match(app["id"])
    assert app["uid"] == "acme" and app["name"] == "Acme" and app["throttleRate"] == 10
    assert app["metadata"] == {"team": "billing"}
    assert app["createdAt"].endswith("Z") and app["updatedAt"] == app["createdAt"]


def test_get_by_id_and_by_uid(api):
    app = make_app(api, uid="acme")
    assert api.get(f"/api/v1/app/{app['id']}").json() == app
    assert api.get("/api/v1/app/acme").json() == app


def test_unknown_app_is_404_not_found(api):
    assert_http_error(api.get("/api/v1/app/app_2aaaaaaaaaaaaaaaaaaaaaaaaaa"), 404, "not_found")
    assert_http_error(api.get("/api/v1/app/nobody"), 404, "not_found")


def test_duplicate_uid_is_409_conflict(api):
    make_app(api, uid="acme")
    assert_http_error(api.post("/api/v1/app", json={"name": "Other", "uid": "acme"}), 409,
                      "conflict")


def test_get_if_exists_returns_the_existing_app(api):
    app = make_app(api, uid="acme")
    again = api.post("/api/v1/app", params={"get_if_exists": "true"},
                     json={"name": "Ignored", "uid": "acme"})
    assert again.status_code == 200 and again.json() == app
    fresh = api.post("/api/v1/app", params={"get_if_exists": "true"},
                     json={"name": "New", "uid": "new-one"})
    assert fresh.status_code == 201


@pytest.mark.allow_contract_violations
@pytest.mark.parametrize("uid", ["", "has space", "a/b", "x" * 257])
def test_uid_must_match_pattern_and_length(api, uid):
    assert_validation_error(api.post("/api/v1/app", json={"name": "A", "uid": uid}),
                            ["body", "uid"])


def test_uid_may_not_start_with_the_id_prefix(api):
    detail = assert_validation_error(api.post("/api/v1/app", json={"name": "A", "uid": "app_x"}),
                                     ["body", "uid"])
    assert "prefix" in detail[0]["msg"]


@pytest.mark.allow_contract_violations
def test_missing_name_and_wrong_types_are_422_with_field_locations(api):
    assert_validation_error(api.post("/api/v1/app", json={}), ["body", "name"])
    assert_validation_error(api.post("/api/v1/app", json={"name": "A", "throttleRate": "5"}),
                            ["body", "throttleRate"])
    assert_validation_error(api.post("/api/v1/app", json={"name": "A", "metadata": {"k": 1}}),
                            ["body", "metadata"])


def test_metadata_is_limited_to_4096_bytes(api):
    assert_validation_error(
        api.post("/api/v1/app", json={"name": "A", "metadata": {"k": "v" * 4100}}),
        ["body", "metadata"])
    make_app(api, metadata={"k": "v" * 4000})


def test_put_replaces_everything_and_clears_omitted_fields(api):
    app = make_app(api, uid="acme", throttleRate=5, metadata={"a": "b"})
    replaced = api.put(f"/api/v1/app/{app['id']}", json={"name": "Renamed"})
    assert replaced.status_code == 200
    body = replaced.json()
    assert body["id"] == app["id"] and body["createdAt"] == app["createdAt"]
    assert body["name"] == "Renamed"
    assert body["uid"] is None and body["throttleRate"] is None and body["metadata"] == {}


def test_put_on_an_unknown_uid_creates_the_app_with_that_uid(api):
    response = api.put("/api/v1/app/fresh-uid", json={"name": "Fresh"})
    assert response.status_code == 201
    assert response.json()["uid"] == "fresh-uid"
    assert api.put("/api/v1/app/fresh-uid", json={"name": "Again", "uid": "fresh-uid"}
                   ).status_code == 200


def test_put_on_an_unknown_id_is_404(api):
    assert_http_error(api.put("/api/v1/app/app_2aaaaaaaaaaaaaaaaaaaaaaaaaa", json={"name": "X"}),
                      404, "not_found")


def test_put_may_not_take_another_apps_uid(api):
    make_app(api, uid="taken")
    other = make_app(api, uid="mine")
    assert_http_error(api.put(f"/api/v1/app/{other['id']}", json={"name": "X", "uid": "taken"}),
                      409, "conflict")


def test_patch_changes_only_given_fields_and_null_clears(api):
    app = make_app(api, uid="acme", throttleRate=5, metadata={"a": "b"})
    patched = created(api.patch("/api/v1/app/acme", json={"name": "New name"}), 200)
    assert patched["name"] == "New name" and patched["uid"] == "acme"
    assert patched["throttleRate"] == 5 and patched["metadata"] == {"a": "b"}
    cleared = created(api.patch(f"/api/v1/app/{app['id']}",
                                json={"uid": None, "throttleRate": None}), 200)
    assert cleared["uid"] is None and cleared["throttleRate"] is None
    assert cleared["name"] == "New name"


@pytest.mark.allow_contract_violations
def test_patch_null_on_a_non_nullable_field_is_422(api):
    make_app(api, uid="acme")
    assert_validation_error(api.patch("/api/v1/app/acme", json={"name": None}), ["body", "name"])


def test_delete_removes_the_app_its_children_and_frees_the_uid(api):
    app = make_app(api, uid="acme")
    endpoint = make_endpoint(api, app["id"])
    assert api.delete("/api/v1/app/acme").status_code == 204
    assert_http_error(api.get(f"/api/v1/app/{app['id']}"), 404, "not_found")
    assert_http_error(api.get(f"/api/v1/app/{app['id']}/endpoint/{endpoint['id']}"), 404,
                      "not_found")
    assert_http_error(api.delete("/api/v1/app/acme"), 404, "not_found")
    assert make_app(api, uid="acme")["id"] != app["id"]


def test_list_returns_created_apps(api):
    ids = [make_app(api, name=f"app {n}")["id"] for n in range(3)]
    listing = api.get("/api/v1/app").json()
    assert [a["id"] for a in listing["data"]] == ids
    assert listing["done"] is True


def test_list_can_exclude_apps_without_endpoints_or_with_only_disabled_ones(api):
    empty = make_app(api, name="no endpoints")
    active = make_app(api, name="active")
    make_endpoint(api, active["id"])
    disabled = make_app(api, name="disabled")
    make_endpoint(api, disabled["id"], disabled=True)

    def listed(**params):
        params = {k: "true" for k in params}
        return [a["id"] for a in api.get("/api/v1/app", params=params).json()["data"]]

    assert listed() == [empty["id"], active["id"], disabled["id"]]
    assert listed(exclude_apps_with_no_endpoints=1) == [active["id"], disabled["id"]]
    assert listed(exclude_apps_with_disabled_endpoints=1) == [empty["id"], active["id"]]
    assert listed(exclude_apps_with_svix_play_endpoints=1) == listed()
