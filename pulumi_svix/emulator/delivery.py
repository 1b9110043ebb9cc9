"""Message delivery: the emulator's own worker, as svix-server's ``worker`` delivers.

Every message is stored with one task per destination endpoint (``Store.add_message``); the
worker, an asyncio task on the server's event loop, claims the tasks that are due and sends
each as an HTTP POST of the payload, signed (``signing``), with the endpoint's headers. The
HTTP call runs in a daemon thread (``requests``), at most ``concurrency`` at a time, so the
API never waits for a receiver; stopping the emulator abandons calls in flight, whose tasks
stay in SQLite and run again at the next start, like every task not yet due (a retry).

A call has 15 s in all (connecting, headers and body: a deadline, not a limit per read), after
which its slot is free and the attempt failed. Each call is recorded as an attempt (status
code, response body truncated to 20,000 bytes, duration, trigger type). A failed scheduled attempt is retried on the retry schedule (Svix's:
5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; no jitter here, so tests can count on it); after
the last one the destination is marked failed. A manual attempt (resend, recover) is never
retried. An endpoint's ``throttleRate`` (messages per second) spaces its deliveries.

Only addresses inside the allowed networks (``--allow-delivery-to``, loopback by default)
are called; any other URL gets a failed attempt that says why, with status code 0.
"""

import asyncio
import base64
import ipaddress
import json
import logging
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit

import requests

from . import signing
from .ids import ATTEMPT_PREFIX, new_id
from .store import Store, Task

log = logging.getLogger("pulumi_svix.emulator.delivery")

# MessageStatus (of a destination and of an attempt) and MessageAttemptTriggerType.
SUCCESS, PENDING, FAIL, SENDING = 0, 1, 2, 3
STATUS_TEXT = {SUCCESS: "success", PENDING: "pending", FAIL: "fail", SENDING: "sending"}
SCHEDULED, MANUAL = 0, 1

SVIX_RETRY_SCHEDULE = (5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0)
DEFAULT_ALLOWED_NETWORKS = ("127.0.0.0/8", "::1/128")
DEFAULT_CONCURRENCY = 8
REQUEST_TIMEOUT_SECONDS = 15  # one deadline per call: connecting, the headers and the body
RESPONSE_MAX_SIZE = 20_000  # bytes of a response body kept, as svix-server keeps
USER_AGENT = "Svix-Webhooks/pulumi-svix-emulator"
IDLE_POLL_SECONDS = 1.0


def parse_retry_schedule(text: str) -> tuple[float, ...]:
    """``"0.1,0.2,0.4"`` -> (0.1, 0.2, 0.4): seconds between a failed attempt and the next."""
    try:
        delays = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise ValueError(f"--retry-schedule must be comma-separated seconds, got {text!r}") from None
    if any(delay < 0 for delay in delays):
        raise ValueError(f"--retry-schedule delays must be >= 0, got {text!r}")
    return delays


def parse_networks(cidrs) -> tuple:
    try:
        return tuple(ipaddress.ip_network(cidr.strip(), strict=False) for cidr in cidrs)
    except ValueError as err:
        raise ValueError(f"--allow-delivery-to: {err}") from None


def iso(epoch: float) -> str:
    stamp = datetime.fromtimestamp(epoch, timezone.utc)
    return stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class DeliveryConfig:
    retry_schedule: tuple[float, ...] = SVIX_RETRY_SCHEDULE
    allowed_networks: tuple = parse_networks(DEFAULT_ALLOWED_NETWORKS)
    concurrency: int = DEFAULT_CONCURRENCY
    request_timeout: float = REQUEST_TIMEOUT_SECONDS  # the whole call's deadline


@dataclass
class Outcome:
    status_code: int  # 0: no HTTP response (refused, timeout, address not allowed)
    body: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return 200 <= self.status_code < 300


class Delivery:
    """The worker. ``start()`` and ``stop()`` run on the server's event loop; ``wake()`` tells
    it that new tasks are due (the API calls it after storing a message)."""

    def __init__(self, store: Store, config: DeliveryConfig = DeliveryConfig()):
        self.store = store
        self.config = config
        self._wakeup: asyncio.Event | None = None
        self._runner: asyncio.Task | None = None
        self._in_flight: set[asyncio.Task] = set()
        self._next_send: dict[str, float] = {}  # endpoint id -> its next free slot (throttle)
        self._reserved: dict[int, float] = {}  # task id -> the slot booked for it

    # --- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        self.store.release_claims()
        self._wakeup = asyncio.Event()
        self._runner = asyncio.create_task(self._run(), name="svix-delivery")

    async def stop(self) -> None:
        if self._runner is None:
            return
        runner, self._runner = self._runner, None
        runner.cancel()
        for task in list(self._in_flight):
            task.cancel()
        await asyncio.gather(runner, *self._in_flight, return_exceptions=True)
        self.store.release_claims()

    def wake(self) -> None:
        if self._wakeup is not None:
            self._wakeup.set()

    # --- the loop --------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            self._wakeup.clear()
            free = self.config.concurrency - len(self._in_flight)
            if free > 0:
                for task in self.store.claim_due(time.time(), free):
                    self._begin(task)
            await self._sleep()

    async def _sleep(self) -> None:
        timeout = IDLE_POLL_SECONDS
        if len(self._in_flight) < self.config.concurrency:
            due = self.store.next_due()
            if due is not None:
                timeout = min(timeout, max(due - time.time(), 0.0))
        try:
            await asyncio.wait_for(self._wakeup.wait(), timeout)
        except asyncio.TimeoutError:
            pass

    def _begin(self, task: Task) -> None:
        endpoint = self.store.get("endpoint", task.endpoint_id, parent=task.app_id)
        message = self.store.message_by_id(task.msg_id)
        if (endpoint is None or message is None or endpoint.get("disabled")
                or message.get("_expunged")):
            # Svix: a removed or disabled endpoint gets no more attempts; nor does a message
            # whose payload was deleted.
            self.store.drop_task(task, FAIL)
            return
        state = self.store.destination(task.msg_id, task.endpoint_id)
        if task.trigger_type == SCHEDULED and state and state[0] in (SUCCESS, FAIL):
            # A scheduled retry after a resend settled it (svix-server skips it too).
            self.store.drop_task(task, None)
            return
        now = time.time()
        rate = endpoint.get("throttleRate")
        if rate and self._reserved.pop(task.id, None) is None:
            # Book the endpoint's next free slot; a task booked for later comes back then.
            start = max(now, self._next_send.get(endpoint["id"], 0.0))
            self._next_send[endpoint["id"]] = start + 1.0 / rate
            if start > now:
                self._reserved[task.id] = start
                self.store.postpone(task, start)
                return
        self.store.set_destination_status(task, SENDING)
        job = asyncio.create_task(self._deliver(task, endpoint, message))
        self._in_flight.add(job)
        job.add_done_callback(self._done)

    def _done(self, job: asyncio.Task) -> None:
        self._in_flight.discard(job)
        if not job.cancelled() and job.exception() is not None:
            log.error("delivery failed unexpectedly", exc_info=job.exception())
        self.wake()

    # --- one attempt -----------------------------------------------------------------

    async def _deliver(self, task: Task, endpoint: dict, message: dict) -> None:
        started = int(time.time() * 1000) / 1000  # whole milliseconds, as the timestamp shows
        body = json.dumps(message["payload"], separators=(",", ":"),
                          ensure_ascii=False).encode()
        timestamp = int(started)
        headers = {
            **endpoint.get("_headers", {}),
            "svix-id": message["id"],
            "svix-timestamp": str(timestamp),
            "svix-signature": signing.signature_header(
                signing.valid_secrets(endpoint, started), message["id"], timestamp, body),
            "user-agent": USER_AGENT,
            "content-type": "application/json",
        }
        deadline = self.config.request_timeout
        try:
            outcome = await asyncio.wait_for(
                _in_daemon_thread(self._post, endpoint["url"], headers, body), deadline)
        except asyncio.TimeoutError:
            # A receiver still trickling its answer: the slot is freed now. The thread ends by
            # itself (its next read past the deadline, or the per-read timeout); its result is dropped.
            outcome = self._timed_out(int(deadline * 1000))
        self._record(task, endpoint, started, outcome)

    def _timed_out(self, duration_ms: int) -> Outcome:
        return Outcome(0, f"no response within {self.config.request_timeout:g} s", duration_ms)

    def _post(self, url: str, headers: dict, body: bytes) -> Outcome:
        """Runs in a thread: the HTTP call, or why it was not made. The timeout is one deadline for
        the whole call: ``requests``' timeout bounds each read, so the body is read a chunk at a
        time (``read1``: whatever has arrived) and the deadline checked between reads."""
        clock = time.monotonic()
        deadline = clock + self.config.request_timeout
        refusal = self._refusal(url)
        if refusal:
            return Outcome(0, refusal, 0)
        try:
            with requests.Session() as session:
                session.trust_env = False  # no proxy from the environment: we call the URL
                left = max(deadline - time.monotonic(), 0.001)
                response = session.post(url, data=body, headers=headers, stream=True,
                                        timeout=left, allow_redirects=False)
                with response:
                    raw = b""
                    while len(raw) < RESPONSE_MAX_SIZE:
                        if time.monotonic() >= deadline:
                            return self._timed_out(_ms_since(clock))
                        chunk = response.raw.read1(RESPONSE_MAX_SIZE - len(raw), decode_content=True)
                        if not chunk:
                            break
                        raw += chunk
                    status = response.status_code
        except requests.Timeout:
            return self._timed_out(_ms_since(clock))
        except requests.ConnectionError:  # the URL is left out: it may carry a token
            return Outcome(0, "connection failed (refused, reset or unreachable)",
                           _ms_since(clock))
        except requests.RequestException as err:
            return Outcome(0, f"error sending request: {type(err).__name__}", _ms_since(clock))
        return Outcome(status, _text(raw), _ms_since(clock))

    def _refusal(self, url: str) -> str | None:
        """Why the emulator will not call ``url`` (an address outside the allowed networks)."""
        parts = urlsplit(url)
        try:
            infos = socket.getaddrinfo(parts.hostname, parts.port or 80, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as err:
            return f"cannot resolve {parts.hostname!r}: {err}"
        allowed = self.config.allowed_networks
        for info in infos:
            address = ipaddress.ip_address(info[4][0].split("%")[0])
            if not any(address.version == net.version and address in net for net in allowed):
                networks = ", ".join(str(net) for net in allowed)
                return (f"delivery to {address} ({parts.hostname}) is not allowed by the "
                        f"emulator: it delivers only to {networks} (--allow-delivery-to CIDR)")
        return None

    def _record(self, task: Task, endpoint: dict, started: float, outcome: Outcome) -> None:
        retry_due = next_attempt = None
        if outcome.ok:
            status = SUCCESS
        elif task.trigger_type == SCHEDULED and task.attempt_count < len(self.config.retry_schedule):
            status = PENDING
            retry_due = time.time() + self.config.retry_schedule[task.attempt_count]
            next_attempt = iso(retry_due)
        else:
            status = FAIL
        attempt_status = SUCCESS if outcome.ok else FAIL
        attempt = {
            "id": new_id(ATTEMPT_PREFIX),
            "msgId": task.msg_id,
            "endpointId": task.endpoint_id,
            "url": endpoint["url"],
            "response": outcome.body,
            "responseStatusCode": outcome.status_code,
            "responseDurationMs": outcome.duration_ms,
            "status": attempt_status,
            "statusText": STATUS_TEXT[attempt_status],
            "triggerType": task.trigger_type,
            "timestamp": iso(started),
        }
        self.store.finish_task(task, attempt, started, status, retry_due, next_attempt)


def _ms_since(clock: float) -> int:
    return int((time.monotonic() - clock) * 1000)


def _text(raw: bytes) -> str:
    """A response body as svix-server keeps it: UTF-8 text, else base64."""
    try:
        return raw.decode()
    except UnicodeDecodeError:
        return base64.b64encode(raw).decode()


def _in_daemon_thread(function, *args) -> asyncio.Future:
    """Run ``function`` in a daemon thread: a receiver that never answers cannot hold up the
    emulator's exit (an executor's threads are joined at exit)."""
    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def settle(result, error):
        if not future.done():
            future.set_exception(error) if error else future.set_result(result)

    def run():
        try:
            result, error = function(*args), None
        except BaseException as err:  # handed to the awaiting coroutine
            result, error = None, err
        try:
            loop.call_soon_threadsafe(settle, result, error)
        except RuntimeError:  # the loop is closed: the emulator stopped meanwhile
            pass

    threading.Thread(target=run, daemon=True, name="svix-delivery-call").start()
    return future
