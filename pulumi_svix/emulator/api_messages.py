"""Messages: /api/v1/app/{app_id}/msg[/{msg_id}] (the message's id or eventId in the path).

Creating a message stores it with one delivery task per matching endpoint, in one
transaction, answers 202 and wakes the delivery worker (``delivery``). An endpoint matches
when it is enabled, its event-type filter is unset or names the message's type, and its
channel filter is unset or shares a channel with the message (svix-server's
``filtered_endpoints``). A second message with the same eventId in the same app is a 409,
as in Svix; with the same ``idempotency-key`` the first answer is replayed (``idempotency``).
"""

import json
import time
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from . import errors
from .api_apps import find_app
from .common import (bodies, flavor, list_response, no_content, now, pagination, parse_body,
                     query_bool, store)
from .delivery import SENDING, iso
from .ids import APP_PREFIX, MESSAGE_PREFIX, new_id

router = APIRouter()
precheck_router = APIRouter()  # Svix Cloud only: not in the self-hosted server's document
BASE = "/api/v1/app/{app_id}/msg"
EXPUNGED_PAYLOAD = {"expired": True}  # what svix-server shows once a payload is gone


# --- shared with api_attempts -------------------------------------------------------------

def find_message(request: Request, app: dict, msg_id: str) -> dict:
    doc = store(request).get_message(app["id"], msg_id)
    if doc is None:
        raise errors.not_found()
    return doc


def message_view(request: Request, doc: dict, with_content: bool = True) -> dict:
    out = flavor(request).message_view(doc)
    if not with_content:
        out["payload"] = {}
    return out


def query_time(request: Request, name: str) -> float | None:
    """An RFC 3339 query parameter (``before``, ``since``, ...) as Unix seconds."""
    text = request.query_params.get(name)
    if text is None:
        return None
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        stamp = None
    if stamp is None or stamp.tzinfo is None:
        raise errors.invalid(["query", name], "invalid RFC 3339 date-time", "value_error")
    return stamp.timestamp()


def query_list(request: Request, name: str) -> list[str]:
    """``event_types=a,b`` (how the SDKs send a list) or ``event_types=a&event_types=b``."""
    return [item for value in request.query_params.getlist(name)
            for item in value.split(",") if item]


def message_filters(request: Request, alias: str = "m", created: str | None = None
                    ) -> tuple[list[str], list]:
    """SQL conditions on a joined message row for the usual list filters: ``channel``,
    ``tag``, ``event_types``, ``before``, ``after`` (on ``created``: the message's, by
    default)."""
    created = created or f"{alias}.created"
    where, args = [], []
    channel = request.query_params.get("channel")
    if channel:
        where.append(f"EXISTS (SELECT 1 FROM json_each({alias}.doc, '$.channels')"
                     " WHERE value = ?)")
        args.append(channel)
    tag = request.query_params.get("tag")
    if tag:
        where.append(f"EXISTS (SELECT 1 FROM json_each({alias}.doc, '$.tags') WHERE value = ?)")
        args.append(tag)
    event_types = query_list(request, "event_types")
    if event_types:
        marks = ", ".join("?" * len(event_types))
        where.append(f"json_extract({alias}.doc, '$.eventType') IN ({marks})")
        args += event_types
    # Times are stored in whole milliseconds; half a millisecond of margin keeps float
    # rounding from putting the item at ``before`` or ``after`` itself on the wrong side.
    for name, operator, margin in (("before", "<", -0.0005), ("after", ">", 0.0005)):
        stamp = query_time(request, name)
        if stamp is not None:
            where.append(f"{created} {operator} ?")
            args.append(stamp + margin)
    return where, args


def matching_endpoints(endpoints: list[dict], event_type: str, channels) -> list[dict]:
    """The endpoints a new message goes to (svix-server's ``filtered_endpoints``)."""
    wanted = set(channels or ())
    return [endpoint for endpoint in endpoints
            if not endpoint.get("disabled")
            and (not endpoint.get("eventTypes") or event_type in endpoint["eventTypes"])
            and (not endpoint.get("channels") or wanted & set(endpoint["channels"]))]


# --- routes -------------------------------------------------------------------------------

@router.post(BASE)
async def create_message(request: Request, app_id: str):
    with_content = query_bool(request, "with_content", True)
    data = await parse_body(request, bodies(request).MessageIn)
    app = app_or_created(request, app_id, data.application)
    created = int(time.time() * 1000) / 1000  # whole milliseconds, as the timestamp shows
    doc = {"eventId": data.event_id, "eventType": data.event_type, "payload": data.payload,
           "channels": data.channels, "id": new_id(MESSAGE_PREFIX), "timestamp": iso(created)}
    if data.tags:
        doc["tags"] = data.tags
    db = store(request)
    targets = matching_endpoints(db.children("endpoint", app["id"]), data.event_type,
                                 data.channels)
    if not db.add_message(doc, app["id"], created, [ep["id"] for ep in targets], SENDING,
                          due=created):
        raise errors.conflict("A message with this eventId already exists")
    if targets:
        request.app.state.delivery.wake()
    return JSONResponse(message_view(request, doc, with_content), status_code=202)


def app_or_created(request: Request, app_id: str, application) -> dict:
    """The app of the path, or the one ``application`` creates when there is none."""
    db = store(request)
    app = db.get("app", app_id)
    if app is not None:
        return app
    if application is None:
        raise errors.not_found("Application not found")
    if application.uid is not None and application.uid != app_id:
        raise errors.invalid(["body", "application", "uid"],
                             "Application UID in the path and body must match")
    if app_id.startswith(APP_PREFIX):
        raise errors.not_found("Application not found")
    stamp = now()
    app = {"id": new_id(APP_PREFIX), "uid": app_id, "name": application.name,
           "throttleRate": application.throttle_rate, "metadata": application.metadata,
           "createdAt": stamp, "updatedAt": stamp}
    db.put("app", app)
    return app


@router.get(BASE)
async def list_messages(request: Request, app_id: str):
    app = find_app(request, app_id)
    with_content = query_bool(request, "with_content", True)
    where, args = message_filters(request)
    sql = " AND ".join(["SELECT m.id, m.doc FROM message m WHERE m.app_id = ?", *where])
    page = store(request).page_rows(sql, [app["id"], *args], "m.id",
                                    **newest_first(request))
    return list_response(request, page,
                         lambda row: message_view(request, json.loads(row[0]), with_content))


@router.get(BASE + "/{msg_id}")
async def get_message(request: Request, app_id: str, msg_id: str):
    app = find_app(request, app_id)
    with_content = query_bool(request, "with_content", True)
    return message_view(request, find_message(request, app, msg_id), with_content)


@router.delete(BASE + "/{msg_id}/content")
async def expunge_content(request: Request, app_id: str, msg_id: str):
    """Forget the payload (sent by mistake with sensitive content): it can no longer be sent."""
    doc = find_message(request, find_app(request, app_id), msg_id)
    doc["payload"] = EXPUNGED_PAYLOAD
    doc["_expunged"] = True
    store(request).update_message(doc)
    return no_content()


@precheck_router.post(BASE + "/precheck/active")
async def precheck(request: Request, app_id: str):
    """Would a message of this type (and channels) go to any endpoint?"""
    find_app(request, app_id)
    data = await parse_body(request, bodies(request).MessagePrecheckIn)
    app = find_app(request, app_id)
    targets = matching_endpoints(store(request).children("endpoint", app["id"]),
                                 data.event_type, data.channels)
    return {"active": bool(targets)}


def newest_first(request: Request) -> dict:
    """Svix lists messages and attempts newest first (and has no ``order`` for them)."""
    return {**pagination(request), "descending": True}
