"""The engine's floor: a dynamic provider that does no I/O.

Resources built with it have the same shape as pulumi-svix's (same names, same input values, the
same secret outputs), so a stack of them costs what the Pulumi engine, the Python language host
and the dynamic-provider process cost by themselves. The benchmark divides pulumi-svix's times by
these.

It lives in an importable module (not the program's ``__main__``) for the same reason as
pulumi-svix's providers: Pulumi pickles the provider into every resource's ``__provider`` input
and the provider process must be able to import it again (the benchmark puts the repository on
PYTHONPATH for that).
"""

from __future__ import annotations

import os
import time
import uuid
from typing import Any, Optional

import pulumi
import pulumi.dynamic
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, ResourceProvider, UpdateResult

PROVIDER_KEY = "__provider"
CREATED_AT = "2026-01-01T00:00:00Z"

# What pulumi-svix computes on create besides echoing the inputs, per kind: the null provider returns
# a value of the same size so that state sizes stay comparable.
GENERATED = {
    "Endpoint": {"secret": "whsec_" + "0" * 32},
    "Integration": {"key": "0" * 44},
}


def _round_trip() -> None:
    """One request's worth of waiting, when the benchmark plays a remote Svix (``BENCH_NULL_LATENCY_MS``):
    the floor at that latency is one round trip per resource and operation, and no work. The provider
    host's worker pool is widened as pulumi-svix widens it, so that the floor is the engine's own limit
    (``--parallel``), not the host's 4 threads."""
    latency_ms = float(os.environ.get("BENCH_NULL_LATENCY_MS") or 0)
    if latency_ms:
        _widen_once()
        time.sleep(latency_ms / 1000)


def _widen_once() -> None:
    global _widened
    if not _widened:
        import sys

        try:
            from pulumi_svix.resources._servicer import widen_worker_pool
        except ImportError:  # an older pulumi_svix measured with --impl-path: only its own rows count
            _widened = True
            return
        _widened = widen_worker_pool(sys.modules["__main__"])


_widened = False


def _declared(props: dict) -> dict:
    return {k: v for k, v in props.items() if k != PROVIDER_KEY}


class NullProvider(ResourceProvider):
    """Echoes inputs as outputs; never calls anything. Carries no attributes (small pickle)."""

    serialize_as_secret_always = False

    def check(self, _olds: dict, news: dict) -> CheckResult:
        return CheckResult(news, [])

    def diff(self, _id: str, olds: dict, news: dict) -> DiffResult:
        changed = [k for k, v in _declared(news).items() if olds.get(k) != v]
        return DiffResult(changes=bool(changed), replaces=[], delete_before_replace=False)

    def create(self, props: dict) -> CreateResult:
        _round_trip()
        outs = {**_declared(props), **GENERATED.get(props.get("null_kind"), {}),
                "created_at": CREATED_AT, "updated_at": CREATED_AT}
        return CreateResult(f"null_{uuid.uuid4().hex[:27]}", outs)

    def read(self, id_: str, props: dict) -> ReadResult:
        _round_trip()
        return ReadResult(id_, _declared(props))

    def update(self, _id: str, olds: dict, news: dict) -> UpdateResult:
        _round_trip()
        return UpdateResult({**olds, **_declared(news)})

    def delete(self, _id: str, _props: dict) -> None:
        _round_trip()


class NullResource(pulumi.dynamic.Resource, module="bench", name="Null"):
    """One resource of kind ``kind`` (Application, Endpoint, ...) with pulumi-svix's input names."""

    def __init__(self, kind: str, resource_name: str, props: dict[str, Any],
                 secret_outputs: Optional[list[str]] = None,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        outputs = {name: None for name in (*GENERATED.get(kind, {}), "created_at", "updated_at")}
        merged = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(additional_secret_outputs=secret_outputs or []))
        super().__init__(NullProvider(), resource_name, {**outputs, **props, "null_kind": kind}, merged)
