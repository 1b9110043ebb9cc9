"""Issue 11, replacement and diff defects, through the real engine (both emulator flavors).

- A replacement never deletes the object it just took over: resources with a natural key (an
  application or endpoint ``uid``, an event type ``name``) are replaced delete-before-create, also by
  ``pulumi up --replace``, which never asks the provider's Diff.
- ``app_id`` written as the application's uid or as its id is the same application: no change.
- The takeover rule (a create meeting its uid taken) never adopts an object that another resource,
  of this stack or of another one, created.
- ``ignore_changes`` keeps holding after a refresh: ignored properties stay as Svix has them.
- The provider reports which properties changed: ``replace_on_changes`` works, and the preview of a
  drift-correcting update names the property (``[diff: ~url]``).
"""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

import pulumi_svix as svix
from tests.e2e.conftest import RUN_ID

pytestmark = pytest.mark.engine


def changes(result) -> dict[str, int]:
    return {op: n for op, n in result.summary.resource_changes.items() if op != "same"}


def urn_of(stack, name: str) -> str:
    found = stack.resource(name)
    assert found is not None, f"{name} is not in the stack state"
    return found["urn"]


def state_id(stack, name: str) -> str:
    found = stack.resource(name)
    assert found is not None, f"{name} is not in the stack state"
    return found["id"]


def up_replacing(stack, name: str):
    """``pulumi up --replace <urn of name>``, which must succeed."""
    result = stack.stack.up(replace=[urn_of(stack, name)], on_output=stack.output.append, color="never")
    assert result.summary.result == "succeeded", result.stdout
    return result


def counted(target, operation):
    """The operation's result and the Svix API requests it caused (emulator only)."""
    before = target.emulator.stats()["requests"]
    result = operation()
    after = target.emulator.stats()["requests"]
    return result, {route: n - before.get(route, 0) for route, n in after.items() if n != before.get(route, 0)}


# --- item 1: app_id as uid or id --------------------------------------------------------------------

def test_app_id_by_uid_or_by_id_is_the_same_application(target, new_stack):
    api = target.api
    spec: dict[str, Any] = {"by": "id"}
    uid = target.unique("same-app")

    def program() -> None:
        app = svix.Application("app", name="Same app", uid=uid)
        svix.Endpoint("ep", app_id=app.id if spec["by"] == "id" else app.uid, uid="billing",
                      url="https://hooks.example.com/same")
        pulumi.export("app_id", app.id)

    stack = new_stack(program)
    app_id = stack.up_converged().outputs["app_id"].value
    [endpoint] = api.endpoints(app_id)

    for by in ("uid", "id", "uid"):
        spec["by"] = by
        if target.is_emulator:  # diff is offline: the preview makes no API call at all
            preview, calls = counted(target, stack.preview)
            assert calls == {}, (by, calls)
        else:
            preview = stack.preview()
        assert set(preview.change_summary) == {"same"}, (by, preview.change_summary, preview.stdout)
        up = stack.up_converged()
        assert changes(up) == {}, (by, up.summary.resource_changes)
        assert [e["id"] for e in api.endpoints(app_id)] == [endpoint["id"]], by
        assert state_id(stack, "ep") == endpoint["id"]
    assert changes(stack.refresh()) == {}


# --- item 1: replacements of objects with a natural key ---------------------------------------------

def test_targeted_replace_keeps_what_it_creates(target, new_stack):
    """``pulumi up --replace`` of an application with a uid, of an endpoint with a uid and of an event
    type: each is replaced by a live object that the state records, nothing is lost."""
    api = target.api
    uid, name = target.unique("replace-app"), f"e2e.{RUN_ID}.replace.a"
    target.delete_at_teardown(f"/api/v1/event-type/{name}", expunge="true")

    def program() -> None:
        et = svix.EventType("et", name=name, description="replaced")
        app = svix.Application("app", name="Replaced", uid=uid)
        svix.Endpoint("ep", app_id=app.id, uid="billing", url="https://hooks.example.com/replaced",
                      event_types=[et.name])
        svix.Endpoint("plain", app_id=app.id, url="https://hooks.example.com/plain")

    stack = new_stack(program)
    stack.up_converged()

    def assert_all_live() -> None:
        app_id = state_id(stack, "app")
        live = api.app(uid)
        assert live is not None and live["id"] == app_id, "the application is gone from Svix"
        endpoints = {e["id"]: e for e in api.endpoints(app_id)}
        assert set(endpoints) == {state_id(stack, "ep"), state_id(stack, "plain")}, endpoints
        event_type = api.event_type(name)
        assert event_type is not None and event_type["archived"] is False, event_type

    for resource in ("app", "ep", "et"):
        before = state_id(stack, resource)
        up = up_replacing(stack, resource)
        assert changes(up).get("replace", 0) >= 1, (resource, up.summary.resource_changes)
        assert_all_live()
        if resource != "et":  # an event type's id is its name
            assert state_id(stack, resource) != before, f"{resource}: replaced by the same object"
        refresh = stack.refresh()
        assert changes(refresh) == {}, (resource, refresh.summary.resource_changes)
        stack.assert_no_changes()


def test_replace_on_changes_replaces_and_keeps_the_endpoint(target, new_stack):
    """``replace_on_changes=["url"]``: a url change is a replacement (the preview says so), and the endpoint
    with its uid kept exists afterwards under its new id."""
    api = target.api
    spec = {"url": "https://hooks.example.com/one"}

    def program() -> None:
        app = svix.Application("app", name="Replace on changes", uid=target.unique("roc-app"))
        svix.Endpoint("ep", app_id=app.id, uid="billing", url=spec["url"],
                      opts=pulumi.ResourceOptions(replace_on_changes=["url"]))
        pulumi.export("app_id", app.id)

    stack = new_stack(program)
    app_id = stack.up_converged().outputs["app_id"].value
    [old] = api.endpoints(app_id)

    spec["url"] = "https://hooks.example.com/two"
    preview = stack.preview()
    assert preview.change_summary.get("replace") == 1, (preview.change_summary, preview.stdout)
    up = stack.up_converged()
    assert changes(up) == {"replace": 1}, up.summary.resource_changes
    [new] = api.endpoints(app_id)
    assert (new["uid"], new["url"]) == ("billing", spec["url"])
    assert new["id"] != old["id"] and state_id(stack, "ep") == new["id"]
    assert changes(stack.refresh()) == {}


# --- item 4: the changed properties reach the engine -------------------------------------------------

def test_preview_of_a_drift_correction_names_the_property(target, new_stack):
    api = target.api

    def program() -> None:
        app = svix.Application("app", name="Drift detail", uid=target.unique("detail-app"))
        svix.Endpoint("ep", app_id=app.id, url="https://hooks.example.com/declared", description="declared")
        pulumi.export("app_id", app.id)

    stack = new_stack(program)
    app_id = stack.up_converged().outputs["app_id"].value
    [endpoint] = api.endpoints(app_id)
    api.call("PATCH", f"/api/v1/app/{app_id}/endpoint/{endpoint['id']}", {"url": "https://evil.example.com/x"})
    assert changes(stack.refresh()) == {"update": 1}

    summary = stack.preview(diff=False)  # the progress view: one line per resource
    assert summary.change_summary.get("update") == 1, summary.change_summary
    assert "[diff: ~url]" in summary.stdout, summary.stdout
    detail = stack.preview()  # --diff: the changed property, from what Svix holds to what is declared
    assert '~ url: "https://evil.example.com/x" => "https://hooks.example.com/declared"' in detail.stdout, \
        detail.stdout
    assert "description" not in detail.stdout, detail.stdout
    stack.up_converged()
    assert api.endpoint(app_id, endpoint["id"])["url"] == "https://hooks.example.com/declared"


# --- item 3: ignore_changes after a refresh ---------------------------------------------------------

def test_ignore_changes_hold_after_a_refresh(target, new_stack):
    api = target.api
    spec = {"url": "https://hooks.example.com/ignored"}

    def program() -> None:
        app = svix.Application("app", name="Ignore changes", uid=target.unique("ignore-app"))
        svix.Endpoint("ep", app_id=app.id, url=spec["url"], description="declared", disabled=False,
                      metadata={"owner": "pulumi"},
                      opts=pulumi.ResourceOptions(ignore_changes=["disabled", "description", "metadata"]))
        pulumi.export("app_id", app.id)

    stack = new_stack(program)
    app_id = stack.up_converged().outputs["app_id"].value
    [endpoint] = api.endpoints(app_id)
    path = f"/api/v1/app/{app_id}/endpoint/{endpoint['id']}"
    by_hand = {"disabled": True, "description": "changed by hand", "metadata": {"owner": "ops"}}
    api.call("PATCH", path, by_hand)

    def assert_svix_keeps_the_hand_made_values() -> None:
        live = api.endpoint(app_id, endpoint["id"])
        assert {k: live.get(k) for k in by_hand} == by_hand, live

    result = stack.stack.up(refresh=True, on_output=stack.output.append, color="never")
    assert result.summary.result == "succeeded", result.stdout
    assert_svix_keeps_the_hand_made_values()
    stack.assert_no_changes()
    # A change of another property is applied without reverting the ignored ones.
    spec["url"] = "https://hooks.example.com/ignored-2"
    assert changes(stack.up_converged()) == {"update": 1}
    assert api.endpoint(app_id, endpoint["id"])["url"] == spec["url"]
    assert_svix_keeps_the_hand_made_values()


# --- item 1: the takeover rule and ownership --------------------------------------------------------

def test_a_uid_owned_by_another_resource_of_the_stack_is_not_taken_over(target, new_stack):
    """A second resource declaring a uid that a resource of the same stack already holds, with identical
    settings: its create fails naming the uid; the first keeps the object."""
    api = target.api
    spec: dict[str, Any] = {"twin": False}

    def program() -> None:
        app = svix.Application("app", name="Owned", uid=target.unique("owned-app"))
        svix.Endpoint("ep", app_id=app.id, uid="billing", url="https://hooks.example.com/owned")
        if spec["twin"]:
            svix.Endpoint("twin", app_id=app.id, uid="billing", url="https://hooks.example.com/owned")
        pulumi.export("app_id", app.id)

    stack = new_stack(program)
    app_id = stack.up_converged().outputs["app_id"].value
    [endpoint] = api.endpoints(app_id)

    spec["twin"] = True
    failure = stack.up_fails()
    assert "409" in failure and "(property uid)" in failure, failure
    assert stack.resource("twin") is None
    spec["twin"] = False
    assert changes(stack.up_converged()) == {}
    assert [e["id"] for e in api.endpoints(app_id)] == [endpoint["id"]]
    assert changes(stack.refresh()) == {}


def test_renaming_a_resource_without_alias_never_deletes_the_object(target, new_stack):
    """The program renames a resource (no alias): the new one must not take over the old one's object
    and then lose it when the old one is deleted."""
    api = target.api
    spec = {"name": "old"}
    uid, et_name = target.unique("renamed-app"), f"e2e.{RUN_ID}.renamed.a"
    target.delete_at_teardown(f"/api/v1/event-type/{et_name}", expunge="true")

    def program() -> None:
        svix.EventType(f"et-{spec['name']}", name=et_name, description="renamed")
        svix.Application(f"app-{spec['name']}", name="Renamed", uid=uid)

    stack = new_stack(program)
    stack.up_converged()
    spec["name"] = "new"
    try:
        stack.stack.up(on_output=stack.output.append, color="never")
    except Exception:  # noqa: BLE001 — the uid held by the old resource may fail the create: not a loss
        pass
    assert api.app(uid) is not None, "the application was deleted"
    event_type = api.event_type(et_name)
    assert event_type is not None and event_type["archived"] is False, event_type
    refresh = stack.refresh()
    assert "delete" not in changes(refresh), refresh.summary.resource_changes


def test_two_stacks_declaring_one_uid_do_not_share_it(target, new_stack):
    """Another stack's application with the same uid and identical settings is not taken over silently: the
    create fails naming the uid and adopt=True; with adopt=True it is taken over."""
    api = target.api
    uid = target.unique("two-stacks")
    adopt = {"value": None}

    def program() -> None:
        svix.Application("app", name="Shared", uid=uid, adopt=adopt["value"])

    first = new_stack(program)
    first.up_converged()
    app_id = api.app(uid)["id"]

    second = new_stack(program)
    failure = second.up_fails()
    assert "409" in failure and "(property uid)" in failure and "adopt=True" in failure, failure
    assert api.app(uid)["id"] == app_id

    adopt["value"] = True
    second.up_converged()
    assert state_id(second, "app") == app_id


def test_what_an_interrupted_deploy_created_is_still_taken_over(target, new_stack):
    """The takeover rule still recovers an interrupted deploy: objects that this stack's resources created
    but its state lost (here: removed from the state by hand) are taken over by the next ``up``, without
    ``adopt=True``, and nothing is created twice."""
    api = target.api
    uid, name = target.unique("lost-app"), f"e2e.{RUN_ID}.lost.a"
    target.delete_at_teardown(f"/api/v1/event-type/{name}", expunge="true")

    def program() -> None:
        et = svix.EventType("et", name=name, description="lost")
        app = svix.Application("app", name="Lost", uid=uid, metadata={"k": "v"})
        svix.Endpoint("ep", app_id=app.id, uid="billing", url="https://hooks.example.com/lost",
                      event_types=[et.name], headers={"X-Team": "red"})

    stack = new_stack(program)
    stack.up_converged()
    ids = {name_: state_id(stack, name_) for name_ in ("et", "app", "ep")}
    state = stack.stack.export_stack()
    state.deployment["resources"] = [r for r in state.deployment["resources"]
                                     if r["type"] == "pulumi:pulumi:Stack"]
    stack.stack.import_stack(state)

    up = stack.up_converged()
    assert changes(up) == {"create": 3}, up.summary.resource_changes
    assert {name_: state_id(stack, name_) for name_ in ("et", "app", "ep")} == ids
    assert [e["id"] for e in api.endpoints(ids["app"])] == [ids["ep"]]


def test_the_marker_follows_an_alias_rename_so_the_old_name_never_takes_the_object(target, new_stack):
    """Renamed with ``aliases``, then a resource declared again under the old name in a run that fails
    part-way: the old name must not take the object over (the next run would delete it as the renamed
    entry's leftover). The rename moves the ownership marker; the old name then meets a taken uid."""
    api = target.api
    uid = target.unique("alias-app")
    spec: dict[str, Any] = {"name": "shop", "alias": None, "broken": False}

    def program() -> None:
        opts = pulumi.ResourceOptions(aliases=[pulumi.Alias(name=spec["alias"])]) if spec["alias"] else None
        app = svix.Application(spec["name"], name="Shop", uid=uid, opts=opts)
        svix.Endpoint("orders", app_id=app.id, uid="orders", url="https://hooks.example.com/orders")
        if spec["broken"]:
            svix.Endpoint("broken", app_id=app.id, url="https://hooks.example.com/x", event_types=["no.such.type"])

    stack = new_stack(program)
    stack.up_converged()
    app_id = state_id(stack, "shop")

    spec.update(name="shop-app", alias="shop")
    stack.up_converged()  # an update that moves the marker (no Svix object is recreated)
    assert state_id(stack, "shop-app") == app_id

    spec.update(name="shop", alias=None, broken=True)
    message = stack.up_fails()
    assert "uid" in message and "409" in message, message
    assert api.app(uid) is not None and api.app(uid)["id"] == app_id

    spec.update(broken=False)
    message = stack.up_fails()  # still refused: the object belongs to the renamed entry
    assert "uid" in message and "409" in message, message
    assert api.app(uid)["id"] == app_id and [e["uid"] for e in api.endpoints(app_id)] == ["orders"]

    spec.update(name="shop-app", alias="shop")  # back to the program the state records
    stack.up_converged()
    assert api.app(uid)["id"] == app_id and [e["uid"] for e in api.endpoints(app_id)] == ["orders"]


def test_the_rotate_trigger_rotates_while_the_secret_is_ignored(target, new_stack):
    """``ignore_changes=["secret"]`` with no declared secret: the trigger still rotates."""
    api = target.api
    spec: dict[str, Any] = {"trigger": "1"}

    def program() -> None:
        app = svix.Application("app", name="Ignored secret", uid=target.unique("ign-secret"))
        svix.Endpoint("ep", app_id=app.id, url="https://hooks.example.com/ign", rotate_secret_trigger=spec["trigger"],
                      opts=pulumi.ResourceOptions(ignore_changes=["secret"]))

    stack = new_stack(program)
    stack.up_converged()
    app_id, ep_id = state_id(stack, "app"), state_id(stack, "ep")
    before = api.endpoint_secret(app_id, ep_id)
    spec["trigger"] = "2"
    assert changes(stack.up_converged()) == {"update": 1}
    after = api.endpoint_secret(app_id, ep_id)
    assert after != before and stack.outputs("ep")["secret"] == after
