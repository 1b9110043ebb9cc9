"""A wrong token fails fast (one request per attempted create, no retry storm) saying the token
was rejected by which server; an unreachable server fails after the client's retry budget with a
message naming the URL. Neither shows a traceback or the token. Both are bad-input cases too (the
failure can only be known at `up`: `preview` makes no API call)."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pulumi
import pytest
from pulumi import automation as auto

import pulumi_svix as svix
from pulumi_svix import client

from . import helpers
from .helpers import TRACEBACK
from .test_bad_input import REPORT as BAD_INPUT_REPORT, errors_by_resource, run

pytestmark = pytest.mark.engine

WRONG_TOKEN = "testsk_wrong-token-9d2f61c0e4"
RESOURCES = 10
PROVIDER_THREADS = 4  # pulumi.dynamic serves provider calls on 4 threads


def fleet_of_event_types():
    for n in range(RESOURCES):
        svix.EventType(f"et-{n}", name=f"auth.event-{n}")
    pulumi.export("done", True)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_wrong_token_fails_fast_and_says_so(emulator, stack_factory):
    stack = stack_factory(fleet_of_event_types, config={
        "svix:serverUrl": emulator.url, "svix:token": auto.ConfigValue(WRONG_TOKEN, secret=True)})
    events, _ = run(stack, stack.preview)
    assert errors_by_resource(events) == {}  # preview cannot know: it makes no API call
    started = time.monotonic()
    events, output = run(stack, stack.up)
    elapsed = time.monotonic() - started
    errors = errors_by_resource(events)
    assert errors, output
    for name, message in errors.items():
        assert "EventType create failed" in message and "rejected the API token" in message, message
        assert emulator.url in message and "svix:token" in message
    requests = emulator.stats()["total"]
    # No retry, and once rejected the token is not sent again: at most one request per provider
    # thread (4) was already on its way.
    assert 1 <= requests <= PROVIDER_THREADS, f"{requests} requests for {len(errors)} failed creates"
    assert elapsed < client.retry_budget_seconds(), "not fast"
    assert TRACEBACK not in output
    assert helpers.sweep([WRONG_TOKEN], texts=[output, *errors.values()],
                         files=helpers.swept_files(Path(stack.workspace.work_dir).parent)) == []
    assert helpers.inventory(emulator).is_empty()
    BAD_INPUT_REPORT["wrong token (at up)"] = {"requests": requests, "failed_creates": len(errors),
                                               "seconds": round(elapsed, 1)}


def test_unreachable_server_fails_after_the_retry_budget_naming_the_url(emulator, stack_factory):
    url = f"http://127.0.0.1:{closed_port()}"
    stack = stack_factory(fleet_of_event_types, config={
        "svix:serverUrl": url, "svix:token": auto.ConfigValue(emulator.token, secret=True)})
    started = time.monotonic()
    events, output = run(stack, stack.up)
    elapsed = time.monotonic() - started
    errors = errors_by_resource(events)
    assert errors, output
    for message in errors.values():
        assert f"could not reach Svix at {url}" in message and "svix:serverUrl" in message, message
        assert f"{client.RETRIES + 1} attempts" in message
    budget = client.retry_budget_seconds()
    # One budget, not one per resource: after the first call gave up, the others fail at once.
    assert budget <= elapsed < budget + 25, f"gave up after {elapsed:.1f} s; budget {budget:.1f} s"
    assert TRACEBACK not in output
    assert helpers.sweep([emulator.token], texts=[output],
                         files=helpers.swept_files(Path(stack.workspace.work_dir).parent)) == []
    BAD_INPUT_REPORT["unreachable server (at up)"] = {"seconds": round(elapsed, 1),
                                                      "retry_budget_seconds": budget}
