"""Event types: org-wide, addressed by name. DELETE archives unless ``?expunge=true``;
creating an archived name un-archives it (a live name is a 409)."""

from fastapi import APIRouter, Request

from . import errors
from .common import (apply_patch, list_response, no_content, now, pagination, parse_body,
                     path_name, query_bool, render, save, store)
from .models import EventTypeIn, EventTypePatch, EventTypeUpsertIn

router = APIRouter()
BASE = "/api/v1/event-type"
ONE = BASE + "/{event_type_name}"


def find_event_type(request: Request, name: str) -> dict:
    doc = store(request).get("event_type", name)
    if doc is None:
        raise errors.not_found()
    return doc


def _event_type_doc(name: str, data: EventTypeUpsertIn, created_at: str | None = None) -> dict:
    stamp = now()
    return {
        "name": name,
        "description": data.description,
        "archived": data.archived,
        "deprecated": data.deprecated,
        "schemas": data.schemas,
        "groupName": data.group_name,
        "featureFlags": data.feature_flags,
        "createdAt": created_at or stamp,
        "updatedAt": stamp,
    }


def _save(request: Request, doc: dict, status: int = 200):
    return save(request, "event_type", doc, status=status, id_field="name")


@router.get(BASE)
async def list_event_types(request: Request):
    with_content = query_bool(request, "with_content")
    filters = () if query_bool(request, "include_archived") else ("not_archived",)
    page = store(request).page("event_type", **pagination(request), filters=filters)

    def view(doc: dict) -> dict:
        out = render(doc)
        if not with_content:
            out.pop("schemas")
        return out

    return list_response(page, view)


@router.post(BASE)
async def create_event_type(request: Request):
    data = await parse_body(request, EventTypeIn)
    existing = store(request).get("event_type", data.name)
    if existing is not None and not existing["archived"]:
        raise errors.conflict("An event type with this name already exists")
    created = existing["createdAt"] if existing else None
    return _save(request, _event_type_doc(data.name, data, created), status=201)


@router.get(ONE)
async def get_event_type(request: Request, event_type_name: str):
    return render(find_event_type(request, event_type_name))


@router.put(ONE)
async def upsert_event_type(request: Request, event_type_name: str):
    data = await parse_body(request, EventTypeUpsertIn)
    existing = store(request).get("event_type", event_type_name)
    if existing is not None:
        return _save(request, _event_type_doc(event_type_name, data, existing["createdAt"]))
    name = path_name("event_type_name", event_type_name)
    return _save(request, _event_type_doc(name, data), status=201)


@router.patch(ONE)
async def patch_event_type(request: Request, event_type_name: str):
    find_event_type(request, event_type_name)  # 404 before 422
    patch = await parse_body(request, EventTypePatch)
    doc = find_event_type(request, event_type_name)  # re-read after the await
    apply_patch(doc, patch)
    return _save(request, doc)


@router.delete(ONE)
async def delete_event_type(request: Request, event_type_name: str):
    expunge = query_bool(request, "expunge")
    doc = find_event_type(request, event_type_name)
    if expunge:
        store(request).delete("event_type", doc["name"])
    else:
        doc["archived"] = True
        doc["updatedAt"] = now()
        _save(request, doc)
    return no_content()
