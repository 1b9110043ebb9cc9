"""Review defects of issue 11 through the real engine: values reach Svix, and come back, as written.

Each test runs on both emulator flavors (``[cloud]``, ``[oss]``), or once against a real Svix.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest
from pulumi import automation as auto

import pulumi_svix as svix
from tests.e2e.conftest import RUN_ID

pytestmark = pytest.mark.engine

BARE_SECRET = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"  # base64 of 24 bytes, no whsec_ prefix: the schema allows it
TRACEBACK = "Traceback (most recent call last)"


def changes(result) -> dict[str, int]:
    return {op: n for op, n in result.summary.resource_changes.items() if op != "same"}


def rotations(target) -> int:
    """Secret rotations the emulator was asked for since the test began."""
    requests = target.emulator.stats()["requests"]
    return sum(n for key, n in requests.items() if key.endswith("/secret/rotate"))


# --- item 2 -------------------------------------------------------------------------------------------

def test_a_declared_secret_without_the_prefix_never_rotates_on_up_refresh(target, new_stack):
    uid = target.unique("bare-secret")

    def program() -> None:
        app = svix.Application("app", name="Bare secret", uid=uid)
        endpoint = svix.Endpoint("ep", app_id=app.id, url="https://hooks.example.com/bare", secret=BARE_SECRET)
        pulumi.export("app_id", app.id)
        pulumi.export("endpoint_id", endpoint.id)

    lc = new_stack(program)
    outputs = lc.up_converged().outputs
    app_id, endpoint_id = outputs["app_id"].value, outputs["endpoint_id"].value
    target.delete_at_teardown(f"/api/v1/app/{app_id}")
    assert target.api.endpoint_secret(app_id, endpoint_id) == "whsec_" + BARE_SECRET
    before = rotations(target) if target.is_emulator else None
    for _ in range(2):
        result = lc.stack.up(refresh=True, on_output=lc.output.append, color="never")
        assert result.summary.result == "succeeded", result.stdout
        assert changes(result) == {}, (result.summary.resource_changes, result.stdout)
    assert target.api.endpoint_secret(app_id, endpoint_id) == "whsec_" + BARE_SECRET
    if target.is_emulator:
        assert rotations(target) == before == 0
    lc.assert_no_changes()
    lc.assert_no_plain_secrets({"secret": BARE_SECRET})


# --- item 8 -------------------------------------------------------------------------------------------

def test_whole_numbers_in_event_type_schemas_are_stored_as_written(target, new_stack):
    name = f"e2e.{RUN_ID}.numbers"
    schema = {"type": "object", "properties": {
        "code": {"type": "string", "maxLength": 5, "minLength": 0},
        "amount": {"type": "number", "minimum": 0, "multipleOf": 0.01},
        "tags": {"type": "array", "maxItems": 3, "items": {"enum": [1, 2, "x"]}}}}

    def program() -> None:
        svix.EventType("numbers", name=name, description="numbers", schemas={"1": schema},
                       expunge_on_delete=True)

    lc = new_stack(program)
    lc.up_converged()
    target.delete_at_teardown(f"/api/v1/event-type/{name}", expunge="true")
    response = target.api.get(f"/api/v1/event-type/{name}")
    stored = response.json()["schemas"]["1"]
    assert stored == schema
    code, amount = stored["properties"]["code"], stored["properties"]["amount"]
    assert type(code["maxLength"]) is int and type(code["minLength"]) is int, code
    assert type(amount["minimum"]) is int and amount["multipleOf"] == 0.01, amount
    assert type(stored["properties"]["tags"]["maxItems"]) is int
    assert [type(v) for v in stored["properties"]["tags"]["items"]["enum"]] == [int, int, str]
    lc.refresh()
    lc.assert_no_changes()


# --- item 9 -------------------------------------------------------------------------------------------

def metadata_of(size: int, keys: int = 200) -> dict[str, str]:
    """``keys`` string entries whose compact JSON is exactly ``size`` bytes."""
    meta = {f"k{i:03d}": "" for i in range(keys)}
    meta["k000"] = "v" * (size - len(json.dumps(meta, separators=(",", ":"))))
    return meta


def largest_metadata_preview_accepts(provider, props: dict) -> int:
    """The largest compact-JSON size of a 200-key metadata map that ``check`` (preview) accepts."""
    low, high = 1500, 5000
    while low < high:
        size = (low + high + 1) // 2
        failures = provider.check({}, {**props, "metadata": metadata_of(size)}).failures
        low, high = (size, high) if not any(f.property == "metadata" for f in failures) else (low, size - 1)
    return low


def test_metadata_preview_accepts_up_stores_up_to_the_last_byte(target, new_stack):
    """200 keys of 4,001 bytes as compact JSON (what svix-server measures; 4,400 with spaces) passed
    preview and failed up. Now the largest map preview accepts, for an application and an endpoint,
    is stored by up (and the 4,001-byte one is within it)."""
    from pulumi_svix.resources.application import ApplicationProvider
    from pulumi_svix.resources.endpoint import EndpointProvider

    app_size = largest_metadata_preview_accepts(ApplicationProvider(), {"name": "A"})
    ep_size = largest_metadata_preview_accepts(EndpointProvider(), {"app_id": "app_x", "url": "https://x.example"})
    assert 4001 <= app_size <= 4096 and 4001 <= ep_size <= 4096
    assert len(json.dumps(metadata_of(4001)).encode()) == 4400
    app_meta, ep_meta = metadata_of(app_size), metadata_of(ep_size)
    uid = target.unique("meta-200")

    def program() -> None:
        app = svix.Application("app", name="Metadata", uid=uid, metadata=app_meta)
        endpoint = svix.Endpoint("ep", app_id=app.id, url="https://hooks.example.com/meta", metadata=ep_meta)
        pulumi.export("app_id", app.id)
        pulumi.export("endpoint_id", endpoint.id)

    lc = new_stack(program)
    outputs = lc.up_converged().outputs
    app_id, endpoint_id = outputs["app_id"].value, outputs["endpoint_id"].value
    target.delete_at_teardown(f"/api/v1/app/{app_id}")
    # Svix holds every declared entry (and may hold the provider's own ownership marker beside them).
    assert app_meta.items() <= target.api.app(app_id)["metadata"].items()
    assert ep_meta.items() <= target.api.endpoint(app_id, endpoint_id)["metadata"].items()


SLACK = "hooks.slack.com/services/T0000/B0000/XXXXsecretXXXX"


def preview_cases() -> list:
    def endpoint(**props: Any):
        """A program with one endpoint; a callable value is called inside the program (an Output must be
        made on the program's event loop)."""
        def program() -> None:
            app = svix.Application("app", name="Host")
            values = {k: v() if callable(v) else v for k, v in props.items()}
            svix.Endpoint("ep", app_id=app.id, **{"url": "https://hooks.example.com/x", **values})
        return program

    return [
        pytest.param(endpoint(throttle_rate="20"), "throttle_rate", None, id="throttle-rate-string"),
        pytest.param(endpoint(throttle_rate=True), "throttle_rate", None, id="throttle-rate-bool"),
        pytest.param(endpoint(headers={"X-Token": "hunter2-XXXXsecretXXXX\nInjected: yes"}), "headers",
                     "XXXXsecretXXXX", id="header-value-newline"),
        pytest.param(endpoint(url=lambda: pulumi.Output.secret(SLACK)), "url", "XXXXsecretXXXX", id="secret-url"),
    ]


@pytest.mark.parametrize("program, prop, hidden", preview_cases())
def test_what_up_would_refuse_fails_at_preview_without_repeating_the_value(target, new_stack, program, prop,
                                                                          hidden):
    lc = new_stack(program)
    events: list = []
    try:
        lc.stack.preview(on_event=events.append, on_output=lc.output.append, color="never")
        raise AssertionError(f"preview passed:\n{''.join(lc.output)}")
    except auto.CommandError as error:
        failure = str(error)
    errors = [e.diagnostic_event.message for e in events
              if e.diagnostic_event and e.diagnostic_event.severity == "error"
              and (e.diagnostic_event.urn or "").endswith("::ep")]
    assert errors, failure
    assert f"Endpoint.{prop}" in errors[0], errors
    text = "".join(lc.output) + failure + "".join(errors)
    assert TRACEBACK not in text
    if hidden:
        assert hidden not in text
    if target.is_emulator:
        assert target.emulator.stats()["total"] == 0, "a preview-time failure reached the server"
