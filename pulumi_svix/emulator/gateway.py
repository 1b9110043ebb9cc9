"""The outer ASGI layers: trailing slashes, request statistics, authentication."""

import hmac
import threading
import time
from collections import Counter, deque

from starlette.routing import Match

from .asgi import ADMIN_PREFIX, HEALTH_PATH, RAW_SEND, bearer_token, is_api, send_json


class NormalizePath:
    """Outermost layer: ``/api/v1/app/`` is ``/api/v1/app`` (v1.4.0 clients add the slash).

    Also keeps the server's own ``send`` in the scope for faults.drop_connection.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            scope[RAW_SEND] = send
            path = scope["path"]
            if len(path) > 1 and path.endswith("/"):
                scope["path"] = path.rstrip("/") or "/"
                scope["raw_path"] = scope["path"].encode()
        await self.app(scope, receive, send)


# The request log keeps the last this-many requests (a long-lived emulator must not grow forever).
REQUEST_LOG_SIZE = 200_000


class Stats:
    """Svix API requests per "METHOD /route/{template}", faults injected per kind, and a log of
    when each request started and ended (benchmarks read from it how many were in flight)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self.requests: Counter = Counter()
            self.faults: Counter = Counter()
            self.log: deque = deque(maxlen=REQUEST_LOG_SIZE)

    def log_request(self, key: str, path: str, started: float, ended: float) -> None:
        with self._lock:
            self.log.append((round(started, 6), round(ended, 6), key, path))

    def request_log(self) -> list:
        with self._lock:
            return list(self.log)

    def count_request(self, key: str) -> None:
        with self._lock:
            self.requests[key] += 1

    def count_fault(self, kind: str) -> None:
        with self._lock:
            self.faults[kind] += 1

    def snapshot(self) -> dict:
        with self._lock:
            return {"total": sum(self.requests.values()), "requests": dict(self.requests),
                    "faults": dict(self.faults)}


def route_template(routes, scope) -> str:
    """The route's path template (``/api/v1/app/{app_id}``), or the path if none matches."""
    partial = None
    for route in routes:
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return route.path
        if match == Match.PARTIAL and partial is None:
            partial = route.path
    return partial or scope["path"]


class CountRequests:
    def __init__(self, app, stats: Stats, routes):
        self.app = app
        self.stats = stats
        self.routes = routes

    async def __call__(self, scope, receive, send):
        if not is_api(scope):
            return await self.app(scope, receive, send)
        key = f"{scope['method']} {route_template(self.routes, scope)}"
        self.stats.count_request(key)
        started = time.time()
        try:
            await self.app(scope, receive, send)
        finally:  # from arrival to the last byte sent: what a client sees as "in flight"
            self.stats.log_request(key, scope["path"], started, time.time())


class Authenticate:
    """``Authorization: Bearer <token>`` on the Svix API (health excepted) and admin routes.

    ``detail``: the 401's message, which differs between Svix Cloud and svix-server.
    """

    def __init__(self, app, token: str, detail: str = "Incorrect authentication credentials."):
        self.app = app
        self.token = token.encode()
        self.detail = detail

    def _protected(self, scope) -> bool:
        if scope["type"] != "http":
            return False
        path = scope["path"]
        return (is_api(scope) and path != HEALTH_PATH) or path.startswith(ADMIN_PREFIX)

    async def __call__(self, scope, receive, send):
        if self._protected(scope):
            given = (bearer_token(scope) or "").encode()
            if not hmac.compare_digest(given, self.token):
                return await send_json(send, 401, {"code": "authentication_failed",
                                                   "detail": self.detail})
        await self.app(scope, receive, send)
