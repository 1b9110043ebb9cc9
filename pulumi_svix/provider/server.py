"""``pulumi-resource-svix``: the plugin executable the engine starts (it prints its port, then serves).

It serves ``SvixPlugin`` with the Python SDK's provider server (``pulumi.provider.experimental``,
pinned in pyproject.toml and checked by tests/unit/test_plugin_sdk_api.py), with one change: an
error pulumi-svix raises on purpose (a ``SvixError``, which already names the resource, the
operation and the property) reaches the user as its message, not followed by a Python traceback;
the SDK's server appends the traceback to every error.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Optional

import grpc
import grpc.aio
from pulumi.provider.experimental.server import ProviderServicer
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import provider_pb2_grpc

from .._version import __version__

HANDLED = ("CheckConfig", "DiffConfig", "Configure", "Check", "Diff", "Create", "Read", "Update", "Delete",
           "GetSchema")


def svix_error_in(error: Optional[BaseException]) -> Optional[BaseException]:
    """The SvixError behind ``error`` (the SDK re-raises errors as a new Exception, the original as its
    context), or None."""
    from ..client import SvixError

    seen = 0
    while error is not None and seen < 5:
        if isinstance(error, SvixError):
            return error
        error, seen = error.__cause__ or error.__context__, seen + 1
    return None


def _plain_errors(handler: Any) -> Any:
    async def method(self, request, context):
        try:
            return await handler(self, request, context)
        except Exception as error:  # noqa: BLE001 — ours are restated, the rest re-raised unchanged
            ours = svix_error_in(error)
            if ours is None:
                raise
            await context.abort(grpc.StatusCode.UNKNOWN, str(ours))

    method.__name__ = handler.__name__
    return method


def _with_old_inputs(handler: Any) -> Any:
    """Diff and Update with the request's old inputs at hand (``plugin.OLD_INPUTS``): the SDK's request
    objects leave them out."""
    async def method(self, request, context):
        from pulumi.provider.experimental.property_value import PropertyValue

        from .plugin import OLD_INPUTS

        token = OLD_INPUTS.set(PropertyValue.unmarshal_map(request.old_inputs))
        try:
            return await handler(self, request, context)
        finally:
            OLD_INPUTS.reset(token)

    method.__name__ = handler.__name__
    return method


def diff_config_proto(response: Any) -> Any:
    """The provider's config diff on the wire. The SDK's own ``DiffConfig`` (3.272) cannot send one: it
    reads ``PropertyDiff.inputDiff`` (the attribute is ``input_diff``) and sends ``changes`` as a bool where
    the protocol wants DIFF_NONE/DIFF_SOME; this is its ``Diff`` conversion, which gets both right."""
    from pulumi.runtime.proto import provider_pb2 as proto

    changes = {None: proto.DiffResponse.DIFF_UNKNOWN, True: proto.DiffResponse.DIFF_SOME,
               False: proto.DiffResponse.DIFF_NONE}[response.changes]
    return proto.DiffResponse(
        replaces=response.replaces, stables=response.stables, deleteBeforeReplace=response.delete_before_replace,
        changes=changes, diffs=response.diffs, hasDetailedDiff=True,
        detailedDiff={k: proto.PropertyDiff(kind=v.kind.value, inputDiff=v.input_diff)
                      for k, v in response.detailed_diff.items()})


class SvixServicer(ProviderServicer):
    """The SDK's servicer, with plain messages for pulumi-svix's own errors and a working ``DiffConfig``."""

    async def DiffConfig(self, request, context):  # noqa: N802 — the protocol's name
        from pulumi.provider.experimental import provider as api
        from pulumi.provider.experimental.property_value import PropertyValue

        response = await self._provider.diff_config(api.DiffRequest(
            request.urn, request.id, PropertyValue.unmarshal_map(request.olds),
            PropertyValue.unmarshal_map(request.news), list(request.ignoreChanges)))
        return diff_config_proto(response)


for _name in HANDLED:
    _handler = getattr(SvixServicer if _name == "DiffConfig" else ProviderServicer, _name)
    if _name in ("Diff", "Update"):
        _handler = _with_old_inputs(_handler)
    setattr(SvixServicer, _name, _plain_errors(_handler))


ORPHAN_CHECK_SECONDS = 1.0
STOP_GRACE_SECONDS = 5.0  # what the engine gives its plugins too


async def stop_when_orphaned(server: Any, parent: int) -> None:
    """Stops serving once the engine that started the plugin is gone. The engine stops its plugins itself,
    but when its CLI dies without doing so (SIGKILL, out of memory, a cancelled CI job) the plugin is
    reparented and nothing else would ever stop it (engine/langhost/watchdog.go does the same for the
    language host). Calls in flight get ``STOP_GRACE_SECONDS`` to finish."""
    while os.getppid() == parent:
        await asyncio.sleep(ORPHAN_CHECK_SECONDS)
    await server.stop(STOP_GRACE_SECONDS)


def main(argv: Optional[list[str]] = None) -> None:
    from .plugin import SvixPlugin

    args = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="pulumi-resource-svix", description="The Pulumi resource plugin for Svix")
    parser.add_argument("engine", help="the Pulumi engine's address (the engine passes it)")
    parser.add_argument("--logflow", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--logtostderr", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("-v", type=int, help=argparse.SUPPRESS)
    known, _ = parser.parse_known_args(args)

    async def serve() -> None:
        # The provider code waits on Svix in worker threads (plugin.SvixPlugin._run): as many as the dynamic
        # face's host allows (PULUMI_SVIX_PROVIDER_THREADS), not asyncio's default of CPUs + 4.
        from ..resources._servicer import PROVIDER_THREADS

        threads = int(os.environ.get("PULUMI_SVIX_PROVIDER_THREADS") or PROVIDER_THREADS)
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=threads))
        server = grpc.aio.server(options=_GRPC_CHANNEL_OPTIONS)
        servicer = SvixServicer(args, __version__, SvixPlugin(), engine_address=known.engine)
        provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
        port = server.add_insecure_port(address="127.0.0.1:0")
        await server.start()
        sys.stdout.buffer.write(f"{port}\n".encode())
        sys.stdout.buffer.flush()
        watchdog = asyncio.create_task(stop_when_orphaned(server, os.getppid()))
        await server.wait_for_termination()
        watchdog.cancel()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
