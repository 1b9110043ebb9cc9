"""Idempotency keys, as Svix implements them.

A POST carrying an ``idempotency-key`` header gets the stored status and body of the first
successful (2xx) response for the same (token, key, path) during 12 hours. A duplicate that
arrives while the first is still running waits for it. Failed responses are not kept, so a
retry after a failure runs again. Records live in SQLite and survive a restart.
"""

import asyncio
import hashlib

from .asgi import ResponseRecorder, bearer_token, header, is_api, send_bytes

TTL_SECONDS = 12 * 3600


class Idempotency:
    def __init__(self, app, store):
        self.app = app
        self.store = store
        self._running: dict[tuple, asyncio.Event] = {}

    async def __call__(self, scope, receive, send):
        key = header(scope, b"idempotency-key") if is_api(scope) else None
        if not key or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        token = hashlib.sha256((bearer_token(scope) or "").encode()).hexdigest()
        ident = (token, key, scope["path"])
        while True:
            stored = self.store.idempotent_response(*ident, ttl=TTL_SECONDS)
            if stored is not None:
                status, body, media = stored
                return await send_bytes(send, status, body, media or None)
            running = self._running.get(ident)
            if running is None:
                break
            await running.wait()
        self._running[ident] = done = asyncio.Event()
        try:
            recorder = ResponseRecorder(send)
            await self.app(scope, receive, recorder)
            if recorder.status is not None and 200 <= recorder.status < 300:
                self.store.remember_response(*ident, recorder.status, recorder.body,
                                             recorder.media)
        finally:
            del self._running[ident]
            done.set()
