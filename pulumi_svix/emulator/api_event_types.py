"""Event types: org-wide, addressed by name. DELETE archives unless ``?expunge=true``;
creating an archived name un-archives it (a live name is a 409).

One stored document for both flavors: Svix Cloud's ``groupName`` and ``featureFlags`` and the
self-hosted server's ``featureFlag`` are all kept (null when the flavor's body has no such
field); the flavor's view shows its own.
"""

from fastapi import APIRouter, Request
from pydantic.alias_generators import to_camel

from . import errors
from .common import (apply_patch, bodies, flavor, list_response, no_content, now, pagination,
                     parse_body, path_name, query_bool, save, store)

router = APIRouter()
BASE = "/api/v1/event-type"
ONE = BASE + "/{event_type_name}"


def find_event_type(request: Request, name: str) -> dict:
    doc = store(request).get("event_type", name)
    if doc is None:
        raise errors.not_found()
    return doc


# Every field of the stored document, unset: what a body of either flavor leaves out.
BLANK = {"description": "", "archived": False, "deprecated": False, "schemas": None,
         "groupName": None, "featureFlags": None, "featureFlag": None}


def _event_type_doc(name: str, data, created_at: str | None = None) -> dict:
    """A full replace: every field the body does not set is reset."""
    stamp = now()
    fields = {to_camel(field): value for field, value in data.model_dump(exclude={"name"}).items()}
    return {"name": name, **BLANK, **fields, "createdAt": created_at or stamp, "updatedAt": stamp}


def _save(request: Request, doc: dict, status: int = 200):
    return save(request, "event_type", doc, status=status, id_field="name",
                view=flavor(request).event_type_view)


@router.get(BASE)
async def list_event_types(request: Request):
    with_content = query_bool(request, "with_content")
    filters = () if query_bool(request, "include_archived") else ("not_archived",)
    page = store(request).page("event_type", **pagination(request), filters=filters)
    return list_response(request, page,
                         lambda doc: flavor(request).event_type_view(doc, with_content))


@router.post(BASE)
async def create_event_type(request: Request):
    data = await parse_body(request, bodies(request).EventTypeIn)
    existing = store(request).get("event_type", data.name)
    if existing is not None and not existing["archived"]:
        raise errors.conflict("An event type with this name already exists")
    created = existing["createdAt"] if existing else None
    return _save(request, _event_type_doc(data.name, data, created), status=201)


@router.get(ONE)
async def get_event_type(request: Request, event_type_name: str):
    return flavor(request).event_type_view(find_event_type(request, event_type_name))


@router.put(ONE)
async def upsert_event_type(request: Request, event_type_name: str):
    data = await parse_body(request, bodies(request).EventTypeUpsertIn)
    existing = store(request).get("event_type", event_type_name)
    if existing is not None:
        return _save(request, _event_type_doc(event_type_name, data, existing["createdAt"]))
    name = path_name("event_type_name", event_type_name)
    return _save(request, _event_type_doc(name, data), status=201)


@router.patch(ONE)
async def patch_event_type(request: Request, event_type_name: str):
    find_event_type(request, event_type_name)  # 404 before 422
    patch = await parse_body(request, bodies(request).EventTypePatch)
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
