"""The emulator's ASGI application: FastAPI routes wrapped in the emulator's layers.

Outermost first: NormalizePath (trailing slashes) -> CheckContract (optional) ->
CountRequests -> Authenticate -> InjectFaults -> Idempotency -> FastAPI routes.
Contract checking is outermost so it sees exactly what clients send and receive.
"""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from . import admin, api_apps, api_endpoints, api_event_types, api_integrations
from .contract import CheckContract, Contract
from .errors import ApiError
from .faults import FaultConfig, Faults, InjectFaults
from .gateway import Authenticate, CountRequests, NormalizePath, Stats
from .idempotency import Idempotency
from .store import Store


def create_app(*, store: Store, token: str, faults: FaultConfig = FaultConfig(),
               contract: Contract | None = None):
    api = FastAPI(title="pulumi-svix emulator", openapi_url=None, docs_url=None,
                  redoc_url=None)
    api.state.store = store
    api.state.stats = Stats()
    api.state.faults = Faults(faults)
    api.state.initial_faults = faults
    api.state.contract = contract
    routers = [module.router for module in (api_apps, api_endpoints, api_event_types,
                                             api_integrations, admin)]
    for router in routers:
        api.include_router(router)
    api.add_api_route("/api/v1/health", health, methods=["GET"])
    api_routes = [route for router in routers for route in router.routes]
    api.add_exception_handler(ApiError, lambda _request, err: err.response())
    api.add_exception_handler(HTTPException, _http_exception)
    api.add_exception_handler(Exception, _server_error)

    layered = Idempotency(api, store)
    layered = InjectFaults(layered, api.state.faults, api.state.stats)
    layered = Authenticate(layered, token)
    layered = CountRequests(layered, api.state.stats, api_routes)
    if contract is not None:
        layered = CheckContract(layered, contract)
    layered = NormalizePath(layered)
    layered.api = api  # for tests and __main__
    return layered


async def health():
    return Response(status_code=204)


async def _server_error(_request: Request, _exc: Exception):
    """A bug in the emulator: still a JSON body (the traceback goes to the log)."""
    return JSONResponse({"code": "server_error", "detail": "Internal Server Error"},
                        status_code=500)


async def _http_exception(_request: Request, exc: HTTPException):
    """Starlette's own 404/405 in Svix's error shape."""
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return JSONResponse({"code": code, "detail": str(exc.detail)}, status_code=exc.status_code,
                        headers=getattr(exc, "headers", None))
