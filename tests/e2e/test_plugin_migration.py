"""Moving a program from the dynamic face to the plugin face within one stack, through the real engine.

Switching the import line makes every resource a new one to the engine (``svix:index:Application`` is not
``pulumi-python:dynamic/svix:Application``): an ``up`` would delete the old objects in Svix. With an alias of the
old type on each resource the engine knows them as the same resources: the provider changes (the svix
provider's DiffConfig is asked, and replaces nothing) and nothing is created, replaced or deleted. (Before the
servicer's own DiffConfig, every command of such a stack failed in the SDK's.)
"""

from __future__ import annotations

import pulumi
import pytest

from tests.e2e.conftest import target_params

pytestmark = pytest.mark.engine


@pytest.mark.parametrize("target", target_params("cloud"), indirect=True)
def test_an_alias_of_the_dynamic_type_moves_resources_to_the_plugin_face_in_place(target, new_stack):
    import pulumi_svix
    from pulumi_svix import native

    face = {"svix": pulumi_svix}

    def program() -> None:
        svix = face["svix"]

        def opts(kind: str):
            if svix is pulumi_svix:
                return None
            return pulumi.ResourceOptions(aliases=[pulumi.Alias(type_=f"pulumi-python:dynamic/svix:{kind}")])

        paid = svix.EventType("invoice-paid", name="invoice.paid", description="Paid.", opts=opts("EventType"))
        acme = svix.Application("acme", name="Acme", uid="acme", metadata={"customerId": "c1"}, opts=opts("Application"))
        svix.Endpoint("billing", app_id=acme.id, uid="billing", url="https://hooks.example.com/billing",
                      event_types=[paid.name], opts=opts("Endpoint"))

    stack = new_stack(program)
    stack.up_converged()
    before = {"app": target.api.app("acme")["id"], "endpoint": target.api.endpoint("acme", "billing")["id"]}

    face["svix"] = native
    preview = stack.preview()
    assert not {"create", "delete", "replace", "create-replacement", "delete-replaced"} & set(preview.change_summary), \
        preview.stdout
    up = stack.up()
    assert not {"create", "delete", "replace"} & set(up.summary.resource_changes), up.stdout
    stack.assert_no_changes()
    types = sorted(r["type"] for r in stack.resources() if "svix:" in r["type"] and "providers" not in r["type"])
    assert types == ["svix:index:Application", "svix:index:Endpoint", "svix:index:EventType"]
    assert target.api.app("acme")["id"] == before["app"]  # the same objects, never deleted
    assert target.api.endpoint("acme", "billing")["id"] == before["endpoint"]
    assert target.api.event_type("invoice.paid")["archived"] is False
    # The application and endpoint were updated: their ownership marker follows the new URN (the type is part
    # of it), written with the declared metadata and its keys as declared.
    assert up.summary.resource_changes.get("update") == 2, up.stdout
    assert target.api.app("acme")["metadata"]["customerId"] == "c1"
