"""List pagination: limit 1-250 (default 50), iterator/done, prevIterator, order."""

import pytest

from .helpers import assert_validation_error, make_app


def ids_of(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["data"]]


def test_default_limit_is_50_and_iterator_walks_all(api):
    created = [make_app(api, name=f"app {n}")["id"] for n in range(55)]
    first = api.get("/api/v1/app").json()
    assert len(first["data"]) == 50 and first["done"] is False
    assert first["iterator"] == created[49]
    second = api.get("/api/v1/app", params={"iterator": first["iterator"]}).json()
    assert [a["id"] for a in second["data"]] == created[50:] and second["done"] is True


def test_pages_in_both_orders_and_back(api):
    created = [make_app(api, name=f"app {n}")["id"] for n in range(7)]
    page1 = api.get("/api/v1/app", params={"limit": 3}).json()
    page2 = api.get("/api/v1/app", params={"limit": 3, "iterator": page1["iterator"]}).json()
    assert [a["id"] for a in page2["data"]] == created[3:6]
    back = api.get("/api/v1/app", params={"limit": 3, "iterator": page2["prevIterator"]})
    assert ids_of(back) == created[0:3]
    newest = api.get("/api/v1/app", params={"limit": 3, "order": "descending"})
    assert ids_of(newest) == created[::-1][:3]


@pytest.mark.allow_contract_violations
@pytest.mark.parametrize("limit", ["0", "251", "many"])
def test_limit_out_of_range_is_422(api, limit):
    assert_validation_error(api.get("/api/v1/app", params={"limit": limit}), ["query", "limit"])


def test_limit_250_is_allowed(api):
    assert api.get("/api/v1/app", params={"limit": 250}).status_code == 200


@pytest.mark.allow_contract_violations
def test_order_is_validated(api):
    assert_validation_error(api.get("/api/v1/app", params={"order": "sideways"}),
                            ["query", "order"])


def test_empty_list(api):
    body = api.get("/api/v1/app").json()
    assert body["data"] == [] and body["done"] is True
