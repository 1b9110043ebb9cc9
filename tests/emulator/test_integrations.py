"""Integrations: CRUD and key rotation (the key is only ever returned by key/rotate)."""

import re

import pytest

from .helpers import assert_http_error, assert_validation_error, created, make_app

INTEG_ID = re.compile(r"^integ_[A-Za-z0-9]{27}$")


@pytest.fixture
def app(api):
    return make_app(api, uid="acme")


def test_create_get_update_delete(api, app):
    integration = created(api.post("/api/v1/app/acme/integration",
                                   json={"name": "Zapier", "featureFlags": ["beta"]}))
    assert INTEG_ID.match(integration["id"])
    assert integration["name"] == "Zapier" and integration["featureFlags"] == ["beta"]
    assert "key" not in integration
    path = f"/api/v1/app/acme/integration/{integration['id']}"
    assert api.get(path).json() == integration
    updated = created(api.put(path, json={"name": "Make"}), 200)
    assert updated["name"] == "Make" and "featureFlags" not in updated
    listing = api.get("/api/v1/app/acme/integration").json()
    assert [i["id"] for i in listing["data"]] == [integration["id"]]
    assert api.delete(path).status_code == 204
    assert_http_error(api.get(path), 404, "not_found")


def test_rotate_key_returns_a_fresh_key(api, app):
    integration = created(api.post("/api/v1/app/acme/integration", json={"name": "Zapier"}))
    path = f"/api/v1/app/acme/integration/{integration['id']}/key/rotate"
    first = api.post(path)
    assert first.status_code == 200 and first.json()["key"].startswith("integsk_")
    second = api.post(path).json()["key"]
    assert second != first.json()["key"]


@pytest.mark.allow_contract_violations
def test_removed_get_key_route_does_not_exist(api, app, shared_emulator):
    integration = created(api.post("/api/v1/app/acme/integration", json={"name": "Zapier"}))
    response = api.get(f"/api/v1/app/acme/integration/{integration['id']}/key")
    assert response.status_code in (404, 405)
    assert [v["message"] for v in shared_emulator.contract_violations()] == [
        "no such operation in the spec"]


def test_put_on_unknown_integration_is_404(api, app):
    assert_http_error(api.put("/api/v1/app/acme/integration/integ_2aaaaaaaaaaaaaaaaaaaaaaaaaa",
                              json={"name": "x"}), 404, "not_found")


@pytest.mark.allow_contract_violations
def test_name_is_required(api, app):
    assert_validation_error(api.post("/api/v1/app/acme/integration", json={}), ["body", "name"])
