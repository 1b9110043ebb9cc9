"""Message attempts, resend, recover, replay and endpoint stats.

An attempt is one HTTP call of the delivery worker (``delivery``); a destination is the
state of one message for one endpoint (``status``: 0 success, 1 pending a retry, 2 failed,
3 sending). Lists are newest first, like Svix's. Resend, recover and replay schedule manual
deliveries (trigger type 1, never retried) and answer 202 at once, as Svix does.
"""

import json
import time
from datetime import datetime, timedelta, timezone

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from . import errors
from .api_apps import find_app
from .api_endpoints import find_endpoint
from .api_messages import find_message, message_filters, message_view, newest_first, query_time
from .common import (bodies, flavor, list_response, no_content, now, pagination, parse_body,
                     query_bool, store)
from .delivery import FAIL, MANUAL, PENDING, SENDING, STATUS_TEXT, SUCCESS
from .ids import TASK_PREFIX, new_id

router = APIRouter()
replay_router = APIRouter()  # Svix Cloud only: the self-hosted server has no replay-missing
APP = "/api/v1/app/{app_id}"
ENDPOINT = APP + "/endpoint/{endpoint_id}"
MESSAGE = APP + "/msg/{msg_id}"

RECOVER_WINDOW = timedelta(days=14, minutes=5)  # svix-server: 14 days, plus clock slack


def _query_int(request: Request, name: str, allowed) -> int | None:
    text = request.query_params.get(name)
    if text is None:
        return None
    if not text.lstrip("-").isdigit() or int(text) not in allowed:
        raise errors.invalid(["query", name], f"{name} must be one of {sorted(allowed)}",
                             "type_error.enum")
    return int(text)


def _attempt_filters(request: Request) -> tuple[list[str], list]:
    """``status``, ``status_code_class`` on the attempt; the message filters on its message."""
    where, args = message_filters(request, created="a.created")
    status = _query_int(request, "status", STATUS_TEXT)
    if status is not None:
        where.append("json_extract(a.doc, '$.status') = ?")
        args.append(status)
    code_class = _query_int(request, "status_code_class", (0, 100, 200, 300, 400, 500))
    if code_class is not None:
        where.append("json_extract(a.doc, '$.responseStatusCode') BETWEEN ? AND ?")
        args += [code_class, code_class + 99]  # CodeNone (0): no HTTP answer, code 0
    return where, args


def _attempt_page(request: Request, condition: str, args: list, where: list, where_args):
    # ``with_msg`` is a Svix Cloud parameter; svix-server ignores it.
    with_msg = query_bool(request, "with_msg") and flavor(request).serves_cloud_extras
    sql = " AND ".join(["SELECT a.id, a.doc, m.doc FROM attempt a JOIN message m"
                        f" ON m.id = a.msg_id WHERE {condition}", *where])
    page = store(request).page_rows(sql, [*args, *where_args], "a.id", **newest_first(request))

    def view(row):
        attempt = json.loads(row[0])
        if with_msg:
            attempt["msg"] = message_view(request, json.loads(row[1]))
        return attempt

    return list_response(request, page, view)


# --- attempts -----------------------------------------------------------------------------

@router.get(APP + "/attempt/endpoint/{endpoint_id}")
async def list_attempts_by_endpoint(request: Request, app_id: str, endpoint_id: str):
    endpoint = find_endpoint(request, app_id, endpoint_id)
    where, args = _attempt_filters(request)
    return _attempt_page(request, "a.endpoint_id = ?", [endpoint["id"]], where, args)


@router.get(APP + "/attempt/msg/{msg_id}")
async def list_attempts_by_msg(request: Request, app_id: str, msg_id: str):
    app = find_app(request, app_id)
    message = find_message(request, app, msg_id)
    where, args = _attempt_filters(request)
    endpoint_ref = request.query_params.get("endpoint_id")
    if endpoint_ref:
        endpoint = store(request).get("endpoint", endpoint_ref, parent=app["id"])
        where.append("a.endpoint_id = ?")
        args.append(endpoint["id"] if endpoint else endpoint_ref)
    return _attempt_page(request, "a.msg_id = ?", [message["id"]], where, args)


@router.get(MESSAGE + "/attempt/{attempt_id}")
async def get_attempt(request: Request, app_id: str, msg_id: str, attempt_id: str):
    message = find_message(request, find_app(request, app_id), msg_id)
    attempt = store(request).get_attempt(message["id"], attempt_id)
    if attempt is None:
        raise errors.not_found()
    return attempt


@router.delete(MESSAGE + "/attempt/{attempt_id}/content")
async def expunge_attempt_content(request: Request, app_id: str, msg_id: str, attempt_id: str):
    """Forget the response body an endpoint answered (it may hold sensitive content)."""
    message = find_message(request, find_app(request, app_id), msg_id)
    db = store(request)
    attempt = db.get_attempt(message["id"], attempt_id)
    if attempt is None:
        raise errors.not_found()
    attempt["response"] = ""
    db.update_attempt(attempt)
    return no_content()


# --- what was sent where ------------------------------------------------------------------

def _status_fields(status: int, next_attempt: str | None) -> dict:
    return {"status": status, "statusText": STATUS_TEXT[status], "nextAttempt": next_attempt}


@router.get(ENDPOINT + "/msg")
async def list_attempted_messages(request: Request, app_id: str, endpoint_id: str):
    """The messages sent (or being sent) to an endpoint, with their status there."""
    endpoint = find_endpoint(request, app_id, endpoint_id)
    with_content = query_bool(request, "with_content", True)
    where, args = message_filters(request)
    status = _query_int(request, "status", STATUS_TEXT)
    if status is not None:
        where.append("d.status = ?")
        args.append(status)
    sql = " AND ".join(["SELECT d.msg_id, m.doc, d.status, d.next_attempt FROM destination d"
                        " JOIN message m ON m.id = d.msg_id WHERE d.endpoint_id = ?", *where])
    page = store(request).page_rows(sql, [endpoint["id"], *args], "d.msg_id",
                                    **newest_first(request))
    return list_response(request, page, lambda row: {
        **message_view(request, json.loads(row[0]), with_content), **_status_fields(*row[1:])})


@router.get(MESSAGE + "/endpoint")
async def list_attempted_destinations(request: Request, app_id: str, msg_id: str):
    """The endpoints a message was sent (or is being sent) to, with its status there."""
    app = find_app(request, app_id)
    message = find_message(request, app, msg_id)
    db = store(request)
    sql = ("SELECT d.endpoint_id, r.doc, d.status, d.next_attempt FROM destination d"
           " JOIN resource r ON r.kind = 'endpoint' AND r.id = d.endpoint_id"
           " WHERE d.msg_id = ?")
    page = db.page_rows(sql, [message["id"]], "d.endpoint_id", **pagination(request))
    return list_response(request, page, lambda row: {
        **flavor(request).endpoint_view(json.loads(row[0])), **_status_fields(row[1], row[2])})


# --- resend, recover, replay --------------------------------------------------------------

@router.post(MESSAGE + "/endpoint/{endpoint_id}/resend")
async def resend(request: Request, app_id: str, msg_id: str, endpoint_id: str):
    """Send a message again to an endpoint it was sent to before."""
    app = find_app(request, app_id)
    message = find_message(request, app, msg_id)
    endpoint = find_endpoint(request, app_id, endpoint_id)
    db = store(request)
    if db.destination(message["id"], endpoint["id"]) is None:
        raise errors.not_found()
    db.schedule(app["id"], [message["id"]], endpoint["id"], MANUAL, SENDING, time.time())
    request.app.state.delivery.wake()
    return JSONResponse({}, status_code=202)


def _window(data) -> tuple[float, float | None]:
    if data.since < datetime.now(timezone.utc) - RECOVER_WINDOW:
        raise errors.invalid(["body", "since"], "Cannot recover messages more than 14 days old.")
    return data.since.timestamp(), data.until.timestamp() if data.until else None


def _background_task(kind: str) -> JSONResponse:
    """RecoverOut / ReplayOut: the work is scheduled at once, so the task only reports it."""
    return JSONResponse({"id": new_id(TASK_PREFIX), "status": "running", "task": kind,
                         "updatedAt": now()}, status_code=202)


@router.post(ENDPOINT + "/recover")
async def recover(request: Request, app_id: str, endpoint_id: str):
    """Send again every message whose delivery to the endpoint failed, since a time."""
    find_endpoint(request, app_id, endpoint_id)
    data = await parse_body(request, bodies(request).RecoverIn)
    endpoint = find_endpoint(request, app_id, endpoint_id)
    since, until = _window(data)
    db = store(request)
    db.schedule(endpoint["_appId"], db.failed_destinations(endpoint["id"], FAIL, since, until),
                endpoint["id"], MANUAL, SENDING, time.time())
    request.app.state.delivery.wake()
    return _background_task("endpoint.recover")


@replay_router.post(ENDPOINT + "/replay-missing")
async def replay_missing(request: Request, app_id: str, endpoint_id: str):
    """Send the messages since a time that never went to the endpoint (e.g. it filtered
    them out, or did not exist yet)."""
    find_endpoint(request, app_id, endpoint_id)
    data = await parse_body(request, bodies(request).ReplayIn)
    endpoint = find_endpoint(request, app_id, endpoint_id)
    since, until = _window(data)
    db = store(request)
    db.schedule(endpoint["_appId"],
                db.unattempted_messages(endpoint["_appId"], endpoint["id"], since, until),
                endpoint["id"], MANUAL, SENDING, time.time())
    request.app.state.delivery.wake()
    return _background_task("endpoint.replay")


# --- stats --------------------------------------------------------------------------------

@router.get(ENDPOINT + "/stats")
async def endpoint_stats(request: Request, app_id: str, endpoint_id: str):
    """How many messages sent to the endpoint (created in [since, until)) are in each state."""
    endpoint = find_endpoint(request, app_id, endpoint_id)
    counts = store(request).destination_counts(endpoint["id"], query_time(request, "since"),
                                               query_time(request, "until"))
    return {"success": counts.get(SUCCESS, 0), "pending": counts.get(PENDING, 0),
            "sending": counts.get(SENDING, 0), "fail": counts.get(FAIL, 0), "canceled": 0}
