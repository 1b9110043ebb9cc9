"""Local webhook receivers: the customers' endpoints of the demo (``scripts/demo.py --with-receivers``) and of
the ``pulumi-svix verify`` tests.

One HTTP server on 127.0.0.1 (a thread of the calling process: it ends with it), a route per endpoint path
(``/acme/billing``). A route answers as a careful customer's endpoint does: 401 when the Svix signature
does not verify with the endpoint's signing secret (checked with the official ``svix`` SDK), else its
status (204, or 500 for a route told to fail). Unknown paths are 404. Every delivery is recorded.

    with Receivers() as receivers:
        receivers.route("/acme/billing", secret="whsec_...")
        receivers.route("/acme/users", status=500)
        ... receivers.url + "/acme/billing" ...
        receivers.deliveries    # [Delivery(path, headers, body, answered)]

Importable from scripts/ (``from receivers import Receivers``) and from the repository root
(``from scripts.receivers import Receivers``).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from svix.webhooks import Webhook, WebhookVerificationError


@dataclass
class Route:
    status: int = 204
    secret: str | None = None  # the endpoint's signing secret: deliveries must be signed with it
    delay: float = 0.0  # seconds to wait before answering (a slow endpoint)
    answer: str = ""  # the response body (tests: what a hostile receiver says)


@dataclass
class Delivery:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int
    signature_ok: bool | None  # None: the route has no secret to check against

    @property
    def payload(self) -> object:
        return json.loads(self.body or b"null")


@dataclass
class Receivers:
    host: str = "127.0.0.1"
    port: int = 0  # 0: a free port
    routes: dict[str, Route] = field(default_factory=dict)
    deliveries: list[Delivery] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._server: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()

    def route(self, path: str, *, status: int = 204, secret: str | None = None, delay: float = 0.0,
              answer: str = "") -> None:
        self.routes["/" + path.strip("/")] = Route(status, secret, delay, answer)

    @property
    def url(self) -> str:
        assert self._server is not None, "receivers not started"
        return f"http://{self.host}:{self._server.server_address[1]}"

    def start(self) -> "Receivers":
        receivers = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 — http.server's naming
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                receivers._answer(self, body)

            def log_message(self, *args) -> None:  # quiet: the demo prints its own summary
                pass

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="receivers", daemon=True).start()
        return self

    def _answer(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        path = handler.path.split("?", 1)[0].rstrip("/")
        route = self.routes.get(path)
        headers = {k.lower(): v for k, v in handler.headers.items()}
        signature_ok = None
        if route is None:
            status, text = 404, f"no receiver at {path}"
        else:
            time.sleep(route.delay)
            if route.secret is not None:
                try:
                    Webhook(route.secret).verify(body, headers)
                    signature_ok = True
                except WebhookVerificationError:
                    signature_ok = False
            status, text = (401, "invalid signature") if signature_ok is False else (route.status, route.answer)
        with self._lock:
            self.deliveries.append(Delivery(path, headers, body, status, signature_ok))
        data = text.encode()
        try:
            handler.send_response(status)
            handler.send_header("content-length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except OSError:  # the sender gave up waiting (a slow route): nothing left to answer
            pass

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()

    def __enter__(self) -> "Receivers":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
