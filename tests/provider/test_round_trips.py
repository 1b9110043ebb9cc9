"""One round trip per resource where the API allows it, and no 4-call ceiling in the provider host.

Measured on the emulator's request log (``GET /_emulator/requests``: when each request started and
ended), with latency injected so that requests sent one after the other cannot overlap."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from pulumi_svix.resources import _servicer
from pulumi_svix.resources.application import ApplicationProvider
from pulumi_svix.resources.endpoint import EndpointProvider


def _overlapping(log: list) -> bool:
    """Every request of ``log`` started before any of them ended: they were in flight together."""
    return max(entry[0] for entry in log) < min(entry[1] for entry in log)


def test_an_endpoint_read_sends_its_three_gets_side_by_side(svix_settings, emulator):
    app = ApplicationProvider().create({"name": "A"}).id
    created = EndpointProvider().create({"app_id": app, "url": "https://hooks.example.com/a",
                                         "headers": {"X-Team": "billing"}})
    emulator.set_faults(latency_ms=300)
    try:
        before = len(emulator.request_log())
        read = EndpointProvider().read(created.id, created.outs)
        log = emulator.request_log()[before:]
    finally:
        emulator.set_faults()
    assert sorted(entry[2] for entry in log) == [
        "GET /api/v1/app/{app_id}/endpoint/{endpoint_id}",
        "GET /api/v1/app/{app_id}/endpoint/{endpoint_id}/headers",
        "GET /api/v1/app/{app_id}/endpoint/{endpoint_id}/secret"]
    assert _overlapping(log), log
    assert read.outs["secret"] == created.outs["secret"]
    assert read.outs["headers"] == {"X-Team": "billing"}


def test_a_read_of_a_deleted_endpoint_is_gone_not_an_error(svix_settings, emulator):
    app = ApplicationProvider().create({"name": "A"}).id
    provider = EndpointProvider()
    created = provider.create({"app_id": app, "url": "https://hooks.example.com/a"})
    provider.delete(created.id, created.outs)
    assert provider.read(created.id, created.outs).id is None


def test_rotating_by_trigger_is_one_call_and_the_state_holds_what_svix_holds(svix_settings, emulator):
    app = ApplicationProvider().create({"name": "A"}).id
    provider = EndpointProvider()
    inputs = {"app_id": app, "url": "https://hooks.example.com/a", "rotate_secret_trigger": "1"}
    created = provider.create(inputs)
    before = emulator.stats()["requests"]
    outs = provider.update(created.id, created.outs, {**inputs, "rotate_secret_trigger": "2"}).outs
    after = emulator.stats()["requests"]
    sent = {route: n - before.get(route, 0) for route, n in after.items() if n != before.get(route, 0)}
    assert sent == {"POST /api/v1/app/{app_id}/endpoint/{endpoint_id}/secret/rotate": 1}, sent
    assert outs["secret"] != created.outs["secret"]
    live = provider.read(created.id, outs).outs["secret"]
    assert live == outs["secret"]


PROVIDER_HOST = """
import sys, threading, time
from concurrent import futures
import grpc

def main():
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.start()
    threading.Thread(target=probe, args=(server,), daemon=True).start()
    time.sleep(30)

def probe(server):
    from pulumi_svix.resources import _servicer
    pool = server._state.thread_pool
    # 8 calls arrive together (as a destroy's deletes do) before the first one widens the pool: each
    # waits until all 8 run at once, which only a pool of 8 or more threads can do.
    barrier = threading.Barrier(8, timeout=10)
    calls = [pool.submit(barrier.wait) for _ in range(8)]
    ok = _servicer.widen_worker_pool(sys.modules["__main__"])
    together = all(call.exception(timeout=15) is None for call in calls)
    # and later bursts, after the pool has counted its finished calls as idle threads, grow it too
    barrier = threading.Barrier(16, timeout=10)
    calls = [pool.submit(barrier.wait) for _ in range(16)]
    later = all(call.exception(timeout=15) is None for call in calls)
    print(ok, pool._max_workers, together, later, flush=True)
    import os; os._exit(0)

main()
"""


def test_the_provider_hosts_worker_pool_is_widened_beyond_four(tmp_path):
    """The host's gRPC server is built as pulumi.dynamic's ``main()`` builds it (4 workers), and the
    widening runs on another thread while ``main()`` waits, as in the real host."""
    script = tmp_path / "host.py"
    script.write_text(textwrap.dedent(PROVIDER_HOST))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["True", str(_servicer.PROVIDER_THREADS), "True", "True"], done.stderr


def test_a_host_shaped_otherwise_keeps_its_pool_and_says_so(capsys):
    class SomeOtherHost:
        pass

    assert _servicer.widen_worker_pool(SomeOtherHost()) is False
    assert "could not find the worker pool" in capsys.readouterr().err
