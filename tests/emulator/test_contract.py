"""Contract checking: the spec rewrite, and violations recorded by a running emulator."""

import asyncio

import pytest

from pulumi_svix.emulator.asgi import send_bytes
from pulumi_svix.emulator.contract import (CheckContract, Contract, find_spec,
                                           nullable_to_json_schema)
from pulumi_svix.emulator.flavor import get_flavor


@pytest.fixture(scope="module")
def contract():
    return Contract(find_spec())


def test_nullable_becomes_a_null_type():
    schema = {"type": "object", "properties": {
        "uid": {"type": "string", "nullable": True},
        "order": {"$ref": "#/components/schemas/Ordering", "nullable": True},
        "nullable": {"type": "boolean"},  # a property that happens to be called so
    }}
    nullable_to_json_schema(schema)
    assert schema["properties"]["uid"] == {"type": ["string", "null"]}
    assert schema["properties"]["order"] == {
        "anyOf": [{"$ref": "#/components/schemas/Ordering"}, {"type": "null"}]}
    assert schema["properties"]["nullable"] == {"type": "boolean"}


def test_operations_are_matched_with_literal_segments_first(contract):
    assert contract.operation("POST", "/api/v1/event-type/import/openapi")[0] == \
        "/api/v1/event-type/import/openapi"
    assert contract.operation("GET", "/api/v1/event-type/user.signup")[0] == \
        "/api/v1/event-type/{event_type_name}"
    assert contract.operation("GET", "/api/v1/app/x/integration/y/key") == (None, None)


def test_query_parameter_checks(contract):
    template, op = contract.operation("GET", "/api/v1/app")
    assert contract.check_query("GET", template, op, "limit=20&order=descending") == []
    assert contract.check_query("GET", template, op,
                                "iterator=-app_1srOrx2ZWZBpBUvZwXKQmoEYga2") == []
    problems = contract.check_query("GET", template, op, "limit=0&order=up&colour=red")
    assert len(problems) == 3 and "unknown query parameter 'colour'" in problems


def test_request_and_response_checks(contract):
    template, op = contract.operation("POST", "/api/v1/app")
    assert contract.check_request("POST", template, op, b'{"name": "A", "uid": null}') == []
    assert contract.check_request("POST", template, op, b'{"uid": "a"}') != []
    good = (b'{"id": "app_1srOrx2ZWZBpBUvZwXKQmoEYga2", "name": "A", "uid": null,'
            b' "metadata": {}, "createdAt": "2026-01-01T00:00:00Z",'
            b' "updatedAt": "2026-01-01T00:00:00Z"}')
    assert contract.check_response("POST", template, op, 201, "application/json", good) == []
    assert contract.check_response("POST", template, op, 201, "application/json", b"{}") != []
    assert contract.check_response("POST", template, op, 500, "text/plain", b"x") == []
    assert contract.check_response("POST", template, op, 418, "application/json", b"{}") == [
        "status 418 is not documented for this operation"]


@pytest.mark.allow_contract_violations
def test_the_emulator_records_invalid_requests_and_still_answers_422(api, shared_emulator):
    response = api.post("/api/v1/app", json={"uid": "no name"})
    assert response.status_code == 422
    violations = shared_emulator.contract_violations()
    assert {(v["method"], v["route"], v["direction"]) for v in violations} == {
        ("POST", "/api/v1/app", "request")}
    assert any("'name' is a required property" in v["message"] for v in violations)
    shared_emulator.clear_contract_violations()
    assert shared_emulator.contract_violations() == []


def test_every_emulator_response_of_a_full_tour_conforms(api, shared_emulator):
    """Each operation the emulator serves, once; the fixture fails on any violation."""
    app = api.post("/api/v1/app", json={"name": "A", "uid": "acme"}).json()
    api.get("/api/v1/app")
    api.put("/api/v1/app/acme", json={"name": "B", "uid": "acme", "throttleRate": 3})
    api.patch("/api/v1/app/acme", json={"metadata": {"a": "b"}})
    api.post("/api/v1/event-type", json={"name": "e.v", "description": "d",
                                         "featureFlags": ["x"], "groupName": "g"})
    api.put("/api/v1/event-type/e.w", json={"description": "d"})
    api.patch("/api/v1/event-type/e.w", json={"deprecated": True})
    api.get("/api/v1/event-type", params={"include_archived": "true", "with_content": "true"})
    endpoint = api.post("/api/v1/app/acme/endpoint", json={
        "url": "https://example.com/", "eventTypes": ["e.v"], "channels": ["c"],
        "headers": {"Authorization": "x"}}).json()
    ep = f"/api/v1/app/acme/endpoint/{endpoint['id']}"
    api.get("/api/v1/app/acme/endpoint")
    api.get(ep)
    api.get("/api/v1/event-type/e.v")
    api.put(ep, json={"url": "https://example.com/2"})
    api.patch(ep, json={"disabled": True})
    api.get(ep + "/headers")
    api.put(ep + "/headers", json={"headers": {"X-A": "1"}})
    api.patch(ep + "/headers", json={"headers": {"X-B": "2"}})
    api.get(ep + "/secret")
    api.post(ep + "/secret/rotate", json={})
    integration = api.post("/api/v1/app/acme/integration", json={"name": "I"}).json()
    integ = f"/api/v1/app/acme/integration/{integration['id']}"
    api.get("/api/v1/app/acme/integration")
    api.get(integ)
    api.put(integ, json={"name": "J", "featureFlags": ["f"]})
    api.post(integ + "/key/rotate")
    api.get("/api/v1/health")
    api.get("/api/v1/app/missing")
    api.post("/api/v1/app", json={"name": "C", "uid": "acme"})
    api.delete(integ)
    api.delete(ep)
    api.delete("/api/v1/event-type/e.w")
    api.delete("/api/v1/event-type/e.v", params={"expunge": "true"})
    api.delete(f"/api/v1/app/{app['id']}")
    stats = shared_emulator.stats()
    assert stats["total"] == 32 and len(stats["requests"]) == 30  # 30 operations, all served


def test_an_absent_api_is_no_violation_unless_the_emulator_serves_it():
    """The oss flavor's missing Integration API: asking is fine, serving it is not."""
    contract = Contract(find_spec("oss"))

    async def request(status: int, body: bytes) -> None:
        async def server(_scope, _receive, send):
            await send_bytes(send, status, body, None)

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(_message):
            pass

        scope = {"type": "http", "method": "GET", "path": "/api/v1/app/acme/integration",
                 "query_string": b"", "headers": []}
        layer = CheckContract(server, contract, get_flavor("oss").absent_api)
        await layer(scope, receive, send)

    asyncio.run(request(404, b""))
    asyncio.run(request(401, b'{"code": "authentication_failed", "detail": "Invalid token"}'))
    assert contract.snapshot() == []
    asyncio.run(request(200, b"[]"))
    asyncio.run(request(404, b'{"code": "not_found", "detail": "Entity not found"}'))
    assert [v["status"] for v in contract.snapshot()] == [200, 404]
