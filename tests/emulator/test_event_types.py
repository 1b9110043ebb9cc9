"""Event types: create/get/list, archive vs expunge, un-archive on create, PUT, PATCH."""

import pytest

from .helpers import assert_http_error, assert_validation_error, created, make_event_type

SCHEMAS = {"1": {"type": "object", "properties": {"id": {"type": "string"}}}}


def test_create_returns_event_type_out_with_spec_field_names(api):
    event_type = make_event_type(api, "invoice.paid", groupName="invoice",
                                 featureFlags=["beta"], schemas=SCHEMAS, deprecated=True)
    assert event_type["name"] == "invoice.paid"
    assert event_type["description"] == "invoice.paid happened"
    assert event_type["archived"] is False and event_type["deprecated"] is True
    assert event_type["groupName"] == "invoice" and event_type["featureFlags"] == ["beta"]
    assert event_type["schemas"] == SCHEMAS
    assert api.get("/api/v1/event-type/invoice.paid").json() == event_type


def test_duplicate_live_name_is_409(api):
    make_event_type(api, "user.signup")
    assert_http_error(api.post("/api/v1/event-type",
                               json={"name": "user.signup", "description": "again"}),
                      409, "conflict")


@pytest.mark.allow_contract_violations
def test_name_and_description_are_validated(api):
    assert_validation_error(api.post("/api/v1/event-type", json={"name": "bad name",
                                                                 "description": "d"}),
                            ["body", "name"])
    assert_validation_error(api.post("/api/v1/event-type", json={"name": "ok"}),
                            ["body", "description"])


def test_delete_archives_and_keeps_it_readable(api):
    make_event_type(api, "user.signup")
    assert api.delete("/api/v1/event-type/user.signup").status_code == 204
    got = api.get("/api/v1/event-type/user.signup").json()
    assert got["archived"] is True
    names = [e["name"] for e in api.get("/api/v1/event-type").json()["data"]]
    assert names == []
    listing = api.get("/api/v1/event-type", params={"include_archived": "true"}).json()
    assert [e["name"] for e in listing["data"]] == ["user.signup"]


def test_expunge_deletes_for_good(api):
    make_event_type(api, "user.signup")
    response = api.delete("/api/v1/event-type/user.signup", params={"expunge": "true"})
    assert response.status_code == 204
    assert_http_error(api.get("/api/v1/event-type/user.signup"), 404, "not_found")
    assert_http_error(api.delete("/api/v1/event-type/user.signup"), 404, "not_found")


def test_create_on_an_archived_name_unarchives_it(api):
    first = make_event_type(api, "user.signup")
    api.delete("/api/v1/event-type/user.signup")
    again = make_event_type(api, "user.signup", description="back again")
    assert again["archived"] is False and again["description"] == "back again"
    assert again["createdAt"] == first["createdAt"]


def test_list_with_content_includes_schemas(api):
    make_event_type(api, "a.b", schemas=SCHEMAS)
    plain = api.get("/api/v1/event-type").json()["data"][0]
    assert plain.get("schemas") is None
    full = api.get("/api/v1/event-type", params={"with_content": "true"}).json()["data"][0]
    assert full["schemas"] == SCHEMAS


def test_list_is_ordered_by_name(api):
    for name in ("c.event", "a.event", "b.event"):
        make_event_type(api, name)
    names = [e["name"] for e in api.get("/api/v1/event-type").json()["data"]]
    assert names == ["a.event", "b.event", "c.event"]


def test_put_upserts_and_replaces(api):
    response = api.put("/api/v1/event-type/user.signup",
                       json={"description": "d", "groupName": "user", "schemas": SCHEMAS})
    assert response.status_code == 201
    replaced = created(api.put("/api/v1/event-type/user.signup", json={"description": "new"}),
                       200)
    assert replaced["description"] == "new"
    assert replaced["groupName"] is None and replaced["schemas"] is None


def test_put_on_an_archived_event_type_can_unarchive_it(api):
    make_event_type(api, "user.signup")
    api.delete("/api/v1/event-type/user.signup")
    restored = created(api.put("/api/v1/event-type/user.signup", json={"description": "d"}), 200)
    assert restored["archived"] is False


def test_patch_changes_given_fields_and_null_clears(api):
    make_event_type(api, "user.signup", groupName="user", featureFlags=["beta"])
    patched = created(api.patch("/api/v1/event-type/user.signup",
                                json={"description": "patched", "featureFlags": None}), 200)
    assert patched["description"] == "patched" and patched["featureFlags"] is None
    assert patched["groupName"] == "user"
    archived = created(api.patch("/api/v1/event-type/user.signup", json={"archived": True}), 200)
    assert archived["archived"] is True
    assert_http_error(api.patch("/api/v1/event-type/nope", json={}), 404, "not_found")
