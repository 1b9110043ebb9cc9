"""Bad input: a table of invalid programs across the four resources, each case asserted on its own.

Every case is one resource in one of two programs (the engine reports all failures of a run at
once, so two runs cover the table):

- preview cases: what the provider's ``check`` can know without calling Svix. ``pulumi preview``
  fails with a message that names the resource (its URN) and the property, and nothing reaches
  the server (not a single API request).
- up cases: what only Svix can know (a uid taken by another resource of the program, an event
  type filter naming a missing event type, an application that does not exist). ``pulumi
  preview`` passes, ``pulumi up`` fails for exactly these resources with Svix's error restated
  for the property, and the server holds only what the state records (nothing half-created).

The wrong token and the unreachable server are in test_auth_and_connectivity.py.
No Python traceback reaches the user in any case, and no secret value appears in plain text.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi import automation as auto

import pulumi_svix as svix

from . import helpers
from .helpers import TRACEBACK

pytestmark = pytest.mark.engine

HOST_UID = "bad-input-host"
MISSING_APP = "app_" + "2" * 27
BAD_SECRET = "whsec_tooshort-but-secret-8c1e"
HEADER_VALUE = "Bearer leaked-if-you-see-this-4b7d"
PARALLEL = 2  # previews at once (each on its own stack)
REPORT: dict = {}


@dataclass
class Case:
    name: str
    kind: str
    props: dict
    prop: str  # the property the message must name
    stage: str  # "preview" or "up"
    says: str = ""  # a fragment the message must contain besides the property
    after: str | None = None  # created after this resource (for the duplicate cases)


def ep(**kw: Any) -> dict:
    return {"app_id": HOST_UID, "url": "https://hooks.example.com/x", **kw}


def integ(**kw: Any) -> dict:
    return {"app_id": HOST_UID, "name": "Zapier", **kw}


CASES = [
    # Application
    Case("app-uid-id-prefix", "Application", {"name": "A", "uid": "app_acme"}, "uid", "preview", "app_"),
    Case("app-uid-bad-chars", "Application", {"name": "A", "uid": "acme corp!"}, "uid", "preview"),
    Case("app-uid-too-long", "Application", {"name": "A", "uid": "u" * 257}, "uid", "preview", "256"),
    Case("app-uid-empty", "Application", {"name": "A", "uid": ""}, "uid", "preview"),
    Case("app-name-empty", "Application", {"name": ""}, "name", "preview"),
    Case("app-name-missing", "Application", {}, "name", "preview", "required"),
    Case("app-throttle-zero", "Application", {"name": "A", "throttle_rate": 0}, "throttle_rate", "preview"),
    Case("app-throttle-too-high", "Application", {"name": "A", "throttle_rate": 70000}, "throttle_rate", "preview"),
    Case("app-throttle-fraction", "Application", {"name": "A", "throttle_rate": 2.5}, "throttle_rate", "preview"),
    Case("app-metadata-too-large", "Application", {"name": "A", "metadata": {"k": "v" * 5000}}, "metadata",
         "preview", "4096"),
    Case("app-metadata-not-string", "Application", {"name": "A", "metadata": {"n": 5}}, "metadata", "preview"),
    # Endpoint
    Case("ep-url-ftp", "Endpoint", ep(url="ftp://hooks.example.com/x"), "url", "preview", "http"),
    Case("ep-url-relative", "Endpoint", ep(url="hooks.example.com/x"), "url", "preview"),
    Case("ep-url-empty", "Endpoint", ep(url=""), "url", "preview"),
    Case("ep-url-missing", "Endpoint", {"app_id": HOST_UID}, "url", "preview", "required"),
    Case("ep-app-id-empty", "Endpoint", ep(app_id=""), "app_id", "preview"),
    Case("ep-uid-id-prefix", "Endpoint", ep(uid="ep_billing"), "uid", "preview", "ep_"),
    Case("ep-uid-bad-chars", "Endpoint", ep(uid="billing/eu"), "uid", "preview"),
    Case("ep-uid-too-long", "Endpoint", ep(uid="e" * 300), "uid", "preview"),
    Case("ep-throttle-zero", "Endpoint", ep(throttle_rate=0), "throttle_rate", "preview"),
    Case("ep-throttle-negative", "Endpoint", ep(throttle_rate=-5), "throttle_rate", "preview"),
    Case("ep-11-channels", "Endpoint", ep(channels=[f"c{n}" for n in range(11)]), "channels", "preview", "10"),
    Case("ep-channel-bad-chars", "Endpoint", ep(channels=["billing eu"]), "channels", "preview"),
    Case("ep-channel-too-long", "Endpoint", ep(channels=["c" * 129]), "channels", "preview"),
    Case("ep-event-type-bad-chars", "Endpoint", ep(event_types=["invoice paid!"]), "event_types", "preview"),
    Case("ep-header-host", "Endpoint", ep(headers={"Host": "evil.example.com"}), "headers", "preview", "Host"),
    Case("ep-header-svix-signature", "Endpoint", ep(headers={"svix-signature": "x"}), "headers", "preview"),
    Case("ep-header-amz-prefix", "Endpoint", ep(headers={"X-Amz-Date": "x"}), "headers", "preview", "x-amz-"),
    Case("ep-header-forwarded-prefix", "Endpoint", ep(headers={"X-Forwarded-For": "1.2.3.4"}), "headers",
         "preview"),
    Case("ep-header-name-space", "Endpoint", ep(headers={"Bad Header": "x"}), "headers", "preview",
         "not a valid HTTP header name"),
    Case("ep-header-name-colon", "Endpoint", ep(headers={"X-Team:": "x"}), "headers", "preview"),
    Case("ep-header-forbidden-sensitive-value", "Endpoint", ep(headers={"Content-Type": HEADER_VALUE}),
         "headers", "preview"),
    Case("ep-header-name-sensitive-value", "Endpoint", ep(headers={"Authorization ": HEADER_VALUE}),
         "headers", "preview"),
    Case("ep-secret-malformed", "Endpoint", ep(secret=BAD_SECRET), "secret", "preview"),
    Case("ep-secret-bad-prefix", "Endpoint", ep(secret="sk_" + "a" * 40), "secret", "preview"),
    Case("ep-metadata-too-large", "Endpoint", ep(metadata={f"k{n}": "v" * 100 for n in range(50)}), "metadata",
         "preview", "4096"),
    Case("ep-disabled-not-bool", "Endpoint", ep(disabled="yes"), "disabled", "preview"),
    # EventType
    Case("et-name-bad-chars", "EventType", {"name": "invoice paid!"}, "name", "preview"),
    Case("et-name-too-long", "EventType", {"name": "e" * 257}, "name", "preview", "256"),
    Case("et-name-empty", "EventType", {"name": ""}, "name", "preview"),
    Case("et-group-bad-chars", "EventType", {"name": "a.b", "group_name": "billing team"}, "group_name",
         "preview"),
    Case("et-feature-flag-bad-chars", "EventType", {"name": "a.c", "feature_flags": ["beta users"]},
         "feature_flags", "preview"),
    Case("et-description-not-string", "EventType", {"name": "a.d", "description": 42}, "description", "preview"),
    Case("et-schemas-not-object", "EventType", {"name": "a.e", "schemas": ["v1"]}, "schemas", "preview"),
    # Integration
    Case("integ-name-empty", "Integration", integ(name=""), "name", "preview"),
    Case("integ-name-missing", "Integration", {"app_id": HOST_UID}, "name", "preview", "required"),
    Case("integ-26-feature-flags", "Integration", integ(feature_flags=[f"f{n}" for n in range(26)]),
         "feature_flags", "preview", "25"),
    Case("integ-feature-flag-bad-chars", "Integration", integ(feature_flags=["no spaces"]), "feature_flags",
         "preview"),
    Case("integ-app-id-empty", "Integration", integ(app_id=""), "app_id", "preview"),
    # Only Svix can tell: caught at up.
    Case("dup-app-uid", "Application", {"name": "Second", "uid": "dup-app"}, "uid", "up", "409",
         after="dup-app-first"),
    Case("dup-endpoint-uid", "Endpoint", ep(uid="dup-ep", url="https://hooks.example.com/second"), "uid", "up",
         "409", after="dup-endpoint-first"),
    Case("dup-event-type-name", "EventType", {"name": "dup.event", "description": "second"}, "name", "up", "409",
         after="dup-event-type-first"),
    Case("ep-filter-missing-event-type", "Endpoint", ep(event_types=["does.not.exist"]), "event_types", "up",
         "does.not.exist"),
    Case("ep-app-does-not-exist", "Endpoint", ep(app_id=MISSING_APP), "app_id", "up", "404"),
    Case("integ-app-does-not-exist", "Integration", integ(app_id=MISSING_APP), "app_id", "up", "404"),
]
# The valid first holders of the keys the duplicate cases reuse (created first, must succeed).
FIRSTS = {
    "dup-app-first": ("Application", {"name": "First", "uid": "dup-app"}),
    "dup-endpoint-first": ("Endpoint", ep(uid="dup-ep", url="https://hooks.example.com/first")),
    "dup-event-type-first": ("EventType", {"name": "dup.event", "description": "first"}),
}


def program(cases: list[Case], with_host: bool):
    def run() -> None:
        created: dict[str, pulumi.Resource] = {}
        if with_host:
            created["host"] = svix.Application("host", name="Host", uid=HOST_UID)
        opts = pulumi.ResourceOptions(depends_on=[created["host"]]) if with_host else None

        def make(name: str, kind: str, props: dict, options=None) -> pulumi.Resource:
            return getattr(svix, kind)(name, opts=options, **props)

        for name, (kind, props) in FIRSTS.items():
            if any(c.after == name for c in cases):
                created[name] = make(name, kind, props, opts)
        for case in cases:
            props = dict(case.props)  # secret values deliberately plain: the provider must hide them
            depends = [created[case.after]] if case.after else []
            if with_host:
                depends.append(created["host"])
            make(case.name, case.kind, props, pulumi.ResourceOptions(depends_on=depends))
    return run


def errors_by_resource(events: list) -> dict[str, str]:
    """Error diagnostics per resource name (the last URN segment)."""
    found: dict[str, str] = {}
    for event in events:
        diag = event.diagnostic_event
        if diag and diag.severity == "error" and diag.urn:
            name = diag.urn.rsplit("::", 1)[-1]
            found[name] = found.get(name, "") + diag.message
    return found


def assert_case(case: Case, message: str | None, stage: str) -> None:
    assert message, f"{case.name}: no error reported at {stage}"
    assert case.kind in message, f"{case.name}: the message does not name the kind: {message}"
    assert case.prop in message, f"{case.name}: the message does not name {case.prop}: {message}"
    assert case.says in message, f"{case.name}: expected {case.says!r} in: {message}"
    assert TRACEBACK not in message


def run(stack, action, **kw) -> tuple[list, str]:
    events, output = [], []
    try:
        action(on_event=events.append, on_output=output.append, **kw)
    except auto.CommandError:
        pass  # expected: the assertions below look at what was reported
    return events, "".join(output)


PREVIEW_CASES = [c for c in CASES if c.stage == "preview"]
UP_CASES = [c for c in CASES if c.stage == "up"]


def test_the_table_is_broad():
    assert len(CASES) >= 40
    assert {c.kind for c in CASES} == {"Application", "Endpoint", "EventType", "Integration"}
    assert len({c.name for c in CASES}) == len(CASES)


def preview_each(stack, cases: list[Case]) -> list[str]:
    """One preview per case: the engine stops a preview at its first failing check."""
    outputs = []
    for case in cases:
        events, output = run(stack, stack.preview, program=program([case], with_host=False))
        outputs.append(output)
        errors = errors_by_resource(events)
        assert_case(case, errors.get(case.name), "preview")
        assert set(errors) == {case.name}, errors
        assert TRACEBACK not in output
    return outputs


def test_invalid_input_known_at_preview(emulator, stack_factory, svix_config):
    stacks = [stack_factory(program([], with_host=False), config=svix_config) for _ in range(PARALLEL)]
    with ThreadPoolExecutor(PARALLEL) as pool:
        shares = [PREVIEW_CASES[n::PARALLEL] for n in range(PARALLEL)]
        outputs = [text for texts in pool.map(preview_each, stacks, shares) for text in texts]
    # Nor does `up` get further: the same checks run before any create.
    stack = stacks[0]
    events, output = run(stack, stack.up, program=program(PREVIEW_CASES[:3], with_host=False))
    outputs.append(output)
    assert set(errors_by_resource(events)) & {c.name for c in PREVIEW_CASES[:3]}
    assert TRACEBACK not in output
    assert emulator.stats()["total"] == 0, "a preview-time failure reached the server"
    swept = [path for s in stacks for path in helpers.swept_files(Path(s.workspace.work_dir).parent)]
    assert helpers.sweep([BAD_SECRET, HEADER_VALUE, emulator.token], texts=outputs, files=swept) == []
    REPORT["caught at preview"] = len(PREVIEW_CASES)


def test_invalid_input_known_only_to_svix_fails_at_up(emulator, stack_factory, svix_config):
    stack = stack_factory(program(UP_CASES, with_host=True), config=svix_config)
    events, output = run(stack, stack.preview)
    assert errors_by_resource(events) == {}, "these cases cannot be known at preview"
    events, output = run(stack, stack.up, continue_on_error=True)
    errors = errors_by_resource(events)
    for case in UP_CASES:
        assert_case(case, errors.get(case.name), "up")
    assert set(errors) == {c.name for c in UP_CASES}, "a valid resource failed"
    assert TRACEBACK not in output

    # Nothing half-created: the server holds exactly what the state records, which is the valid part.
    recorded = {r["id"] for r in stack.export_stack().deployment.get("resources") or [] if r.get("id")}
    held = helpers.inventory(emulator)
    on_server = [o["id"] for o in held.apps + held.endpoints + held.integrations]
    on_server += [e["name"] for e in held.event_types]
    assert sorted(on_server) == sorted(recorded & set(on_server))
    assert len(on_server) == 1 + len(FIRSTS)
    assert [e["description"] for e in held.event_types] == ["first"]
    assert [a["name"] for a in held.apps if a["uid"] == "dup-app"] == ["First"]
    assert [e["url"] for e in held.endpoints] == ["https://hooks.example.com/first"]
    assert helpers.sweep([emulator.token], texts=[output],
                         files=helpers.swept_files(Path(stack.workspace.work_dir).parent)) == []
    REPORT["caught at up"] = len(UP_CASES)
