"""Small ASGI helpers shared by the emulator's layers."""

import json

API_PREFIX = "/api/"
ADMIN_PREFIX = "/_emulator"
HEALTH_PATH = "/api/v1/health"
RAW_SEND = "emulator.raw_send"  # scope key: the server's own send (see faults.drop_connection)


def is_api(scope) -> bool:
    return scope["type"] == "http" and scope["path"].startswith(API_PREFIX)


def header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def bearer_token(scope) -> str | None:
    value = header(scope, b"authorization") or ""
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


async def send_json(send, status: int, body, headers: dict | None = None) -> None:
    payload = json.dumps(body).encode()
    await send_bytes(send, status, payload, "application/json", headers)


async def send_bytes(send, status: int, payload: bytes, media: str | None,
                     headers: dict | None = None) -> None:
    raw_headers = [(b"content-length", str(len(payload)).encode())]
    if media:
        raw_headers.append((b"content-type", media.encode()))
    raw_headers += [(k.lower().encode(), str(v).encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": payload})


class ResponseRecorder:
    """Wraps ``send`` to remember status, content type and body; optionally swallows them."""

    def __init__(self, send, forward: bool = True):
        self._send = send
        self._forward = forward
        self.status: int | None = None
        self.media = ""
        self.chunks: list[bytes] = []

    async def __call__(self, message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            for key, value in message.get("headers", ()):
                if key.lower() == b"content-type":
                    self.media = value.decode("latin-1")
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))
        if self._forward:
            await self._send(message)

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)


async def read_body(receive) -> tuple[bytes, object]:
    """Read the whole request body; returns it and a ``receive`` that replays it."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    body = b"".join(chunks)
    replayed = False

    async def replay():
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay
