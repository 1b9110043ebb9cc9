"""Authentication: app portal access, logout, expire-all.

The emulator does not serve the app portal (Svix's consumer UI): ``app-portal-access``
answers a token and a URL as Svix does, but the URL points at this emulator, where nothing
is served (404), and the token opens nothing: the emulator accepts only its own bearer token
(``--token``). So ``logout`` and ``expire-all`` have nothing to end and answer 204.
"""

import secrets

from fastapi import APIRouter, Request

from .api_apps import find_app
from .api_messages import app_or_created
from .common import bodies, no_content, parse_body

router = APIRouter()
expire_router = APIRouter()  # Svix Cloud only: not in the self-hosted server's document

PORTAL_PATH = "/app-portal/login"  # not served: see the module docstring


@router.post("/api/v1/auth/app-portal-access/{app_id}")
async def app_portal_access(request: Request, app_id: str):
    data = await parse_body(request, bodies(request).AppPortalAccessIn)
    app_or_created(request, app_id, data.application)
    token = "appsk_" + secrets.token_urlsafe(24)
    base = str(request.base_url).rstrip("/")
    return {"url": f"{base}{PORTAL_PATH}#key={token}", "token": token}


@router.post("/api/v1/auth/logout")
async def logout(request: Request):
    return no_content()


@expire_router.post("/api/v1/auth/app/{app_id}/expire-all")
async def expire_all(request: Request, app_id: str):
    find_app(request, app_id)
    await parse_body(request, bodies(request).ApplicationTokenExpireIn)
    return no_content()
