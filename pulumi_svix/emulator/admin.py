"""Introspection and control for tests: /_emulator/{stats,requests,reset,faults,contract}.

Same bearer token as the API; these requests are not counted and never faulted.
"""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from . import errors
from .faults import FaultConfig, FaultConfigError

router = APIRouter(prefix="/_emulator")


@router.get("/stats")
async def stats(request: Request):
    """Which Svix this emulator plays, requests per route template, faults injected."""
    return {"flavor": request.app.state.flavor.name, **request.app.state.stats.snapshot()}


@router.get("/requests")
async def requests_log(request: Request):
    """Every Svix API request since the last reset: ``[started, ended, "METHOD /route", path]``, in Unix
    seconds, oldest first (the last 200,000 are kept). Benchmarks compute requests in flight from it."""
    return {"requests": request.app.state.stats.request_log()}


@router.post("/reset")
async def reset(request: Request):
    """Back to a fresh start: no data, counters, violations; faults as at start-up."""
    state = request.app.state
    state.store.clear()
    state.stats.clear()
    state.faults.configure(state.initial_faults)
    if state.contract is not None:
        state.contract.clear()
    return {"reset": True}


@router.get("/faults")
async def get_faults(request: Request):
    return request.app.state.faults.config.to_json()


@router.post("/faults")
async def set_faults(request: Request):
    """Replace the fault configuration; omitted fields take defaults, ``{"rate": 0}`` = off."""
    try:
        config = FaultConfig.from_json(await request.json())
    except (FaultConfigError, ValueError) as err:
        raise errors.invalid(["body"], str(err)) from None
    request.app.state.faults.configure(config)
    return config.to_json()


@router.get("/contract")
async def contract(request: Request):
    """The violations so far, and which OpenAPI document they are checked against."""
    checker = request.app.state.contract
    return {"enabled": checker is not None,
            "spec": str(checker.spec_path) if checker is not None else None,
            "violations": checker.snapshot() if checker is not None else []}


@router.delete("/contract")
async def clear_contract(request: Request):
    if request.app.state.contract is not None:
        request.app.state.contract.clear()
    return Response(status_code=204)
