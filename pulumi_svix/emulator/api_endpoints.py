"""Endpoints of an application, their headers and their signing secret.

Stored documents are EndpointOut plus private fields: ``_appId``, ``_secret`` (the current
signing secret), ``_oldKeys`` (previous secrets, valid until their expiry) and ``_headers``.
As in Svix, a missing app or endpoint (404) wins over an invalid body (422); handlers look
the object up again after reading the body so that each read-modify-write runs without an
``await`` in between, i.e. atomically on the event loop.
"""

import time

from fastapi import APIRouter, Request

from ..headers import SENSITIVE_NAMES as SENSITIVE_HEADERS  # values never returned

from . import errors
from .api_apps import find_app
from .common import (apply_patch, bodies, flavor, list_response, no_content, now, pagination,
                     parse_body, path_name, save, store)
from .ids import ENDPOINT_PREFIX, new_endpoint_secret, new_id

router = APIRouter()
BASE = "/api/v1/app/{app_id}/endpoint"
ONE = BASE + "/{endpoint_id}"

MAX_OLD_KEYS = 10
DEFAULT_GRACE_SECONDS = 24 * 3600


def find_endpoint(request: Request, app_id: str, endpoint_id: str) -> dict:
    app = find_app(request, app_id)
    doc = store(request).get("endpoint", endpoint_id, parent=app["id"])
    if doc is None:
        raise errors.not_found()
    return doc


def check_event_types(request: Request, names: list[str] | None) -> None:
    """Endpoints may only filter on existing, non-archived event types (else 422)."""
    db = store(request)
    for name in names or ():
        event_type = db.get("event_type", name)
        if event_type is None or event_type["archived"]:
            state = "does not exist" if event_type is None else "is archived"
            raise errors.invalid(["body", "eventTypes"], f"Event type {name!r} {state}")


def _endpoint_fields(data) -> dict:
    return {
        "uid": data.uid,
        "url": data.url,
        "description": data.description,
        "throttleRate": data.throttle_rate,
        "disabled": data.disabled,
        "eventTypes": data.event_types,
        "channels": data.channels,
        "metadata": data.metadata,
        "updatedAt": now(),
    }


def _new_endpoint(app: dict, data, secret: str | None, headers: dict | None) -> dict:
    fields = _endpoint_fields(data)
    return {"id": new_id(ENDPOINT_PREFIX), **fields, "createdAt": fields["updatedAt"],
            "_appId": app["id"], "_secret": secret or new_endpoint_secret(), "_oldKeys": [],
            "_headers": headers or {}}


def _save(request: Request, doc: dict, status: int = 200):
    return save(request, "endpoint", doc, doc["_appId"], status=status,
                view=flavor(request).endpoint_view)


@router.get(BASE)
async def list_endpoints(request: Request, app_id: str):
    app = find_app(request, app_id)
    page = store(request).page("endpoint", app["id"], **pagination(request))
    return list_response(request, page, flavor(request).endpoint_view)


@router.post(BASE)
async def create_endpoint(request: Request, app_id: str):
    find_app(request, app_id)  # 404 before 422, as Svix does
    data = await parse_body(request, bodies(request).EndpointIn)
    app = find_app(request, app_id)  # again: nothing may change between read and write
    check_event_types(request, data.event_types)
    return _save(request, _new_endpoint(app, data, data.secret, data.headers), status=201)


@router.get(ONE)
async def get_endpoint(request: Request, app_id: str, endpoint_id: str):
    return flavor(request).endpoint_view(find_endpoint(request, app_id, endpoint_id))


@router.put(ONE)
async def upsert_endpoint(request: Request, app_id: str, endpoint_id: str):
    """Full replace of the endpoint's settings; headers and secret are untouched."""
    find_app(request, app_id)
    data = await parse_body(request, bodies(request).EndpointUpsertIn)
    app = find_app(request, app_id)
    check_event_types(request, data.event_types)
    doc = store(request).get("endpoint", endpoint_id, parent=app["id"])
    if doc is not None:
        doc.update(_endpoint_fields(data))
        return _save(request, doc)
    if endpoint_id.startswith(ENDPOINT_PREFIX):
        raise errors.not_found()
    data.uid = data.uid or path_name("endpoint_id", endpoint_id, ENDPOINT_PREFIX)
    return _save(request, _new_endpoint(app, data, None, None), status=201)


@router.patch(ONE)
async def patch_endpoint(request: Request, app_id: str, endpoint_id: str):
    find_endpoint(request, app_id, endpoint_id)
    patch = await parse_body(request, bodies(request).EndpointPatch)
    doc = find_endpoint(request, app_id, endpoint_id)
    check_event_types(request, patch.event_types)
    apply_patch(doc, patch)
    for field in ("eventTypes", "channels"):  # an empty set means "no filter"
        doc[field] = doc[field] or None
    return _save(request, doc)


@router.delete(ONE)
async def delete_endpoint(request: Request, app_id: str, endpoint_id: str):
    doc = find_endpoint(request, app_id, endpoint_id)
    store(request).delete("endpoint", doc["id"])
    return no_content()


# --- headers -----------------------------------------------------------------------------

@router.get(ONE + "/headers")
async def get_headers(request: Request, app_id: str, endpoint_id: str):
    headers = find_endpoint(request, app_id, endpoint_id)["_headers"]
    sensitive = [name for name in headers if name.lower() in SENSITIVE_HEADERS]
    return {"headers": {k: v for k, v in headers.items() if k not in sensitive},
            "sensitive": sensitive}


@router.put(ONE + "/headers")
async def set_headers(request: Request, app_id: str, endpoint_id: str):
    find_endpoint(request, app_id, endpoint_id)
    data = await parse_body(request, bodies(request).EndpointHeadersIn)
    doc = find_endpoint(request, app_id, endpoint_id)
    doc["_headers"] = data.headers
    return _save_quietly(request, doc)


@router.patch(ONE + "/headers")
async def patch_headers(request: Request, app_id: str, endpoint_id: str):
    """Merge: a value replaces (names compare case-insensitively), null or deleteHeaders removes."""
    find_endpoint(request, app_id, endpoint_id)
    data = await parse_body(request, bodies(request).EndpointHeadersPatchIn)
    doc = find_endpoint(request, app_id, endpoint_id)
    removed = {name.lower() for name, value in data.headers.items() if value is None}
    removed |= {name.lower() for name in data.delete_headers}
    replaced = {name.lower() for name in data.headers}
    headers = {k: v for k, v in doc["_headers"].items()
               if k.lower() not in removed and k.lower() not in replaced}
    headers.update({k: v for k, v in data.headers.items() if v is not None})
    doc["_headers"] = headers
    return _save_quietly(request, doc)


def _save_quietly(request: Request, doc: dict):
    doc["updatedAt"] = now()
    save(request, "endpoint", doc, doc["_appId"])
    return no_content()


# --- secret ------------------------------------------------------------------------------

@router.get(ONE + "/secret")
async def get_secret(request: Request, app_id: str, endpoint_id: str):
    return {"key": find_endpoint(request, app_id, endpoint_id)["_secret"]}


@router.post(ONE + "/secret/rotate")
async def rotate_secret(request: Request, app_id: str, endpoint_id: str):
    """New secret (given or generated); the old one stays valid for the grace period."""
    find_endpoint(request, app_id, endpoint_id)
    data = await parse_body(request, bodies(request).EndpointSecretRotateIn)
    doc = find_endpoint(request, app_id, endpoint_id)
    clock = time.time()
    live = [old for old in doc["_oldKeys"] if old["expiresAt"] > clock]
    if len(live) >= MAX_OLD_KEYS:
        raise errors.http_error(
            400, "limit_reached",
            f"You can only rotate a key {MAX_OLD_KEYS} times within the grace period.")
    grace = data.grace_period_seconds
    grace = DEFAULT_GRACE_SECONDS if grace is None else grace
    doc["_oldKeys"] = [{"key": doc["_secret"], "expiresAt": clock + grace}, *live]
    doc["_secret"] = data.key or new_endpoint_secret()
    return _save_quietly(request, doc)
