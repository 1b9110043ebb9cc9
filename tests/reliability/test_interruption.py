"""Interruption: `pulumi up` killed (SIGKILL to the CLI's whole process tree) at a random point
while it creates the fleet, then the documented recovery (README, "Recovering from an
interrupted deploy"):

1. file backend only: remove the zero-byte ``<stack>.json.attrs`` a kill can leave behind
   ("failed to load checkpoint: EOF");
2. ``pulumi cancel --yes``: remove the dead run's stack lock;
3. ``pulumi refresh --clear-pending-creates --yes``: drop the creates the dead run had started;
4. ``pulumi up --yes``: creates what is missing; an object with a uid (or an event type name) that
   the dead run did create is found again by that key and taken over, since it holds exactly the
   declared settings;
5. objects without a natural key whose create was in flight (integrations, applications without
   uid) may exist twice: the Svix objects of the stack's applications that the state does not
   reference are the orphans; delete them.

The tests prove the server then holds exactly the declared objects and a preview is clean.
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests

from . import helpers
from .helpers import FLEET, HEADER_TOKEN, SIGNING_SECRET, TRACEBACK, cli

pytestmark = pytest.mark.engine

APPS, EVENT_TYPES, WITHOUT_UID = 12, 6, 2  # 54 resources
# Event types, applications, endpoints (one POST each: the secret goes with it), integrations (POST and
# key/rotate): 66 requests.
REQUESTS_OF_A_FULL_UP = EVENT_TYPES + APPS + APPS * 2 + APPS * 2
FAST_SEEDS, SLOW_SEEDS = (101,), (102, 103, 104, 105)
REPORT: dict[int, dict] = {}
ADOPTION_READS = ("GET /api/v1/app/{app_id}", "GET /api/v1/app/{app_id}/endpoint/{endpoint_id}",
                  "GET /api/v1/event-type/{event_type_name}")


def repair_file_backend(stack) -> list[Path]:
    """Step 1: the zero-byte metadata files a kill during a checkpoint write leaves behind."""
    backend = Path(urlparse(stack.workspace.env_vars["PULUMI_BACKEND_URL"]).path)
    empty = [p for p in backend.rglob("*.attrs") if p.stat().st_size == 0]
    for path in empty:
        path.unlink()
    return empty


def state_ids(stack) -> set[str]:
    resources = stack.export_stack().deployment.get("resources") or []
    return {r["id"] for r in resources if r.get("id")}


def orphans(emulator, stack) -> list[dict]:
    """Step 5: objects on Svix in the stack's applications, or applications of its fleet, that
    the state does not reference."""
    known = state_ids(stack)
    held = helpers.inventory(emulator)
    found = [{"kind": "app", **a} for a in held.apps if a["id"] not in known]
    found += [{"kind": "integration", **i} for i in held.integrations if i["id"] not in known]
    found += [{"kind": "endpoint", **e} for e in held.endpoints if e["id"] not in known]
    return found


def delete(emulator, orphan: dict) -> None:
    base = f"{emulator.url}/api/v1/app"
    path = {"app": f"{base}/{orphan['id']}",
            "integration": f"{base}/{orphan.get('_app')}/integration/{orphan['id']}",
            "endpoint": f"{base}/{orphan.get('_app')}/endpoint/{orphan['id']}"}[orphan["kind"]]
    requests.delete(path, headers=emulator.headers, timeout=30).raise_for_status()


def run_interrupted(stack_factory, start_emulator, tmp_path, seed: int) -> None:
    # Every API request takes 20 ms more, so that the kill lands while creates are in flight.
    emulator = start_emulator(f"seed-{seed}", latency_ms=20)
    tmp_path = tmp_path / f"seed-{seed}"
    prefix = f"k{seed}"
    stack = stack_factory(FLEET, config=helpers.fleet_config(
        emulator, apps=APPS, event_types=EVENT_TYPES, prefix=prefix, apps_without_uid=WITHOUT_UID))
    stack_dir = Path(stack.workspace.work_dir).parent
    assert helpers.fleet_size(APPS, EVENT_TYPES) >= 50
    target = random.Random(seed).randint(3, REQUESTS_OF_A_FULL_UP - 5)
    log = tmp_path / "killed-up.log"
    process = helpers.start_cli(stack, "up", "--yes", "--skip-preview", log=log)
    started = time.monotonic()
    try:
        reached = helpers.wait_for(lambda: emulator.stats()["total"] >= target, timeout=180)
    finally:
        # Also when waiting failed (the emulator died, an interrupt): the run must not go on alone.
        killed = helpers.kill_tree(process)
    assert reached, f"the deploy never got to request {target}:\n{log.read_text()}"
    assert process.returncode == -9
    at_kill = helpers.inventory(emulator).counts()
    outputs = [log.read_text()]

    # The documented recovery.
    repaired = repair_file_backend(stack)
    steps = [cli(stack, "cancel", "--yes")]
    pending = stack.export_stack().deployment.get("pending_operations") or []
    recorded_at_kill = len([r for r in stack.export_stack().deployment.get("resources") or []
                            if r["type"].startswith("pulumi-python:dynamic")])
    assert recorded_at_kill < helpers.fleet_size(APPS, EVENT_TYPES), "the kill came after the deploy"
    steps.append(cli(stack, "refresh", "--clear-pending-creates", "--yes"))
    before_up = emulator.stats()["requests"]
    steps.append(cli(stack, "up", "--yes"))
    after_up = emulator.stats()["requests"]
    # The recovering `up` reads a single object only where a create met its uid/name taken (409).
    taken_over = sum(after_up.get(r, 0) - before_up.get(r, 0) for r in ADOPTION_READS)
    for step in steps:
        outputs.append(step.stdout)
        assert step.returncode == 0, f"{step.args}:\n{step.stdout}"
    found = orphans(emulator, stack)
    pending_kinds = {op["resource"]["type"].split("/", 1)[-1] for op in pending}
    # Only what has no natural key can be left twice, and only if its create was in flight.
    assert {o["kind"] for o in found} <= {"app", "integration"}, found
    if any(o["kind"] == "integration" for o in found):
        assert "svix:Integration" in pending_kinds
    if any(o["kind"] == "app" for o in found):
        assert "svix:Application" in pending_kinds
    for orphan in found:
        assert orphan["kind"] != "app" or orphan["uid"] is None, orphan
        delete(emulator, orphan)

    held = helpers.inventory(emulator)
    helpers.assert_holds_fleet(held, apps=APPS, event_types=EVENT_TYPES, prefix=prefix,
                               apps_without_uid=WITHOUT_UID)
    preview = cli(stack, "preview", "--expect-no-changes", "--refresh")
    outputs.append(preview.stdout)
    assert preview.returncode == 0, preview.stdout
    for text in outputs:
        assert TRACEBACK not in text

    up_outputs = stack.outputs()
    secrets = [HEADER_TOKEN, SIGNING_SECRET, emulator.token,
               *up_outputs["signing_secrets"].value.values(), *up_outputs["integration_keys"].value.values()]
    leaks = helpers.sweep(secrets, texts=outputs,
                          files=helpers.swept_files(tmp_path) + helpers.swept_files(stack_dir))
    assert leaks == []
    REPORT[seed] = {"killed_at_request": target, "seconds_before_kill": round(time.monotonic() - started, 1),
                    "processes_killed": killed, "held_at_kill": at_kill,
                    "recorded_at_kill": recorded_at_kill, "pending_creates": len(pending),
                    "taken_over_by_uid": taken_over, "empty_attrs_removed": len(repaired),
                    "orphans_deleted": [o["kind"] for o in found], "result": "converged"}


def test_killed_up_recovers_to_exactly_the_declared_objects(start_emulator, stack_factory, tmp_path):
    for seed in FAST_SEEDS:
        run_interrupted(stack_factory, start_emulator, tmp_path, seed)


@pytest.mark.slow
def test_killed_up_recovers_for_more_seeds(start_emulator, stack_factory, tmp_path):
    # A failing seed cancels the seeds not yet started (see helpers.run_jobs).
    helpers.run_jobs({seed: (lambda s=seed: run_interrupted(stack_factory, start_emulator, tmp_path, s))
                      for seed in SLOW_SEEDS}, workers=2)


def test_a_repeated_create_takes_over_the_object_it_made_and_nothing_else(emulator):
    """What the recovering `up` relies on, provider by provider: a create repeated with the same
    inputs (the first one's result was lost with the dead run) ends with the first object; a create
    whose uid/name is held by an object with other settings fails naming the property."""
    from pulumi_svix import client as client_module
    from pulumi_svix.client import SvixError
    from pulumi_svix.config import Settings
    from pulumi_svix.resources.application import ApplicationProvider
    from pulumi_svix.resources.endpoint import EndpointProvider
    from pulumi_svix.resources.event_type import EventTypeProvider

    client_module.configure(Settings(server_url=emulator.url, token=emulator.token))
    try:
        event_type = {"name": "order.paid", "description": "paid", "schemas": {"1": {"type": "object"}}}
        app = {"name": "Acme", "uid": "acme", "metadata": {"tier": "gold"}}
        endpoint = {"url": "https://hooks.example.com/acme", "uid": "billing", "event_types": ["order.paid"],
                    "channels": ["b", "a"], "headers": {"Authorization": "Bearer x", "X-Team": "pay"},
                    "secret": SIGNING_SECRET}
        cases = [(EventTypeProvider(), event_type, {"description": "other"}, "name"),
                 (ApplicationProvider(), app, {"name": "Acme Two"}, "uid")]
        for provider, inputs, other, key in cases:
            first = provider.create(dict(inputs))
            again = provider.create(dict(inputs))
            assert again.id == first.id
            with pytest.raises(SvixError, match=rf"409.*\(property {key}\)"):
                provider.create({**inputs, **other})
        endpoint["app_id"] = "acme"
        provider = EndpointProvider()
        first = provider.create(dict(endpoint))
        again = provider.create(dict(endpoint))
        assert (again.id, again.outs["secret"]) == (first.id, SIGNING_SECRET)
        for other in ({"url": "https://hooks.example.com/other"}, {"headers": {"Authorization": "Bearer x"}},
                      {"headers": {"Authorization": "Bearer x", "X-Team": "ops"}},
                      {"secret": "whsec_" + "b" * 40}):
            with pytest.raises(SvixError, match=r"409.*\(property uid\)"):
                provider.create({**endpoint, **other})
        held = helpers.inventory(emulator)
        assert held.counts() == {"apps": 1, "endpoints": 1, "integrations": 0, "event_types": 1}
    finally:
        client_module.configure(None)
