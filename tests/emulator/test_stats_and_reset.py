"""Introspection: request counts per route template, reset, auth and error shapes."""

import pytest
import requests

from .helpers import assert_http_error, make_app


def test_stats_count_api_requests_per_route_template(api, shared_emulator):
    app = make_app(api, uid="acme")
    make_app(api)
    api.get(f"/api/v1/app/{app['id']}")
    api.get("/api/v1/app/acme/")  # trailing slash: same template
    api.get("/api/v1/app/")
    shared_emulator.stats()  # admin routes are not counted
    assert shared_emulator.stats() == {
        "flavor": "cloud",
        "total": 5,
        "requests": {"POST /api/v1/app": 2, "GET /api/v1/app/{app_id}": 2,
                     "GET /api/v1/app": 1},
        "faults": {},
    }


def test_reset_clears_data_and_counters(api, shared_emulator):
    make_app(api, uid="acme")
    shared_emulator.reset()
    assert shared_emulator.stats() == {"flavor": "cloud", "total": 0, "requests": {},
                                       "faults": {}}
    assert_http_error(api.get("/api/v1/app/acme"), 404, "not_found")


def test_trailing_slash_paths_work_for_every_method(api):
    app = api.post("/api/v1/app/", json={"name": "A", "uid": "acme"})
    assert app.status_code == 201
    assert api.patch("/api/v1/app/acme/", json={"name": "B"}).json()["name"] == "B"
    endpoint = api.post("/api/v1/app/acme/endpoint/", json={"url": "https://example.com/"})
    assert endpoint.status_code == 201
    assert api.get(f"/api/v1/app/acme/endpoint/{endpoint.json()['id']}/secret/"
                   ).status_code == 200
    assert api.delete("/api/v1/app/acme/").status_code == 204


def test_missing_or_wrong_token_is_401_authentication_failed(shared_emulator):
    url = shared_emulator.url
    for headers in ({}, {"Authorization": "Bearer wrong"},
                    {"Authorization": shared_emulator.token},
                    {"Authorization": f"Basic {shared_emulator.token}"}):
        assert_http_error(requests.get(url + "/api/v1/app", headers=headers, timeout=10), 401,
                          "authentication_failed")
    assert requests.get(url + "/_emulator/stats", timeout=10).status_code == 401


def test_health_needs_no_token(shared_emulator):
    response = requests.get(shared_emulator.url + "/api/v1/health", timeout=10)
    assert response.status_code == 204


@pytest.mark.allow_contract_violations  # not an operation of the spec, and recorded as such
def test_unknown_route_is_a_svix_shaped_404(api):
    assert_http_error(api.get("/api/v1/nothing-here"), 404, "not_found")


def test_request_log_records_when_each_api_request_was_in_flight(api, shared_emulator):
    """Benchmarks compute requests in flight from this log: start <= end, the latency injected
    inside the request counted, admin requests left out, reset empties it."""
    import time

    shared_emulator.set_faults(latency_ms=150)
    try:
        before = time.time()
        make_app(api, uid="acme")
        api.get("/api/v1/app/acme")
        after = time.time()
    finally:
        shared_emulator.set_faults()
    log = shared_emulator.request_log()
    assert [entry[2:] for entry in log] == [["POST /api/v1/app", "/api/v1/app"],
                                            ["GET /api/v1/app/{app_id}", "/api/v1/app/acme"]]
    for started, ended, _route, _path in log:
        assert before - 1 <= started <= ended <= after + 1
        assert ended - started >= 0.14  # the injected latency is part of the time in flight
    shared_emulator.reset()
    assert shared_emulator.request_log() == []
