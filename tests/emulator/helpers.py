"""Builders and assertions shared by the emulator's behaviour tests."""


def created(response, status: int = 201) -> dict:
    assert response.status_code == status, response.text
    return response.json()


def make_app(api, **fields) -> dict:
    return created(api.post("/api/v1/app", json={"name": "Acme", **fields}))


def make_event_type(api, name: str, **fields) -> dict:
    return created(api.post("/api/v1/event-type",
                            json={"name": name, "description": f"{name} happened", **fields}))


def make_endpoint(api, app_id: str, **fields) -> dict:
    body = {"url": "https://example.com/hook", **fields}
    return created(api.post(f"/api/v1/app/{app_id}/endpoint", json=body))


def assert_http_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code and isinstance(body["detail"], str)
    return body


def assert_validation_error(response, loc: list[str]) -> list[dict]:
    """A Svix 422 naming the field ``loc`` (e.g. ["body", "url"])."""
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert all({"loc", "msg", "type"} <= set(item) for item in detail)
    assert loc in [item["loc"][:len(loc)] for item in detail], detail
    return detail
