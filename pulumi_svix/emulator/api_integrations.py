"""Integrations of an application. The key is private: only ``key/rotate`` returns it."""

from fastapi import APIRouter, Request

from . import errors
from .api_apps import find_app
from .common import list_response, no_content, now, pagination, parse_body, save, store
from .ids import INTEGRATION_PREFIX, new_id, new_integration_key
from .models import IntegrationIn, IntegrationUpdate

router = APIRouter()
BASE = "/api/v1/app/{app_id}/integration"
ONE = BASE + "/{integ_id}"


def render(doc: dict) -> dict:
    out = {k: v for k, v in doc.items() if not k.startswith("_")}
    if not out["featureFlags"]:  # the spec's IntegrationOut has minItems 1: omit when empty
        del out["featureFlags"]
    return out


def find_integration(request: Request, app_id: str, integ_id: str) -> dict:
    app = find_app(request, app_id)
    doc = store(request).get("integration", integ_id, parent=app["id"])
    if doc is None:
        raise errors.not_found()
    return doc


def _save(request: Request, doc: dict, status: int = 200):
    return save(request, "integration", doc, doc["_appId"], status=status, view=render)


@router.get(BASE)
async def list_integrations(request: Request, app_id: str):
    app = find_app(request, app_id)
    page = store(request).page("integration", app["id"], **pagination(request))
    return list_response(request, page, render)


@router.post(BASE)
async def create_integration(request: Request, app_id: str):
    find_app(request, app_id)  # 404 before 422
    data = await parse_body(request, IntegrationIn)
    app = find_app(request, app_id)
    created = now()
    doc = {"id": new_id(INTEGRATION_PREFIX), "name": data.name,
           "featureFlags": data.feature_flags, "createdAt": created, "updatedAt": created,
           "_appId": app["id"], "_key": new_integration_key()}
    return _save(request, doc, status=201)


@router.get(ONE)
async def get_integration(request: Request, app_id: str, integ_id: str):
    return render(find_integration(request, app_id, integ_id))


@router.put(ONE)
async def update_integration(request: Request, app_id: str, integ_id: str):
    find_integration(request, app_id, integ_id)
    data = await parse_body(request, IntegrationUpdate)
    doc = find_integration(request, app_id, integ_id)
    doc.update(name=data.name, featureFlags=data.feature_flags, updatedAt=now())
    return _save(request, doc)


@router.delete(ONE)
async def delete_integration(request: Request, app_id: str, integ_id: str):
    doc = find_integration(request, app_id, integ_id)
    store(request).delete("integration", doc["id"])
    return no_content()


@router.post(ONE + "/key/rotate")
async def rotate_integration_key(request: Request, app_id: str, integ_id: str):
    doc = find_integration(request, app_id, integ_id)
    doc["_key"] = new_integration_key()
    doc["updatedAt"] = now()
    save(request, "integration", doc, doc["_appId"])
    return {"key": doc["_key"]}
