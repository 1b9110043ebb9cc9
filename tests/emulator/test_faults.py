"""Fault injection: each kind, latency, seeding, start-up flags, runtime changes."""

import time

import pytest
import requests

from pulumi_svix.emulator.runner import Emulator, EmulatorError

from .helpers import assert_http_error, created, make_app


def only(emulator, kind: str, **config):
    emulator.set_faults(rate=1.0, kinds=[kind], **config)


@pytest.mark.parametrize("kind,code", [("500", "server_error"), ("503", "service_unavailable")])
def test_error_faults_answer_without_doing_anything(api, shared_emulator, kind, code):
    only(shared_emulator, kind)
    assert_http_error(api.post("/api/v1/app", json={"name": "A", "uid": "a"}), int(kind), code)
    shared_emulator.set_faults(rate=0)
    assert_http_error(api.get("/api/v1/app/a"), 404, "not_found")
    assert shared_emulator.stats()["faults"] == {kind: 1}


def test_429_carries_retry_after(api, shared_emulator):
    only(shared_emulator, "429", retry_after=2)
    response = api.get("/api/v1/app")
    assert_http_error(response, 429, "rate_limited")
    assert response.headers["Retry-After"] == "2"


def test_reset_drops_the_connection(api, shared_emulator):
    only(shared_emulator, "reset")
    with pytest.raises(requests.ConnectionError):
        requests.get(shared_emulator.url + "/api/v1/app", headers=shared_emulator.headers,
                     timeout=10)
    shared_emulator.set_faults(rate=0)
    assert api.get("/api/v1/app").status_code == 200  # the server itself is fine
    assert shared_emulator.stats()["faults"] == {"reset": 1}


def test_commit_then_500_performs_the_write(api, shared_emulator):
    only(shared_emulator, "commit-then-500")
    assert_http_error(api.post("/api/v1/app", json={"name": "A", "uid": "a"}), 500,
                      "server_error")
    shared_emulator.set_faults(rate=0)
    assert api.get("/api/v1/app/a").status_code == 200
    # A blind retry now collides: the lost response is how duplicates/409s happen.
    assert_http_error(api.post("/api/v1/app", json={"name": "A", "uid": "a"}), 409, "conflict")


def test_commit_then_500_then_idempotent_retry_gets_the_original(api, shared_emulator):
    headers = {"idempotency-key": "lost-response"}
    only(shared_emulator, "commit-then-500")
    assert api.post("/api/v1/app", json={"name": "A"}, headers=headers).status_code == 500
    shared_emulator.set_faults(rate=0)
    retried = created(api.post("/api/v1/app", json={"name": "A"}, headers=headers))
    assert [a["id"] for a in api.get("/api/v1/app").json()["data"]] == [retried["id"]]


def test_latency_is_added_to_api_requests_only(api, shared_emulator):
    shared_emulator.set_faults(latency_ms=300)
    start = time.monotonic()
    api.get("/api/v1/app")
    assert time.monotonic() - start >= 0.3
    start = time.monotonic()
    shared_emulator.stats()
    assert time.monotonic() - start < 0.3


def test_a_seed_makes_the_fault_sequence_reproducible(api, shared_emulator):
    def run():
        shared_emulator.set_faults(rate=0.5, kinds=["500", "503", "429"], seed=7)
        return [api.get("/api/v1/app").status_code for _ in range(30)]

    first, second = run(), run()
    assert first == second
    assert 200 in first and len(set(first)) > 2


def test_rate_zero_turns_faults_off_and_admin_routes_are_never_faulted(api, shared_emulator):
    only(shared_emulator, "500")
    assert shared_emulator.stats()["total"] == 0  # admin request served despite rate 1
    shared_emulator.set_faults(rate=0)
    assert api.get("/api/v1/app").status_code == 200


def test_faults_can_be_read_back_and_bad_configs_are_rejected(api, shared_emulator):
    config = shared_emulator.set_faults(rate=0.25, kinds=["429", "reset"], latency_ms=5, seed=3)
    assert config == {"rate": 0.25, "kinds": ["429", "reset"], "latency_ms": 5, "seed": 3,
                      "retry_after": 1}
    assert api.get("/_emulator/faults").json() == config
    for bad in ({"rate": 2}, {"kinds": ["boom"]}, {"latency_ms": -1}, {"sometimes": True}):
        assert api.post("/_emulator/faults", json=bad).status_code == 422
    with pytest.raises(EmulatorError):
        shared_emulator.set_faults(rate=-1)


def test_faults_from_the_command_line(tmp_path):
    with Emulator(db=tmp_path / "db", fault_rate=1.0, fault_kinds=["503"], seed=1,
                  latency_ms=1) as emu:
        response = requests.get(emu.url + "/api/v1/app", headers=emu.headers, timeout=10)
        assert response.status_code == 503
        assert emu.stats()["faults"] == {"503": 1}
        emu.reset()  # back to the start-up configuration, still faulty
        assert requests.get(emu.url + "/api/v1/app", headers=emu.headers,
                            timeout=10).status_code == 503


def test_bad_fault_flags_fail_the_start_clearly(tmp_path):
    with pytest.raises(EmulatorError, match="kinds must be"):
        Emulator(db=tmp_path / "db", fault_kinds=["explode"], log_path=tmp_path / "log").start()


def test_many_requests_under_faults_leave_the_server_healthy(api, shared_emulator):
    shared_emulator.set_faults(rate=0.3, seed=11)
    outcomes = []
    for n in range(40):
        try:
            outcomes.append(requests.post(shared_emulator.url + "/api/v1/app",
                                          json={"name": f"app {n}"},
                                          headers=shared_emulator.headers, timeout=10).status_code)
        except requests.ConnectionError:
            outcomes.append("reset")
    shared_emulator.set_faults(rate=0)
    faults = shared_emulator.stats()["faults"]
    assert sum(faults.values()) == len([o for o in outcomes if o != 201])
    committed = outcomes.count(201) + faults.get("commit-then-500", 0)
    assert len(api.get("/api/v1/app", params={"limit": 250}).json()["data"]) == committed
    make_app(api)
