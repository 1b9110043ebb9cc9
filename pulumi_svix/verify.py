"""``pulumi-svix verify``: do the endpoints a deploy configured actually receive and accept events?

For each application named with ``--app`` it lists the endpoints, and for each event type (all live ones, or
those named with ``--event-type``) that at least one enabled endpoint subscribes to, it sends one test message
and waits for that message's delivery attempt to each of those endpoints. An endpoint subscribes to an event
type when its filter names it or it has no filter; endpoints that filter on channels get the message only when
it carries one of their channels, so the message carries one channel of each (Svix allows 10 a message: more
take more messages). Disabled endpoints are not sent anything and are listed as not targeted.

Outcomes come from the message's attempts (``GET …/attempt/msg/{msg_id}``): the first finished attempt for the
endpoint decides (a 2xx is accepted; anything else, or no answer at all, is a failure); none within the
timeout is "no attempt within N s". These are real messages to real endpoints: their eventId starts with
``pulumi-svix-verify-`` so receivers and the Svix dashboard can tell them apart.
"""

from __future__ import annotations

import json
import re
import secrets
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote, urlsplit, urlunsplit

from .client import SvixApiError, SvixError

EVENT_ID_PREFIX = "pulumi-svix-verify-"
MAX_CHANNELS_PER_MESSAGE = 10  # MessageIn.channels maxItems
SUCCESS, FAIL = 0, 2  # MessageStatus of a finished attempt (1 pending and 3 sending are not finished)
# Application uids and ids, and event type names, as Svix allows them: anything else cannot exist.
NAME_PATTERN = re.compile(r"^[a-zA-Z0-9\-_.]+$")
RESPONSE_SHOWN = 80  # characters of an endpoint's answer shown with a failure
REASON_SHOWN = 300  # characters of Svix's reason for a call that got no HTTP answer (it ends with a hint)


class VerifyError(Exception):
    """Verify could not start (an unknown application or event type, a bad payload file): one line."""


class Unfinished(Exception):
    """Svix failed after test messages were sent: ``results`` holds every row known (the messages sent, with
    their ids), the ones whose outcome is unknown as failed."""

    def __init__(self, error: Exception, results: list["Result"]) -> None:
        super().__init__(str(error))
        self.results = results


@dataclass
class Result:
    """One row: what happened to the test message of one event type at one endpoint (or why none was sent)."""

    application: str  # uid, else id
    application_id: str
    endpoint: str  # uid, else the URL as shown
    endpoint_id: str
    url: str  # as shown: no credentials, no query
    event_type: str | None
    outcome: str  # "accepted", "failed" or "not targeted"
    status_code: int | None = None
    duration_ms: int | None = None
    message_id: str | None = None
    detail: str = ""


@dataclass
class Message:
    """A test message to send: one event type, to these endpoints of one application."""

    app: dict
    event_type: str
    channels: list[str] | None
    endpoints: list[dict]
    id: str | None = None
    sent_at: float = 0.0


# --- who gets what -------------------------------------------------------------------------------------

def subscribes(endpoint: dict, event_type: str) -> bool:
    """Svix's rule: an endpoint receives the event types its filter names, or all when it has no filter
    (``eventTypes``; older servers also say ``filterTypes``)."""
    wanted = endpoint.get("eventTypes") or endpoint.get("filterTypes")
    return not wanted or event_type in wanted


def channel_batches(endpoints: list[dict]) -> list[tuple[list[str] | None, list[dict]]]:
    """``[(channels of a message, endpoints it is sent to)]``: every endpoint in exactly one batch.

    An endpoint that filters on channels receives a message carrying one of them; one without channels
    receives every message (and is looked at in the first batch only). Channels are picked greedily, the
    one that most endpoints still need first, at most MAX_CHANNELS_PER_MESSAGE per message."""
    free = [ep for ep in endpoints if not ep.get("channels")]
    waiting = [ep for ep in endpoints if ep.get("channels")]
    if not waiting:
        return [(None, free)]
    batches: list[tuple[list[str] | None, list[dict]]] = []
    while waiting:
        channels: list[str] = []
        reached: list[dict] = []
        while waiting and len(channels) < MAX_CHANNELS_PER_MESSAGE:
            counts: dict[str, int] = {}
            for ep in waiting:
                for channel in ep["channels"]:
                    counts[channel] = counts.get(channel, 0) + 1
            best = min(counts, key=lambda c: (-counts[c], c))
            channels.append(best)
            reached += [ep for ep in waiting if best in ep["channels"]]
            waiting = [ep for ep in waiting if best not in ep["channels"]]
        batches.append((channels, reached))
    batches[0] = (batches[0][0], free + batches[0][1])
    return batches


def example_payload(event_type: dict) -> dict | None:
    """The first of the ``examples`` of the event type's newest schema version, if it is an object."""
    schemas = event_type.get("schemas")
    if not isinstance(schemas, dict) or not schemas:
        return None
    newest = max(schemas, key=lambda version: (int(version) if str(version).isdigit() else -1, str(version)))
    schema = schemas[newest]
    examples = schema.get("examples") if isinstance(schema, dict) else None
    if isinstance(examples, list) and examples and isinstance(examples[0], dict):
        return examples[0]
    return None


def shown_url(url: str) -> str:
    """An endpoint URL as printed: scheme, host and port only. The user and password, the path (``/…``: Slack-
    style URLs carry their token there) and the query (``?…``) may each hold a credential."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
    except ValueError:
        return "(unparseable URL)"
    path = "/…" if parts.path.strip("/") else parts.path
    return urlunsplit((parts.scheme, netloc, path, "…" if parts.query else "", ""))


def printable(text: str) -> str:
    """``text`` with every control or other non-printable character escaped (``\\x1b``, ``\\u202e``): what
    receivers and servers send must not drive the terminal (erase rows, move the cursor, hide the rest)."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


def _cut(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut between words (``…`` says so)."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"


def deciding_attempt(attempts: list[dict]) -> dict | None:
    """The first finished attempt (success or failure), by time; None while there is none."""
    finished = [a for a in attempts if a.get("status") in (SUCCESS, FAIL)]
    return min(finished, key=lambda a: (a.get("timestamp") or "", a.get("id") or "")) if finished else None


# --- talking to Svix --------------------------------------------------------------------------------------

def _label(obj: dict) -> str:
    return obj.get("uid") or obj["id"]


def _endpoint_result(app: dict, ep: dict, event_type: str | None, outcome: str, **more: Any) -> Result:
    url = shown_url(ep.get("url") or "")
    return Result(_label(app), app["id"], ep.get("uid") or f"{ep['id']} ({url})", ep["id"], url, event_type,
                  outcome, **more)


def find_applications(api: Any, wanted: list[str]) -> list[dict]:
    """The applications named (uid or id), each once, in the order given; all must exist."""
    apps, missing = [], []
    for name in dict.fromkeys(wanted):
        app = api.get(f"/api/v1/app/{quote(name)}", missing_ok=True) if NAME_PATTERN.match(name) else None
        if app is None:
            missing.append(name)
        elif app["id"] not in {a["id"] for a in apps}:
            apps.append(app)
    if missing:
        raise VerifyError(f"no application with uid or id {', '.join(missing)}")
    return apps


def find_event_types(api: Any, wanted: list[str] | None) -> dict[str, dict]:
    """The live (not archived) event types by name: all of them, or those named, which must exist."""
    live = {t["name"]: t for t in api.list_all("/api/v1/event-type", {"with_content": "true"})
            if not t.get("archived")}
    if not wanted:
        return live
    missing = [name for name in dict.fromkeys(wanted) if name not in live]
    if missing:
        raise VerifyError(f"no live event type {', '.join(missing)} (archived ones are not sent)")
    return {name: live[name] for name in dict.fromkeys(wanted)}


def plan(api: Any, apps: list[dict], event_types: dict[str, dict]) -> tuple[list[Message], list[Result]]:
    """The messages to send, and a row for each endpoint that gets none (disabled, or subscribed to none of
    the event types)."""
    messages: list[Message] = []
    untargeted: list[Result] = []
    for app in apps:
        endpoints = api.list_all(f"/api/v1/app/{app['id']}/endpoint")
        enabled = [ep for ep in endpoints if not ep.get("disabled")]
        untargeted += [_endpoint_result(app, ep, None, "not targeted", detail="endpoint disabled")
                       for ep in endpoints if ep.get("disabled")]
        for ep in enabled:
            if not any(subscribes(ep, name) for name in event_types):
                untargeted.append(_endpoint_result(app, ep, None, "not targeted",
                                                   detail="subscribed to none of the event types verified"))
        for name in event_types:
            subscribed = [ep for ep in enabled if subscribes(ep, name)]
            if subscribed:
                messages += [Message(app, name, channels, batch) for channels, batch in channel_batches(subscribed)]
    return messages, untargeted


def send(api: Any, message: Message, payload: dict, run_id: str, number: int) -> None:
    """Creates the test message (Svix then delivers it); its id and send time are kept on ``message``."""
    body: dict[str, Any] = {"eventType": message.event_type, "eventId": f"{EVENT_ID_PREFIX}{run_id}-{number}",
                            "payload": payload}
    if message.channels:
        body["channels"] = message.channels
    created = api.post(f"/api/v1/app/{message.app['id']}/msg", body)
    message.id, message.sent_at = created["id"], time.monotonic()


def _outcome(message: Message, ep: dict, attempt: dict) -> Result:
    code, ms = attempt.get("responseStatusCode") or 0, attempt.get("responseDurationMs")
    common = {"status_code": code or None, "duration_ms": ms, "message_id": message.id}
    if attempt["status"] == SUCCESS:
        return _endpoint_result(message.app, ep, message.event_type, "accepted", **common)
    answer = " ".join(str(attempt.get("response") or "").split())
    if code:  # the endpoint's own answer: its start is enough
        answer = _cut(answer, RESPONSE_SHOWN)
        detail = f"HTTP {code}, {ms} ms" + (f": {answer}" if answer else "")
    else:  # Svix's reason (refused, timed out, not allowed): whole, its hint is at the end
        answer = _cut(answer, REASON_SHOWN)
        detail = f"no HTTP answer after {ms} ms" + (f" ({answer})" if answer else "")
    return _endpoint_result(message.app, ep, message.event_type, "failed", detail=detail, **common)


def wait_for_attempts(api: Any, messages: list[Message], timeout: float,
                      on_poll: Callable[[int, float], None] = lambda pending, waited: None,
                      sleep: Callable[[float], None] = time.sleep) -> list[Result]:
    """Polls each message's attempts until every endpoint it was sent to has a finished one, or ``timeout``
    seconds after the message was sent. A failing Svix raises Unfinished with the rows known."""
    results: list[Result] = []
    pending = {id(m): {ep["id"]: ep for ep in m.endpoints} for m in messages if m.id}
    started, interval = time.monotonic(), 0.2
    while any(pending.values()):
        for message in messages:
            waiting = pending.get(id(message))
            if not waiting:
                continue
            try:
                attempts = api.list_all(f"/api/v1/app/{message.app['id']}/attempt/msg/{message.id}")
            except SvixError as error:
                raise Unfinished(error, results + [
                    _endpoint_result(m.app, ep, m.event_type, "failed", message_id=m.id,
                                     detail="outcome unknown: Svix stopped answering (its attempts, not read)")
                    for m in messages for ep in pending.get(id(m), {}).values()]) from None
            for endpoint_id in list(waiting):
                attempt = deciding_attempt([a for a in attempts if a.get("endpointId") == endpoint_id])
                if attempt is not None:
                    results.append(_outcome(message, waiting.pop(endpoint_id), attempt))
            if waiting and time.monotonic() - message.sent_at >= timeout:
                results += [_endpoint_result(message.app, ep, message.event_type, "failed", message_id=message.id,
                                             detail=f"no attempt within {timeout:g} s")
                            for ep in waiting.values()]
                waiting.clear()
        left = sum(len(w) for w in pending.values())
        on_poll(left, time.monotonic() - started)
        if left:
            sleep(interval)
            interval = min(1.0, interval * 1.5)
    return results


def _check_sendable(payload: dict, where: str) -> None:
    """JSON has no NaN or infinity (Python's json reads them; Svix, and the HTTP client, refuse them)."""
    try:
        json.dumps(payload, allow_nan=False)
    except ValueError:
        raise VerifyError(f"{where}: holds NaN or an infinite number, which JSON cannot carry") from None


def _find_event_types_at_the_right_url(api: Any, wanted: list[str] | None) -> dict[str, dict]:
    """find_event_types; a missing event type list (which every Svix has) means --server-url points
    below the server's root, e.g. with ``/api/v1`` appended (then every application would look missing)."""
    try:
        return find_event_types(api, wanted)
    except SvixApiError as error:
        if error.status != 404:
            raise
        raise VerifyError(f"{getattr(api, 'server_url', 'the server')} has no /api/v1/event-type (HTTP 404): "
                          "--server-url is the server's root URL, without /api/v1") from None


def verify(api: Any, app_names: list[str], event_type_names: list[str] | None, fallback_payload: dict | None,
           timeout: float, progress: Callable[[str], None] = lambda text: None) -> list[Result]:
    """Every row: a result per (endpoint, event type) sent, and a row per endpoint not targeted."""
    event_types = _find_event_types_at_the_right_url(api, event_type_names)
    apps = find_applications(api, app_names)
    messages, untargeted = plan(api, apps, event_types)
    payloads = {name: example_payload(event_types[name]) or fallback_payload or {}
                for name in {m.event_type for m in messages}}
    for name, payload in payloads.items():  # all checked before the first message is sent
        _check_sendable(payload, f"the example payload of event type {name}")
    run_id = f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{secrets.token_hex(3)}"
    results: list[Result] = []
    for number, message in enumerate(messages, 1):
        try:
            send(api, message, payloads[message.event_type], run_id, number)
        except SvixApiError as error:  # Svix refused this message (a 4xx, say): a failure of its endpoints
            if error.status in (401, 403):
                raise
            results += [_endpoint_result(message.app, ep, message.event_type, "failed",
                                         detail=f"message not sent: HTTP {error.status} {error.code}: {error.detail}")
                        for ep in message.endpoints]
        progress(f"sent {number} of {len(messages)} test messages")
    total = sum(len(m.endpoints) for m in messages if m.id)
    try:
        results += wait_for_attempts(
            api, messages, timeout,
            on_poll=lambda left, waited: progress(f"{total - left} of {total} deliveries finished ({waited:.0f} s)"))
    except Unfinished as stopped:
        stopped.results = _in_order(results + stopped.results + untargeted)
        raise
    return _in_order(results + untargeted)


def _in_order(results: list[Result]) -> list[Result]:
    order = {"accepted": 0, "failed": 0, "not targeted": 1}
    return sorted(results, key=lambda r: (r.application, order[r.outcome], r.endpoint, r.event_type or ""))


# --- showing results ---------------------------------------------------------------------------------------

def _outcome_text(result: Result) -> str:
    if result.outcome == "accepted":
        return f"accepted (HTTP {result.status_code}, {result.duration_ms} ms)"
    if result.outcome == "failed":
        return f"FAILED: {result.detail}"
    return f"not targeted: {result.detail}"


def render_table(results: list[Result]) -> str:
    header = ("APPLICATION", "ENDPOINT", "EVENT TYPE", "OUTCOME")
    rows = [header] + [tuple(printable(cell) for cell in (r.application, r.endpoint, r.event_type or "-",
                                                          _outcome_text(r))) for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3]
                     for row in rows)


def summary(results: list[Result]) -> str:
    sent = [r for r in results if r.outcome != "not targeted"]
    failed = [r for r in sent if r.outcome == "failed"]
    if not sent:
        return "nothing verified: no enabled endpoint of these applications is subscribed to these event types"
    if not failed:
        endpoints = len({r.endpoint_id for r in sent})
        return f"all {len(sent)} deliveries accepted ({endpoints} endpoints)"
    by_endpoint: dict[tuple[str, str], list[str]] = {}
    for r in failed:
        by_endpoint.setdefault((r.application, r.endpoint), []).append(r.event_type or "-")
    named = "; ".join(f"endpoint {endpoint} of application {app} ({', '.join(types)})"
                      for (app, endpoint), types in by_endpoint.items())
    return printable(f"{len(failed)} of {len(sent)} deliveries failed: {named}")


def succeeded(results: list[Result]) -> bool:
    """Every targeted endpoint accepted, and there was at least one."""
    sent = [r for r in results if r.outcome != "not targeted"]
    return bool(sent) and all(r.outcome == "accepted" for r in sent)


def render_json(results: list[Result], server_url: str) -> str:
    def row(result: Result) -> dict:
        data = asdict(result)
        return {re.sub(r"_(\w)", lambda m: m.group(1).upper(), key): value for key, value in data.items()}

    return json.dumps({"ok": succeeded(results), "server": server_url, "summary": summary(results),
                       "results": [row(r) for r in results]}, indent=2)


def read_payload(path: str | None) -> dict | None:
    """The ``--payload`` file: a JSON object."""
    if path is None:
        return None
    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise VerifyError(f"--payload {path}: cannot read it ({error.strerror})") from None
    except ValueError as error:
        raise VerifyError(f"--payload {path}: not JSON ({error})") from None
    if not isinstance(payload, dict):
        raise VerifyError(f"--payload {path}: must hold a JSON object, not {type(payload).__name__}")
    _check_sendable(payload, f"--payload {path}")
    return payload


class Progress:
    """One line on stderr, rewritten, on a terminal; nothing otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled, self.shown = enabled, False

    def __call__(self, text: str) -> None:
        if self.enabled:
            sys.stderr.write(f"\r{text}\x1b[K")
            sys.stderr.flush()
            self.shown = True

    def done(self) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
