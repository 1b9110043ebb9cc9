"""pulumi-svix against a self-hosted svix-server (the emulator's ``oss`` flavor, or a real svix-server), through
the real engine: the provider must never report success for what the server did not store.

What svix-server does differently from Svix cloud, and what these tests hold the provider to:

- it ignores ``headers`` in the create-endpoint body: headers declared at create must still end up on the
  server (``GET …/headers``), and the next preview shows no changes;
- it speaks ``featureFlag`` (one string or null) instead of ``featureFlags`` and has no group names: one feature
  flag round-trips (create, change, remove, drift seen by refresh and restored by up); two flags or a group
  name fail the ``up`` naming the property and saying "self-hosted", and nothing is created;
- it has no Integration API: an Integration fails saying so (not "no such application").

Every test runs on the oss flavor only (``[oss]``), or against a real server whose flavor is oss (``[real]``).
"""

from __future__ import annotations

import secrets

import pulumi
import pytest

import pulumi_svix as svix
from tests.e2e.conftest import RUN_ID, target_params

pytestmark = [pytest.mark.engine, pytest.mark.parametrize("target", target_params("oss"), indirect=True)]

SELF_HOSTED = "a self-hosted svix-server's dialect"


def et_name(test: str) -> str:
    """An event type name unique to this run (event types are org-wide on a shared server)."""
    return f"e2e.{RUN_ID}.oss.{test}"


def changes(result) -> dict[str, int]:
    return {op: n for op, n in result.summary.resource_changes.items() if op != "same"}


@pytest.fixture(autouse=True)
def self_hosted_only(target) -> None:
    target.require_flavor("oss", SELF_HOSTED)


# --- endpoint headers declared at create -----------------------------------------------------------

def test_endpoint_headers_declared_at_create_are_on_the_server(target, new_stack):
    api = target.api
    authorization = "Bearer created-" + secrets.token_hex(8)
    headers = {"X-Team": "red", "X-Region": "eu", "Authorization": authorization}

    def program() -> None:
        app = svix.Application("app", name="Headers at create", uid=target.unique("oss-headers-app"))
        endpoint = svix.Endpoint("ep", app_id=app.id, url="https://hooks.example.com/headers", headers=headers)
        pulumi.export("app_id", app.id)
        pulumi.export("endpoint_id", endpoint.id)

    stack = new_stack(program)
    up = stack.up()
    assert changes(up) == {"create": 3}, up.summary.resource_changes
    app_id, endpoint_id = up.outputs["app_id"].value, up.outputs["endpoint_id"].value

    live = api.endpoint_headers(app_id, endpoint_id)
    assert live["headers"] == {"X-Team": "red", "X-Region": "eu"}, live
    assert [name.lower() for name in live["sensitive"]] == ["authorization"], live
    if target.is_emulator:  # the server redacts Authorization; the emulator's database holds its value
        assert target.stored_endpoint_headers(endpoint_id) == headers

    stack.assert_no_changes()
    refresh = stack.refresh()  # the server holds what the state says: no drift
    assert changes(refresh) == {}, refresh.summary.resource_changes
    stack.assert_no_changes()
    stack.assert_no_plain_secrets({"Authorization header": authorization})


# --- one feature flag: svix-server's featureFlag ---------------------------------------------------

def test_one_feature_flag_round_trips_as_feature_flag(target, new_stack):
    api = target.api
    name = et_name("one-flag")
    spec: dict = {"feature_flags": ["beta-flag"]}

    def program() -> None:
        svix.EventType("et", name=name, description="gated", expunge_on_delete=True, **spec)

    def stored_flag():
        event_type = api.event_type(name)
        assert event_type is not None, f"{name} is not on the server"
        return event_type.get("featureFlag")

    stack = new_stack(program)
    assert changes(stack.up_converged()) == {"create": 2}
    assert stored_flag() == "beta-flag"

    # Changed in the program: updated in place.
    spec["feature_flags"] = ["gamma-flag"]
    up = stack.up_converged()
    assert changes(up) == {"update": 1}, up.summary.resource_changes
    assert stored_flag() == "gamma-flag"

    # Changed behind Pulumi's back: refresh sees the drift, up restores the declared flag.
    api.call("PATCH", f"/api/v1/event-type/{name}", {"featureFlag": "rogue-flag"})
    refresh = stack.refresh()
    assert changes(refresh) == {"update": 1}, refresh.summary.resource_changes
    assert stack.outputs("et")["feature_flags"] == ["rogue-flag"]
    up = stack.up_converged()
    assert changes(up) == {"update": 1}, up.summary.resource_changes
    assert stored_flag() == "gamma-flag"

    # Removed from the program: the server's flag is cleared.
    spec.pop("feature_flags")
    up = stack.up_converged()
    assert changes(up) == {"update": 1}, up.summary.resource_changes
    assert stored_flag() is None


# --- what only Svix cloud can hold: fails naming the property, creates nothing --------------------

CLOUD_ONLY = {
    "feature_flags": dict(feature_flags=["alpha-flag", "beta-flag"]),
    "group_name": dict(group_name="billing"),
}


@pytest.mark.parametrize("prop", sorted(CLOUD_ONLY))
def test_event_type_with_a_cloud_only_property_fails_and_is_not_created(target, new_stack, prop):
    api = target.api
    name = et_name(f"cloud-only-{prop.replace('_', '-')}")
    target.delete_at_teardown(f"/api/v1/event-type/{name}", expunge="true")  # if the provider created it

    def program() -> None:
        svix.EventType("et", name=name, description="cloud only", expunge_on_delete=True, **CLOUD_ONLY[prop])

    stack = new_stack(program)
    failure = stack.up_fails()
    assert prop in failure and "self-hosted" in failure, failure
    assert api.event_type(name) is None, f"{name} was created on the server"
    assert stack.resource("et") is None


@pytest.mark.parametrize("prop", sorted(CLOUD_ONLY))
def test_event_type_changed_to_a_cloud_only_property_fails_and_keeps_the_server_as_it_was(
        target, new_stack, prop):
    api = target.api
    name = et_name(f"to-cloud-only-{prop.replace('_', '-')}")
    spec: dict = {"feature_flags": ["kept-flag"]}

    def program() -> None:
        svix.EventType("et", name=name, description="first one flag", expunge_on_delete=True, **spec)

    stack = new_stack(program)
    stack.up_converged()
    assert api.event_type(name)["featureFlag"] == "kept-flag"

    spec.update(CLOUD_ONLY[prop])
    failure = stack.up_fails()
    assert prop in failure and "self-hosted" in failure, failure
    event_type = api.event_type(name)
    assert event_type["featureFlag"] == "kept-flag" and "groupName" not in event_type, event_type
    assert stack.outputs("et")["feature_flags"] == ["kept-flag"]


# --- no Integration API ----------------------------------------------------------------------------

def test_integration_fails_naming_the_missing_integration_api(target, new_stack):
    def program() -> None:
        app = svix.Application("app", name="No integrations", uid=target.unique("oss-integ-app"))
        svix.Integration("integ", app_id=app.id, name="Zapier")

    stack = new_stack(program)
    failure = stack.up_fails()
    assert "Integration API" in failure, failure
    assert "no such application" not in failure, failure
    assert stack.resource("integ") is None
