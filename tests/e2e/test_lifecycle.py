"""Lifecycle of the four resources through the real engine, checked on the Svix server (emulator by default).

Each test runs an Automation API inline program built from a ``spec`` (a plain dict of declared values) and
changes the spec between ``up``s, reusing one stack: what changed must be updated in place or replaced as
schema.yaml says, the server must show the declared values, and a preview right after every ``up`` must
propose nothing (no perpetual diff).

Every test runs on both flavors of the emulator (``[cloud]``, ``[oss]``: the self-hosted svix-server), and
through both faces of the package (the ``svix`` fixture: ``[dynamic]``, the dynamic resources of
``pulumi_svix``; ``[plugin]``, ``pulumi_svix.native``, served by the ``pulumi-resource-svix`` plugin). The
plugin runs the same provider code as the dynamic resources, so its checks run on the ``cloud`` flavor only
(conftest.py deselects ``[oss-plugin]``), which bounds the suite's time.
Applications, endpoints and event types are tested in programs without an Integration and without what
only Svix cloud can hold (a group name, more than one feature flag), so a server without the Integration
API runs all of those checks; the Integration's lifecycle has tests of its own, which skip there.
"""

from __future__ import annotations

import base64
import copy
import secrets
from typing import Any

import pulumi
import pytest

from pulumi_svix.resources._ownership import OWNER_KEY
from tests.e2e.conftest import RUN_ID, filter_types, target_params

pytestmark = pytest.mark.engine


def et_name(test: str, name: str) -> str:
    """An event type name unique to this run (event types are org-wide on a shared server)."""
    return f"e2e.{RUN_ID}.{test}.{name}"


def declared(props: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments for a resource from the spec, as plain values: header values and secrets are not
    wrapped in ``pulumi.Output.secret`` here, the resources must make them secret themselves."""
    return copy.deepcopy(props)


def lowered(names: list[str]) -> list[str]:
    """Header names compare case-insensitively (HTTP); Svix may report them in either case."""
    return sorted(name.lower() for name in names)


def is_svix_resource(resource: dict) -> bool:
    """One of the four resources in state, of either face (``pulumi-python:dynamic/…`` or ``svix:index:…``)."""
    return resource["type"].startswith(("pulumi-python:dynamic/", "svix:index:"))


def changes(result) -> dict[str, int]:
    return {op: n for op, n in result.summary.resource_changes.items() if op != "same"}


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def server_feature_flags(target, event_type: dict) -> list[str]:
    """The event type's feature flags as the server holds them, sorted: Svix cloud's ``featureFlags`` (a
    list), or the self-hosted svix-server's ``featureFlag`` (one string or null)."""
    if target.flavor == "oss":
        return [event_type["featureFlag"]] if event_type.get("featureFlag") is not None else []
    return sorted(event_type.get("featureFlags") or [])


# --- every mutable property, in place --------------------------------------------------------------

def mutable_spec(target, step: int) -> dict[str, dict]:
    """Step 0 creates; step 1 changes every mutable property; step 2 clears every optional one.

    Event type ``a`` has a group name and two feature flags on Svix cloud; the self-hosted svix-server holds
    no group name and at most one flag, so there ``a`` changes its one flag instead."""
    a, b, c = (et_name("upd", n) for n in "abc")
    app_uid, app_uid2 = target.unique("upd-app"), target.unique("upd-app2")
    schema_v1 = {"type": "object", "properties": {"id": {"type": "string"}}}
    schema_v2 = {"type": "object", "properties": {"id": {"type": "string"}, "n": {"type": "integer"}}}
    cloud = target.flavor == "cloud"
    steps = [
        {
            "app": dict(name="Updates app", uid=app_uid, metadata={"team": "red"}),
            "ep": dict(url="https://hooks.example.com/one", description="first", uid="upd-ep", throttle_rate=10,
                       disabled=False, event_types=[a], channels=["c1"], metadata={"k": "1"},
                       headers={"X-Team": "red", "Authorization": "Bearer one-" + secrets.token_hex(8)}),
            "et_a": dict(name=a, description="A", schemas={"1": schema_v1},
                         **(dict(group_name="g1") if cloud else dict(feature_flags=["alpha"]))),
            "et_b": dict(name=b, description="B"),
            "et_c": dict(name=c, description="C"),
        },
        {
            "app": dict(name="Renamed app", uid=app_uid2, throttle_rate=50, metadata={"team": "blue", "tier": "gold"}),
            "ep": dict(url="https://hooks.example.com/two", description="second", uid="upd-ep2", throttle_rate=20,
                       disabled=True, event_types=[b, a], channels=["c3", "c2"], metadata={"k": "2"},
                       headers={"X-Team": "blue", "Authorization": "Bearer two-" + secrets.token_hex(8)}),
            "et_a": dict(name=a, description="A2", deprecated=True, schemas={"1": schema_v1, "2": schema_v2},
                         **(dict(group_name="g2", feature_flags=["beta", "alpha"]) if cloud
                            else dict(feature_flags=["beta"]))),
            "et_b": dict(name=b, description="B"),
            "et_c": dict(name=c, description="C", archived=True),
        },
        {
            "app": dict(name="Renamed app"),
            "ep": dict(url="https://hooks.example.com/two", disabled=False),
            "et_a": dict(name=a),
            "et_b": dict(name=b, description="B"),
            "et_c": dict(name=c, description="C", archived=False),
        },
    ]
    return steps[step]


def build_program(svix, spec: dict[str, dict]):
    """The inline program: the resources of ``spec`` (read at each run, so tests can change it)."""

    def program() -> None:
        ets = {key: svix.EventType(key, expunge_on_delete=True, **declared(spec[key]))
               for key in ("et_a", "et_b", "et_c")}
        app = svix.Application("app", **declared(spec["app"]))
        ep_props = declared(spec["ep"])
        # Filter on the EventType outputs (as users should), so the event types exist first.
        by_name = {spec[key]["name"]: et.name for key, et in ets.items()}
        if ep_props.get("event_types"):
            ep_props["event_types"] = [by_name[n] for n in ep_props["event_types"]]
        svix.Endpoint("ep", app_id=app.id, **ep_props)
        pulumi.export("app_id", app.id)

    return program


def user_metadata(obj: dict) -> dict:
    """An application's or endpoint's metadata without the provider's ownership marker."""
    return {k: v for k, v in (obj.get("metadata") or {}).items() if k != OWNER_KEY}


def assert_server_shows(target, app_id: str, spec: dict[str, dict]) -> None:
    api = target.api
    app_spec, ep_spec = spec["app"], spec["ep"]
    app = api.app(app_id)
    assert app["name"] == app_spec["name"]
    assert app.get("uid") == app_spec.get("uid")
    assert app.get("throttleRate") == app_spec.get("throttle_rate")
    assert user_metadata(app) == app_spec.get("metadata", {})

    [endpoint] = api.endpoints(app_id)
    assert endpoint["url"] == ep_spec["url"]
    assert endpoint["description"] == ep_spec.get("description", "")
    assert endpoint.get("uid") == ep_spec.get("uid")
    assert endpoint.get("throttleRate") == ep_spec.get("throttle_rate")
    assert bool(endpoint.get("disabled")) == ep_spec.get("disabled", False)
    assert filter_types(endpoint) == sorted(ep_spec.get("event_types", []))
    assert sorted(endpoint.get("channels") or []) == sorted(ep_spec.get("channels", []))
    assert user_metadata(endpoint) == ep_spec.get("metadata", {})
    headers = api.endpoint_headers(app_id, endpoint["id"])
    declared_headers = ep_spec.get("headers", {})
    assert headers["headers"] == {k: v for k, v in declared_headers.items() if k != "Authorization"}
    assert lowered(headers["sensitive"]) == [k.lower() for k in declared_headers if k == "Authorization"]

    for key in ("et_a", "et_b", "et_c"):
        et_spec = spec[key]
        event_type = api.event_type(et_spec["name"])
        assert event_type["description"] == et_spec.get("description", ""), key
        assert event_type["archived"] == et_spec.get("archived", False), key
        assert event_type["deprecated"] == et_spec.get("deprecated", False), key
        assert (event_type.get("schemas") or {}) == et_spec.get("schemas", {}), key
        assert event_type.get("groupName") == et_spec.get("group_name"), key  # none declared on oss
        assert server_feature_flags(target, event_type) == sorted(et_spec.get("feature_flags", [])), key


def test_every_mutable_property_updates_in_place(target, new_stack, svix):
    spec = mutable_spec(target, 0)
    stack = new_stack(build_program(svix, spec))
    # Before anything exists, ids are unknown: check lets unknowns through, preview plans the creates.
    assert stack.preview().change_summary == {"create": 6}
    up = stack.up_converged()
    assert changes(up) == {"create": 6}
    app_id = up.outputs["app_id"].value
    ids = {r["urn"]: r.get("id") for r in stack.resources()}
    assert_server_shows(target, app_id, spec)

    header_values = {"Authorization 0": spec["ep"]["headers"]["Authorization"]}
    for step, updated in ((1, 4), (2, 4)):
        spec.update(mutable_spec(target, step))
        header_values[f"Authorization {step}"] = spec["ep"].get("headers", {}).get("Authorization")
        up = stack.up_converged()
        assert changes(up) == {"update": updated}, (step, up.summary.resource_changes)
        assert {r["urn"]: r.get("id") for r in stack.resources()} == ids, "an update changed an id"
        assert_server_shows(target, app_id, spec)
    # Header values given as plain strings are still secret in state and output.
    stack.assert_no_plain_secrets({k: v for k, v in header_values.items() if v})
    if svix.__name__ == "pulumi_svix.native":  # the plugin face's state holds no pickled provider
        assert not [r["urn"] for r in stack.resources() if "__provider" in (r.get("inputs") or {})]


@pytest.mark.parametrize("target", target_params("cloud"), indirect=True)  # Integrations: Svix Cloud only
def test_integration_properties_update_in_place(target, new_stack, svix):
    target.require_integrations()
    api = target.api
    steps = [dict(name="Zap", feature_flags=["f1"]), dict(name="Zap 2", feature_flags=["f3", "f2"]),
             dict(name="Zap 2")]
    spec = {"integ": steps[0]}

    def program() -> None:
        app = svix.Application("app", name="Integration updates", uid=target.unique("integ-upd-app"))
        svix.Integration("integ", app_id=app.id, **declared(spec["integ"]))
        pulumi.export("app_id", app.id)

    def assert_server_shows_the_integration() -> None:
        [integration] = api.integrations(app_id)
        assert integration["name"] == spec["integ"]["name"]
        assert sorted(integration.get("featureFlags") or []) == sorted(spec["integ"].get("feature_flags", []))

    stack = new_stack(program)
    assert stack.preview().change_summary == {"create": 3}
    up = stack.up_converged()
    assert changes(up) == {"create": 3}
    app_id = up.outputs["app_id"].value
    ids = {r["urn"]: r.get("id") for r in stack.resources()}
    assert_server_shows_the_integration()
    for step in (1, 2):
        spec["integ"] = steps[step]
        up = stack.up_converged()
        assert changes(up) == {"update": 1}, (step, up.summary.resource_changes)
        assert {r["urn"]: r.get("id") for r in stack.resources()} == ids, "an update changed an id"
        assert_server_shows_the_integration()


# --- replace ---------------------------------------------------------------------------------------

def test_app_id_and_event_type_name_changes_replace(target, new_stack, svix):
    api = target.api
    spec = {"app": "first", "expunged": et_name("rep", "x1"), "archived": et_name("rep", "y1")}
    for name in (et_name("rep", "y1"), et_name("rep", "y2")):  # archived by the test: expunged after it
        target.delete_at_teardown(f"/api/v1/event-type/{name}", expunge="true")

    def program() -> None:
        apps = {key: svix.Application(key, name=key, uid=target.unique(f"rep-{key}"))
                for key in ("first", "second")}
        expunged = svix.EventType("expunged", name=spec["expunged"], expunge_on_delete=True)
        svix.EventType("archived", name=spec["archived"])  # destroy archives: Svix's default
        svix.Endpoint("ep", app_id=apps[spec["app"]].id, uid="moving", url="https://hooks.example.com/r",
                      event_types=[expunged.name])
        pulumi.export("apps", {key: app.id for key, app in apps.items()})

    stack = new_stack(program)
    up = stack.up_converged()
    first, second = (up.outputs["apps"].value[key] for key in ("first", "second"))
    [old_endpoint] = api.endpoints(first)

    spec.update(app="second", expunged=et_name("rep", "x2"), archived=et_name("rep", "y2"))
    up = stack.up_converged()
    assert changes(up) == {"replace": 3}, up.summary.resource_changes
    # The old objects are gone from the server; the new ones carry new ids.
    assert api.endpoints(first) == []
    [new_endpoint] = api.endpoints(second)
    assert new_endpoint["id"] != old_endpoint["id"] and new_endpoint["uid"] == "moving"
    assert filter_types(new_endpoint) == [spec["expunged"]]
    assert api.event_type(et_name("rep", "x1")) is None  # expunge_on_delete: deleted for good
    assert api.event_type(et_name("rep", "y1"))["archived"] is True
    assert api.event_type(spec["expunged"])["archived"] is False

    assert changes(stack.destroy()) == {"delete": 6}
    assert api.app(first) is None and api.app(second) is None
    assert api.event_type(spec["expunged"]) is None
    assert api.event_type(spec["archived"])["archived"] is True


@pytest.mark.parametrize("target", target_params("cloud"), indirect=True)  # Integrations: Svix Cloud only
def test_integration_app_id_change_replaces(target, new_stack, svix):
    target.require_integrations()
    api = target.api
    spec = {"app": "first"}

    def program() -> None:
        apps = {key: svix.Application(key, name=key, uid=target.unique(f"integ-rep-{key}"))
                for key in ("first", "second")}
        svix.Integration("integ", app_id=apps[spec["app"]].id, name="Moving")
        pulumi.export("apps", {key: app.id for key, app in apps.items()})

    stack = new_stack(program)
    up = stack.up_converged()
    first, second = (up.outputs["apps"].value[key] for key in ("first", "second"))
    [old_integration] = api.integrations(first)

    spec["app"] = "second"
    up = stack.up_converged()
    assert changes(up) == {"replace": 1}, up.summary.resource_changes
    assert api.integrations(first) == []
    [new_integration] = api.integrations(second)
    assert new_integration["id"] != old_integration["id"] and new_integration["name"] == "Moving"

    assert changes(stack.destroy()) == {"delete": 4}
    assert api.app(first) is None and api.app(second) is None


# --- secret and key rotation -----------------------------------------------------------------------

def test_secret_rotation_keeps_the_endpoint(target, new_stack, svix):
    api = target.api
    spec: dict[str, Any] = {"secret": None, "secret_trigger": None}

    def program() -> None:
        app = svix.Application("app", name="Rotation", uid=target.unique("rot-app"))
        ep = svix.Endpoint("ep", app_id=app.id, url="https://hooks.example.com/rot", secret=spec["secret"],
                           rotate_secret_trigger=spec["secret_trigger"])
        pulumi.export("app_id", app.id)
        pulumi.export("secret", ep.secret)

    stack = new_stack(program)
    up = stack.up_converged()
    app_id = up.outputs["app_id"].value
    assert up.outputs["secret"].secret
    [endpoint] = api.endpoints(app_id)
    seen = {"secret 0": api.endpoint_secret(app_id, endpoint["id"])}
    assert up.outputs["secret"].value == seen["secret 0"]

    def live_endpoint() -> str:
        [ep] = api.endpoints(app_id)
        return ep["id"]

    # A declared secret: rotated to it, in place.
    spec["secret"] = seen["secret 1"] = new_secret()
    up = stack.up_converged()
    assert changes(up) == {"update": 1}
    assert live_endpoint() == endpoint["id"]
    assert api.endpoint_secret(app_id, endpoint["id"]) == seen["secret 1"] == up.outputs["secret"].value

    # The trigger alone while a secret is declared: the declared secret wins (no flip-flop on the next up).
    spec["secret_trigger"] = "2026-05"
    up = stack.up_converged()
    assert changes(up) == {"update": 1}
    assert api.endpoint_secret(app_id, endpoint["id"]) == seen["secret 1"] == up.outputs["secret"].value

    # Rotated outside Pulumi: refresh reads the new secret, up rotates back to the declared one.
    api.call("POST", f"/api/v1/app/{app_id}/endpoint/{endpoint['id']}/secret/rotate", {})
    seen["secret out of band"] = api.endpoint_secret(app_id, endpoint["id"])
    assert seen["secret out of band"] != seen["secret 1"]
    assert changes(stack.refresh()) == {"update": 1}
    assert stack.outputs("ep")["secret"] == seen["secret out of band"]
    assert changes(stack.up_converged()) == {"update": 1}
    assert api.endpoint_secret(app_id, endpoint["id"]) == seen["secret 1"]

    # No declared secret: the trigger gives a new Svix-generated secret, in place.
    spec.update(secret=None, secret_trigger="2026-11")
    up = stack.up_converged()
    assert changes(up) == {"update": 1}
    assert live_endpoint() == endpoint["id"]
    seen["secret 2"] = api.endpoint_secret(app_id, endpoint["id"])
    assert seen["secret 2"] == up.outputs["secret"].value
    assert seen["secret 2"] not in (seen["secret 0"], seen["secret 1"])

    # No secret of any generation is in plain text in the state files (history included) or the output.
    stack.assert_no_plain_secrets(seen)


@pytest.mark.parametrize("target", target_params("cloud"), indirect=True)  # Integrations: Svix Cloud only
def test_key_rotation_keeps_the_integration(target, new_stack, svix):
    target.require_integrations()
    api = target.api
    spec: dict[str, Any] = {"key_trigger": None}

    def program() -> None:
        app = svix.Application("app", name="Key rotation", uid=target.unique("key-rot-app"))
        integ = svix.Integration("integ", app_id=app.id, name="Rotated", rotate_key_trigger=spec["key_trigger"])
        pulumi.export("app_id", app.id)
        pulumi.export("key", integ.key)

    stack = new_stack(program)
    up = stack.up_converged()
    app_id = up.outputs["app_id"].value
    assert up.outputs["key"].secret
    [integration] = api.integrations(app_id)
    seen = {"key 0": up.outputs["key"].value}
    if target.is_emulator:  # only the emulator shows the key Svix holds
        assert target.stored_integration_key(integration["id"]) == seen["key 0"]

    # The trigger gives a new integration key, in place.
    spec["key_trigger"] = "2"
    up = stack.up_converged()
    assert changes(up) == {"update": 1}
    assert [i["id"] for i in api.integrations(app_id)] == [integration["id"]]
    seen["key 1"] = up.outputs["key"].value
    assert seen["key 1"] != seen["key 0"] and seen["key 1"].strip()
    if target.is_emulator:
        assert target.stored_integration_key(integration["id"]) == seen["key 1"]

    # No key of any generation is in plain text in the state files (history included) or the output.
    stack.assert_no_plain_secrets(seen)


# --- out-of-band deletes and changes ----------------------------------------------------------------

def test_refresh_sees_out_of_band_changes_and_up_restores(target, new_stack, svix):
    api = target.api
    a, b, c = (et_name("oob", n) for n in "abc")
    auth = "Bearer oob-" + secrets.token_hex(8)

    def program() -> None:
        ets = {n: svix.EventType(n.rsplit(".", 1)[-1], name=n, expunge_on_delete=True) for n in (a, b, c)}
        app = svix.Application("app", name="Drift", uid=target.unique("oob-app"))
        svix.Endpoint("changed", app_id=app.id, uid="changed", url="https://hooks.example.com/declared",
                      event_types=[ets[a].name], headers={"X-Team": "red", "Authorization": pulumi.Output.secret(auth)})
        svix.Endpoint("deleted", app_id=app.id, uid="deleted", url="https://hooks.example.com/deleted")
        pulumi.export("app_id", app.id)

    stack = new_stack(program)
    app_id = stack.up_converged().outputs["app_id"].value
    endpoints = {e["uid"]: e for e in api.endpoints(app_id)}
    changed, deleted = endpoints["changed"]["id"], endpoints["deleted"]["id"]
    base = f"/api/v1/app/{app_id}/endpoint"

    # Behind Pulumi's back: change url, filter and a header (a null value removes one, on both dialects);
    # delete an endpoint and (archive) an event type.
    api.call("PATCH", f"{base}/{changed}", {"url": "https://evil.example.com/hook", "eventTypes": [a, b]})
    api.call("PATCH", f"{base}/{changed}/headers",
             {"headers": {"X-Team": "green", "X-Extra": "added", "Authorization": None}})
    api.call("DELETE", f"{base}/{deleted}")
    api.call("DELETE", f"/api/v1/event-type/{c}")

    refresh = stack.refresh()
    assert changes(refresh) == {"update": 1, "delete": 2}, refresh.summary.resource_changes
    names = {r["urn"].rsplit("::", 1)[-1] for r in stack.resources()}
    assert {"deleted", "c"}.isdisjoint(names), names
    drifted = stack.outputs("changed")
    assert drifted["url"] == "https://evil.example.com/hook"
    assert sorted(drifted["event_types"]) == [a, b]
    assert drifted["headers"] == {"X-Team": "green", "X-Extra": "added"}  # Authorization removed

    preview = stack.preview()
    assert {op: n for op, n in preview.change_summary.items() if op != "same"} == {"create": 2, "update": 1}

    up = stack.up_converged()
    assert changes(up) == {"create": 2, "update": 1}, up.summary.resource_changes
    endpoints = {e["uid"]: e for e in api.endpoints(app_id)}
    assert set(endpoints) == {"changed", "deleted"}
    assert endpoints["changed"]["id"] == changed
    assert endpoints["changed"]["url"] == "https://hooks.example.com/declared"
    assert filter_types(endpoints["changed"]) == [a]
    headers = api.endpoint_headers(app_id, changed)
    assert headers["headers"] == {"X-Team": "red"} and lowered(headers["sensitive"]) == ["authorization"]
    if target.is_emulator:  # Svix redacts the value; the emulator's database shows it was restored
        assert target.stored_endpoint_headers(changed)["Authorization"] == auth
    assert endpoints["deleted"]["id"] != deleted  # recreated
    assert api.event_type(c)["archived"] is False
    stack.assert_no_plain_secrets({"Authorization header": auth})

    # Deleted behind Pulumi's back again (the app, with its endpoints): destroy, without a refresh first,
    # tolerates the 404s.
    api.call("DELETE", f"/api/v1/app/{app_id}")
    assert changes(stack.destroy()) == {"delete": 7}
    assert stack.resources() == []


@pytest.mark.parametrize("target", target_params("cloud"), indirect=True)  # Integrations: Svix Cloud only
def test_refresh_sees_an_integration_deleted_out_of_band_and_up_recreates_it(target, new_stack, svix):
    target.require_integrations()
    api = target.api

    def program() -> None:
        app = svix.Application("app", name="Integration drift", uid=target.unique("integ-oob-app"))
        svix.Integration("integ", app_id=app.id, name="Drift")
        pulumi.export("app_id", app.id)

    stack = new_stack(program)
    app_id = stack.up_converged().outputs["app_id"].value
    [integration] = api.integrations(app_id)
    api.call("DELETE", f"/api/v1/app/{app_id}/integration/{integration['id']}")

    refresh = stack.refresh()
    assert changes(refresh) == {"delete": 1}, refresh.summary.resource_changes
    assert "integ" not in {r["urn"].rsplit("::", 1)[-1] for r in stack.resources()}
    preview = stack.preview()
    assert {op: n for op, n in preview.change_summary.items() if op != "same"} == {"create": 1}

    up = stack.up_converged()
    assert changes(up) == {"create": 1}, up.summary.resource_changes
    [recreated] = api.integrations(app_id)
    assert recreated["name"] == "Drift" and recreated["id"] != integration["id"]

    # The app deleted behind Pulumi's back (with its integration): destroy, without a refresh first,
    # tolerates the 404s.
    api.call("DELETE", f"/api/v1/app/{app_id}")
    assert changes(stack.destroy()) == {"delete": 3}
    assert stack.resources() == []


# --- quiet when nothing changed ---------------------------------------------------------------------

def assert_no_change_runs_are_quiet(target, stack) -> None:
    """After an ``up``: preview calls no Svix API at all (check and diff are offline), refresh only reads,
    and an up with nothing to change writes nothing."""

    def counted(operation):
        """The operation's result and the Svix API requests it caused, per route."""
        before = target.emulator.stats()["requests"]
        result = operation()
        after = target.emulator.stats()["requests"]
        return result, {route: n - before.get(route, 0) for route, n in after.items() if n != before.get(route, 0)}

    _, calls = counted(stack.assert_no_changes)
    assert calls == {}
    refresh, calls = counted(stack.refresh)
    assert changes(refresh) == {}
    assert calls and all(route.startswith("GET ") for route in calls), calls
    up, calls = counted(stack.up)
    assert changes(up) == {} and calls == {}, (up.summary.resource_changes, calls)


def test_no_change_runs_make_no_writes(target, new_stack, svix):
    target.require_emulator("it counts the requests the server received")

    def program() -> None:
        et = svix.EventType("et", name=et_name("quiet", "a"), schemas={"1": {"type": "object"}})
        app = svix.Application("app", name="Quiet", uid=target.unique("quiet-app"), metadata={"k": "v"})
        svix.Endpoint("ep", app_id=app.id, url="https://hooks.example.com/q", event_types=[et.name],
                      channels=["b", "a"], headers={"Authorization": "Bearer quiet", "X-A": "1"})

    stack = new_stack(program)
    stack.up()
    assert_no_change_runs_are_quiet(target, stack)


@pytest.mark.parametrize("target", target_params("cloud"), indirect=True)  # Integrations: Svix Cloud only
def test_no_change_runs_with_an_integration_make_no_writes(target, new_stack, svix):
    target.require_emulator("it counts the requests the server received")
    target.require_integrations()

    def program() -> None:
        app = svix.Application("app", name="Quiet", uid=target.unique("quiet-integ-app"))
        svix.Integration("integ", app_id=app.id, name="Quiet")

    stack = new_stack(program)
    stack.up()
    assert_no_change_runs_are_quiet(target, stack)


# --- adopt and get ---------------------------------------------------------------------------------

def test_adopt_takes_over_existing_objects_without_duplicates(target, new_stack, svix):
    api = target.api
    uid, name = target.unique("adopt-app"), et_name("adopt", "a")
    existing_et = api.call("POST", "/api/v1/event-type", {"name": name, "description": "made by hand"})
    target.delete_at_teardown(f"/api/v1/event-type/{name}", expunge="true")
    app = api.call("POST", "/api/v1/app", {"name": "Hand-made", "uid": uid})
    target.delete_at_teardown(f"/api/v1/app/{app['id']}")
    endpoint = api.call("POST", f"/api/v1/app/{app['id']}/endpoint",
                        {"url": "https://hooks.example.com/old", "uid": "adopted"})
    assert existing_et["name"] == name

    def program() -> None:
        et = svix.EventType("et", name=name, description="declared", adopt=True, expunge_on_delete=True)
        adopted = svix.Application("app", name="Declared", uid=uid, adopt=True)
        svix.Endpoint("ep", app_id=adopted.id, uid="adopted", url="https://hooks.example.com/new",
                      event_types=[et.name], adopt=True)

    stack = new_stack(program)
    up = stack.up_converged()
    assert changes(up) == {"create": 4}  # the three and the stack
    # Same objects (same ids), one of each, now in the declared state.
    assert {r["type"].rsplit(":", 1)[-1]: r["id"] for r in stack.resources()
            if is_svix_resource(r)} == {
        "EventType": name, "Application": app["id"], "Endpoint": endpoint["id"]}
    assert api.app(uid)["name"] == "Declared"
    [live_endpoint] = api.endpoints(app["id"])
    assert (live_endpoint["id"], live_endpoint["url"]) == (endpoint["id"], "https://hooks.example.com/new")
    assert filter_types(live_endpoint) == [name]
    assert api.event_type(name)["description"] == "declared"

    assert changes(stack.destroy()) == {"delete": 4}
    assert api.app(uid) is None and api.event_type(name) is None


@pytest.mark.parametrize("target", target_params("cloud"), indirect=True)  # Integrations: Svix Cloud only
def test_adopt_takes_over_an_existing_integration_without_duplicates(target, new_stack, svix):
    target.require_integrations()
    api = target.api
    uid = target.unique("adopt-integ-app")
    app = api.call("POST", "/api/v1/app", {"name": "Hand-made", "uid": uid})
    target.delete_at_teardown(f"/api/v1/app/{app['id']}")
    integration = api.call("POST", f"/api/v1/app/{app['id']}/integration", {"name": "Adopted"})

    def program() -> None:
        adopted = svix.Application("app", name="Declared", uid=uid, adopt=True)
        integ = svix.Integration("integ", app_id=adopted.id, name="Adopted", feature_flags=["ff"], adopt=True)
        pulumi.export("key", integ.key)

    stack = new_stack(program)
    up = stack.up_converged()
    assert changes(up) == {"create": 3}  # the two and the stack
    assert {r["type"].rsplit(":", 1)[-1]: r["id"] for r in stack.resources()
            if is_svix_resource(r)} == {
        "Application": app["id"], "Integration": integration["id"]}
    [live_integration] = api.integrations(app["id"])
    assert (live_integration["id"], live_integration["featureFlags"]) == (integration["id"], ["ff"])
    if target.is_emulator:
        assert target.stored_integration_key(integration["id"]) == up.outputs["key"].value

    assert changes(stack.destroy()) == {"delete": 3}
    assert api.app(uid) is None


def test_get_tracks_existing_objects_through_the_engine(target, new_stack, svix):
    api = target.api
    uid, name = target.unique("get-app"), et_name("get", "a")
    api.call("POST", "/api/v1/event-type", {"name": name, "description": "looked up"})
    target.delete_at_teardown(f"/api/v1/event-type/{name}", expunge="true")
    app = api.call("POST", "/api/v1/app", {"name": "Looked up", "uid": uid})
    target.delete_at_teardown(f"/api/v1/app/{app['id']}")
    endpoint = api.call("POST", f"/api/v1/app/{app['id']}/endpoint",
                        {"url": "https://hooks.example.com/get", "description": "looked up"})

    def program() -> None:
        found_app = svix.Application.get("app", app["id"])
        by_uid = svix.Application.get("app-by-uid", uid)
        found_ep = svix.Endpoint.get("ep", f"{app['id']}/{endpoint['id']}")
        found_et = svix.EventType.get("et", name)
        pulumi.export("app", {"name": found_app.name, "uid": found_app.uid})
        pulumi.export("by_uid", {"id": by_uid.id, "name": by_uid.name})
        pulumi.export("ep", {"url": found_ep.url, "description": found_ep.description})
        pulumi.export("et", found_et.description)
        pulumi.export("secret", found_ep.secret)

    stack = new_stack(program)
    up = stack.up_converged()
    assert changes(up) == {"create": 1}, up.summary.resource_changes  # only the stack: the rest is read
    assert up.outputs["app"].value == {"name": "Looked up", "uid": uid}
    assert up.outputs["by_uid"].value == {"id": app["id"], "name": "Looked up"}
    assert up.outputs["ep"].value == {"url": "https://hooks.example.com/get", "description": "looked up"}
    assert up.outputs["et"].value == "looked up"
    assert up.outputs["secret"].secret
    assert up.outputs["secret"].value == api.endpoint_secret(app["id"], endpoint["id"])

    stack.destroy()  # looked-up objects are only tracked: destroy leaves them on the server
    assert api.app(app["id"])["name"] == "Looked up"
    assert api.endpoint(app["id"], endpoint["id"]) is not None
    assert api.event_type(name)["archived"] is False


def test_get_of_an_object_that_does_not_exist_fails_the_up(target, new_stack, svix):
    """``X.get`` of an id Svix does not hold is an error naming it, not an empty success."""
    def program() -> None:
        svix.Application.get("app", "app_2zDoesNotExist0000000000000")

    message = new_stack(program).up_fails()
    assert "Application.get failed" in message and "app_2zDoesNotExist0000000000000" in message
