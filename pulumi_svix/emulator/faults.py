"""Fault injection for reliability tests: errors, dropped connections, lost responses, latency.

Each Svix API request first waits ``latency_ms``, then with probability ``rate`` suffers one
fault drawn from ``kinds`` (a seeded RNG makes a run reproducible):

- ``500`` / ``503``: answered with that status, nothing done;
- ``429``: answered 429 with ``Retry-After`` (seconds), nothing done;
- ``reset``: the TCP connection is reset before any response byte;
- ``commit-then-500``: the request is performed (and committed), then answered 500: the
  response is "lost", which is how retries without idempotency keys create duplicates.
"""

import asyncio
import random
import socket
import struct
from dataclasses import asdict, dataclass, field

from .asgi import RAW_SEND, is_api, send_json

KINDS = ("500", "503", "429", "reset", "commit-then-500")


class FaultConfigError(ValueError):
    pass


@dataclass(frozen=True)
class FaultConfig:
    rate: float = 0.0
    kinds: tuple[str, ...] = KINDS
    latency_ms: int = 0
    seed: int | None = None
    retry_after: int = 1

    def __post_init__(self):
        if not 0.0 <= self.rate <= 1.0:
            raise FaultConfigError(f"rate must be between 0 and 1, got {self.rate}")
        unknown = set(self.kinds) - set(KINDS)
        if unknown or not self.kinds:
            raise FaultConfigError(
                f"kinds must be a non-empty subset of {', '.join(KINDS)}; got {list(self.kinds)}")
        if self.latency_ms < 0 or self.retry_after < 0:
            raise FaultConfigError("latency_ms and retry_after must be >= 0")

    @classmethod
    def from_json(cls, body: dict) -> "FaultConfig":
        """A complete configuration: omitted fields take their defaults."""
        if not isinstance(body, dict):
            raise FaultConfigError("expected a JSON object")
        unknown = set(body) - {"rate", "kinds", "latency_ms", "seed", "retry_after"}
        if unknown:
            raise FaultConfigError(f"unknown fields: {sorted(unknown)}")
        kinds = body.get("kinds") or KINDS
        if isinstance(kinds, str):
            kinds = kinds.split(",")
        try:
            return cls(rate=float(body.get("rate", 0.0)), kinds=tuple(map(str, kinds)),
                       latency_ms=int(body.get("latency_ms", 0)), seed=body.get("seed"),
                       retry_after=int(body.get("retry_after", 1)))
        except (TypeError, ValueError) as err:
            raise FaultConfigError(str(err)) from None

    def to_json(self) -> dict:
        out = asdict(self)
        out["kinds"] = list(self.kinds)
        return out


@dataclass
class Faults:
    """The live configuration, its RNG and the count of faults injected."""

    config: FaultConfig = field(default_factory=FaultConfig)

    def __post_init__(self):
        self.configure(self.config)

    def configure(self, config: FaultConfig) -> None:
        self.config = config
        self._rng = random.Random(config.seed)

    def pick(self) -> str | None:
        if self.config.rate and self._rng.random() < self.config.rate:
            return self._rng.choice(self.config.kinds)
        return None


_STATUS = {
    "500": (500, "server_error", "Internal Server Error (fault injected by the emulator)"),
    "503": (503, "service_unavailable", "Service Unavailable (fault injected by the emulator)"),
    "429": (429, "rate_limited", "Too Many Requests (fault injected by the emulator)"),
}


class InjectFaults:
    """ASGI layer applying the configured latency and faults to Svix API requests."""

    def __init__(self, app, faults: Faults, stats):
        self.app = app
        self.faults = faults
        self.stats = stats

    async def __call__(self, scope, receive, send):
        if not is_api(scope):
            return await self.app(scope, receive, send)
        config = self.faults.config
        if config.latency_ms:
            await asyncio.sleep(config.latency_ms / 1000)
        kind = self.faults.pick()
        if kind is None:
            return await self.app(scope, receive, send)
        self.stats.count_fault(kind)
        if kind == "reset":
            return await drop_connection(scope)
        if kind == "commit-then-500":
            await self.app(scope, receive, _discard)
            kind = "500"
        status, code, detail = _STATUS[kind]
        headers = {"Retry-After": config.retry_after} if status == 429 else None
        await send_json(send, status, {"code": code, "detail": detail}, headers)


async def _discard(message) -> None:
    """A ``send`` that throws the real response away (commit-then-500)."""


async def drop_connection(scope) -> None:
    """Reset the client's TCP connection before any response byte is written.

    ASGI has no "abort" message, so this reaches the uvicorn request cycle behind the
    server's own ``send`` (kept in the scope by the outermost layer), sets SO_LINGER 0 and
    aborts the transport: the client gets a connection reset.
    """
    cycle = getattr(scope.get(RAW_SEND), "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise RuntimeError("cannot reach the connection to reset it (not served by uvicorn?)")
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    cycle.disconnected = True  # tell uvicorn not to answer on the dead connection
