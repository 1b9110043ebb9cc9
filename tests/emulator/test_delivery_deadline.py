"""The delivery timeout is one deadline for the whole call, not a limit per read: a receiver that trickles its
answer (a byte at a time, each well within any per-read timeout) gets "no response within N s" after N s and
frees its delivery slot then. In-process, with a 1 s deadline (the emulator's is 15 s); about 3 s in all."""

import asyncio
import socket
import threading
import time

import pytest

from pulumi_svix.emulator.delivery import Delivery, DeliveryConfig
from pulumi_svix.emulator.store import Task

DEADLINE = 1.0


class Trickler:
    """A receiver on loopback that answers one byte every 0.2 s for about 4 s: its whole answer (``body``), or
    its headers at once and then the body (``headers_first``)."""

    def __init__(self, headers_first: bool):
        self.headers_first = headers_first
        self.stopped = threading.Event()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.getsockname()[1]}/hook"

    def _serve(self):
        try:
            connection, _ = self.server.accept()
        except OSError:
            return
        with connection:
            connection.recv(65536)
            body = b"x" * 20
            head = f"HTTP/1.1 200 OK\r\ncontent-length: {len(body)}\r\n\r\n".encode()
            trickled = body if self.headers_first else head + body
            try:
                if self.headers_first:
                    connection.sendall(head)
                for byte in trickled:
                    if self.stopped.wait(0.2):
                        return
                    connection.sendall(bytes([byte]))
            except OSError:
                return

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.server.close()
        self.thread.join(5)


def delivery() -> Delivery:
    return Delivery(store=None, config=DeliveryConfig(request_timeout=DEADLINE))


def test_a_body_trickled_byte_by_byte_ends_at_the_deadline():
    with Trickler(headers_first=True) as receiver:
        started = time.monotonic()
        outcome = delivery()._post(receiver.url, {}, b"{}")
        took = time.monotonic() - started
    assert outcome.status_code == 0 and outcome.body == f"no response within {DEADLINE:g} s", outcome
    assert took < DEADLINE + 0.6, took


class Recording(Delivery):
    def _record(self, task, endpoint, started, outcome):
        self.recorded = outcome


@pytest.mark.parametrize("headers_first", [False, True])
def test_a_trickling_receiver_gives_up_its_delivery_slot_at_the_deadline(headers_first):
    worker = Recording(store=None, config=DeliveryConfig(request_timeout=DEADLINE))
    task = Task(1, "app_1", "msg_1", "ep_1", 0.0, 0, 0)
    message = {"id": "msg_1", "payload": {"a": 1}}
    with Trickler(headers_first) as receiver:
        endpoint = {"id": "ep_1", "url": receiver.url, "_secret": "whsec_" + "QUJD" * 8}
        started = time.monotonic()
        asyncio.run(worker._deliver(task, endpoint, message))
        took = time.monotonic() - started
    assert worker.recorded.status_code == 0 and "no response within" in worker.recorded.body, worker.recorded
    assert took < DEADLINE + 0.6, took
