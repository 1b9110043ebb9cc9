"""Idempotency keys: replay of the first success for (token, key, path), waiting duplicates."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import requests

from pulumi_svix.emulator.idempotency import Idempotency
from pulumi_svix.emulator.store import Store

from .helpers import created, make_app


def test_same_key_replays_the_first_response(api):
    headers = {"idempotency-key": "create-acme"}
    first = api.post("/api/v1/app", json={"name": "Acme"}, headers=headers)
    second = api.post("/api/v1/app", json={"name": "Acme"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert len(api.get("/api/v1/app").json()["data"]) == 1


def test_replay_ignores_the_new_body_and_other_keys_or_paths_are_separate(api):
    headers = {"idempotency-key": "k1"}
    first = created(api.post("/api/v1/app", json={"name": "One"}, headers=headers))
    replay = created(api.post("/api/v1/app", json={"name": "Two"}, headers=headers))
    assert replay == first
    other_key = created(api.post("/api/v1/app", json={"name": "Two"},
                                 headers={"idempotency-key": "k2"}))
    assert other_key["id"] != first["id"]
    other_path = created(api.post(f"/api/v1/app/{first['id']}/integration",
                                  json={"name": "I"}, headers=headers))
    assert "name" in other_path and other_path["id"].startswith("integ_")


def test_failed_responses_are_not_replayed(api):
    make_app(api, uid="taken")
    headers = {"idempotency-key": "retry-me"}
    clash = api.post("/api/v1/app", json={"name": "A", "uid": "taken"}, headers=headers)
    assert clash.status_code == 409
    api.delete("/api/v1/app/taken")
    retried = api.post("/api/v1/app", json={"name": "A", "uid": "taken"}, headers=headers)
    assert retried.status_code == 201


def test_keys_are_scoped_to_the_token(api, shared_emulator):
    headers = {"idempotency-key": "scoped"}
    created(api.post("/api/v1/app", json={"name": "A"}, headers=headers))
    wrong = requests.post(shared_emulator.url + "/api/v1/app", json={"name": "A"},
                          headers={**headers, "Authorization": "Bearer someone-else"}, timeout=10)
    assert wrong.status_code == 401  # not a replay of another token's response


def test_records_expire_after_their_time_to_live():
    store = Store(":memory:")
    store.remember_response("token", "key", "/api/v1/app", 201, b"{}", "application/json")
    assert store.idempotent_response("token", "key", "/api/v1/app", ttl=12 * 3600) == (
        201, b"{}", "application/json")
    assert store.idempotent_response("token", "key", "/api/v1/app", ttl=0) is None
    assert store.idempotent_response("token", "key", "/api/v1/other", ttl=3600) is None


def test_concurrent_duplicates_create_one_object(api, shared_emulator):
    def post(_):
        return requests.post(shared_emulator.url + "/api/v1/app", json={"name": "Dup"},
                             headers={"idempotency-key": "concurrent", **shared_emulator.headers},
                             timeout=30)

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(post, range(20)))
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert len(api.get("/api/v1/app").json()["data"]) == 1


def test_a_duplicate_waits_for_the_running_original():
    """In-process: the original is slow; its duplicate must wait, not run the handler."""
    calls = []

    async def slow_app(scope, receive, send):
        calls.append(scope["path"])
        await asyncio.sleep(0.2)
        await send({"type": "http.response.start", "status": 201,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": b'{"n": %d}' % len(calls)})

    layer = Idempotency(slow_app, Store(":memory:"))
    scope = {"type": "http", "method": "POST", "path": "/api/v1/app",
             "headers": [(b"idempotency-key", b"k"), (b"authorization", b"Bearer t")]}

    async def call():
        sent = []

        async def send(message):
            sent.append(message)

        async def receive():
            return {"type": "http.request", "body": b"{}", "more_body": False}

        await layer(scope, receive, send)
        return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])

    async def both():
        return await asyncio.gather(call(), call())

    first, second = asyncio.run(both())
    assert calls == ["/api/v1/app"]
    assert first == second == (201, b'{"n": 1}')
