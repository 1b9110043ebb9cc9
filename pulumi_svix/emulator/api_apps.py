"""Applications: /api/v1/app[/{app_id}] (id or uid in the path)."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from . import errors
from .common import (apply_patch, bodies, flavor, list_response, no_content, now, pagination,
                     parse_body, path_name, query_bool, save, store)
from .ids import APP_PREFIX, new_id

router = APIRouter()


def find_app(request: Request, app_id: str) -> dict:
    doc = store(request).get("app", app_id)
    if doc is None:
        raise errors.not_found()
    return doc


def _app_doc(data, app_id: str, created_at: str | None = None) -> dict:
    stamp = now()
    return {
        "id": app_id,
        "uid": data.uid,
        "name": data.name,
        "throttleRate": data.throttle_rate,
        "metadata": data.metadata,
        "createdAt": created_at or stamp,
        "updatedAt": stamp,
    }


def _save(request: Request, doc: dict, status: int = 200):
    return save(request, "app", doc, status=status, view=flavor(request).app_view)


def _list_filters(request: Request) -> tuple[str, ...]:
    """``exclude_apps_with_svix_play_endpoints`` is accepted: the emulator has no Svix Play."""
    if not flavor(request).app_list_filters:
        return ()
    query_bool(request, "exclude_apps_with_svix_play_endpoints")
    return tuple(name for param, name in (
        ("exclude_apps_with_no_endpoints", "has_endpoints"),
        ("exclude_apps_with_disabled_endpoints", "not_only_disabled_endpoints"),
    ) if query_bool(request, param))


@router.get("/api/v1/app")
async def list_apps(request: Request):
    page = store(request).page("app", **pagination(request), filters=_list_filters(request))
    return list_response(request, page, flavor(request).app_view)


@router.post("/api/v1/app")
async def create_app(request: Request):
    get_if_exists = query_bool(request, "get_if_exists")
    data = await parse_body(request, bodies(request).AppIn)
    existing = store(request).get("app", data.uid) if data.uid else None
    if existing is not None:
        if get_if_exists:
            return JSONResponse(flavor(request).app_view(existing), status_code=200)
        raise errors.conflict("An application with this uid already exists")
    return _save(request, _app_doc(data, new_id(APP_PREFIX)), status=201)


@router.get("/api/v1/app/{app_id}")
async def get_app(request: Request, app_id: str):
    return flavor(request).app_view(find_app(request, app_id))


@router.put("/api/v1/app/{app_id}")
async def upsert_app(request: Request, app_id: str):
    data = await parse_body(request, bodies(request).AppIn)
    existing = store(request).get("app", app_id)
    if existing is not None:  # full replace: omitted fields reset, the uid included
        return _save(request, _app_doc(data, existing["id"], existing["createdAt"]))
    if app_id.startswith(APP_PREFIX):
        raise errors.not_found()
    data.uid = data.uid or path_name("app_id", app_id, APP_PREFIX)
    return _save(request, _app_doc(data, new_id(APP_PREFIX)), status=201)


@router.patch("/api/v1/app/{app_id}")
async def patch_app(request: Request, app_id: str):
    find_app(request, app_id)  # 404 before 422
    patch = await parse_body(request, bodies(request).AppPatch)
    doc = find_app(request, app_id)  # re-read after the await: the update is atomic
    apply_patch(doc, patch)
    return _save(request, doc)


@router.delete("/api/v1/app/{app_id}")
async def delete_app(request: Request, app_id: str):
    doc = find_app(request, app_id)
    store(request).delete("app", doc["id"])
    return no_content()
