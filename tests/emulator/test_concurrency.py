"""Concurrent requests (Pulumi sends 10+ at once): no lost writes, uids stay unique."""

from concurrent.futures import ThreadPoolExecutor

import requests


def _post_many(emulator, path: str, bodies: list[dict]) -> list[requests.Response]:
    def post(body):
        return requests.post(emulator.url + path, json=body, headers=emulator.headers,
                             timeout=30)

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(post, bodies))


def test_concurrent_creates_with_the_same_uid_exactly_one_wins(api, shared_emulator):
    responses = _post_many(shared_emulator, "/api/v1/app",
                           [{"name": f"racer {n}", "uid": "contested"} for n in range(25)])
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 24
    assert len(api.get("/api/v1/app").json()["data"]) == 1


def test_concurrent_endpoint_creates_with_the_same_uid_exactly_one_wins(api, shared_emulator):
    api.post("/api/v1/app", json={"name": "A", "uid": "acme"})
    responses = _post_many(shared_emulator, "/api/v1/app/acme/endpoint",
                           [{"url": "https://example.com/", "uid": "ep"} for _ in range(20)])
    assert sorted(r.status_code for r in responses) == [201] + [409] * 19


def test_concurrent_distinct_creates_all_land(api, shared_emulator):
    responses = _post_many(shared_emulator, "/api/v1/app",
                           [{"name": f"app {n}", "uid": f"app-{n}"} for n in range(40)])
    assert {r.status_code for r in responses} == {201}
    listed = api.get("/api/v1/app", params={"limit": 250}).json()["data"]
    assert sorted(a["uid"] for a in listed) == sorted(f"app-{n}" for n in range(40))
    assert len({a["id"] for a in listed}) == 40
