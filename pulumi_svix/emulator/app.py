"""The emulator's ASGI application: FastAPI routes wrapped in the emulator's layers.

Outermost first: NormalizePath (trailing slashes) -> CheckContract (optional) ->
CountRequests -> Authenticate -> InjectFaults -> Idempotency -> FastAPI routes.
Contract checking is outermost so it sees exactly what clients send and receive.
The flavor (``flavor.Cloud`` or ``flavor.SelfHosted``) decides which routes exist and how
the handlers answer. ``delivery`` is the message delivery worker: the server process starts
and stops it (``__main__``).
"""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from . import (admin, api_apps, api_attempts, api_auth, api_endpoints, api_event_types,
               api_integrations, api_messages)
from .contract import CheckContract, Contract
from .delivery import Delivery, DeliveryConfig
from .errors import ApiError
from .faults import FaultConfig, Faults, InjectFaults
from .flavor import Cloud, get_flavor
from .gateway import Authenticate, CountRequests, NormalizePath, Stats
from .idempotency import Idempotency
from .store import Store


def create_app(*, store: Store, token: str, faults: FaultConfig = FaultConfig(),
               contract: Contract | None = None, flavor: Cloud = get_flavor("cloud"),
               delivery: DeliveryConfig = DeliveryConfig()):
    api = FastAPI(title="pulumi-svix emulator", openapi_url=None, docs_url=None,
                  redoc_url=None)
    api.state.store = store
    api.state.stats = Stats()
    api.state.faults = Faults(faults)
    api.state.initial_faults = faults
    api.state.contract = contract
    api.state.flavor = flavor
    api.state.delivery = Delivery(store, delivery)
    modules = [api_apps, api_endpoints, api_event_types, api_messages, api_attempts, api_auth,
               admin]
    if flavor.serves_integrations:
        modules.append(api_integrations)
    routers = [module.router for module in modules]
    if flavor.serves_cloud_extras:
        routers += [api_attempts.replay_router, api_messages.precheck_router,
                    api_auth.expire_router]
    for router in routers:
        api.include_router(router)
    api.add_api_route("/api/v1/health", health, methods=["GET"])
    api_routes = [route for router in routers for route in router.routes]
    api.add_exception_handler(ApiError, lambda _request, err: err.response())
    api.add_exception_handler(HTTPException, _http_exception)
    api.add_exception_handler(Exception, _server_error)

    layered = Idempotency(api, store)
    layered = InjectFaults(layered, api.state.faults, api.state.stats)
    layered = Authenticate(layered, token, flavor.unauthorized_detail)
    layered = CountRequests(layered, api.state.stats, api_routes)
    if contract is not None:
        layered = CheckContract(layered, contract, flavor.absent_api)
    layered = NormalizePath(layered)
    layered.api = api  # for tests and __main__
    layered.delivery = api.state.delivery  # __main__ starts and stops its worker
    return layered


async def health():
    return Response(status_code=204)


async def _server_error(_request: Request, _exc: Exception):
    """A bug in the emulator: still a JSON body (the traceback goes to the log)."""
    return JSONResponse({"code": "server_error", "detail": "Internal Server Error"},
                        status_code=500)


async def _http_exception(request: Request, exc: HTTPException):
    """Starlette's own 404/405 (no such route or method), as the flavor's server answers it."""
    return request.app.state.flavor.route_miss(exc.status_code, str(exc.detail),
                                               getattr(exc, "headers", None))
