"""A webhook receiver for delivery tests: a real HTTP server on loopback, in a thread.

Every POST is recorded (path, headers, body). ``answers[path]`` is the status it answers
there (200 by default), or a list of statuses used in turn (the last one repeats).
``gates[path]``, a threading.Event, holds the answers there until it is set.
"""

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict  # names lower-cased
    body: bytes
    at: float


class Receiver:
    def __init__(self):
        self.received: list[Received] = []
        self.answers: dict[str, object] = {}
        self.gates: dict[str, threading.Event] = {}
        self.response_body = b"ok"
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver.received.append(Received(
                        self.path, {k.lower(): v for k, v in self.headers.items()}, body,
                        time.time()))
                    status = receiver._next_status(self.path)
                    payload = receiver.response_body
                    gate = receiver.gates.get(self.path)
                if gate is not None:
                    gate.wait(30)
                self.send_response(status)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):  # quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _next_status(self, path: str) -> int:
        answer = self.answers.get(path, 200)
        if isinstance(answer, list):
            return answer.pop(0) if len(answer) > 1 else answer[0]
        return answer

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "Receiver":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def at(self, path: str) -> list[Received]:
        with self._lock:
            return [item for item in self.received if item.path == path]

    def wait_for(self, path: str, count: int = 1, timeout: float = 10.0) -> list[Received]:
        """The requests received at ``path`` once there are ``count`` of them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.at(path)
            if len(got) >= count:
                return got
            time.sleep(0.02)
        raise AssertionError(f"{path}: {len(self.at(path))} request(s) after {timeout} s, "
                             f"expected {count}")
