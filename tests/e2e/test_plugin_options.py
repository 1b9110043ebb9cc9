"""Resource options on the plugin face, through the real engine: ``ignore_changes`` (also after a refresh) and
``replace_on_changes`` name properties by their Python names in the program and by their schema names on the
wire (``throttle_rate`` / ``throttleRate``); the plugin translates both ways. Cloud flavor."""

from __future__ import annotations

import pulumi
import pytest

from pulumi_svix import native
from tests.e2e.conftest import target_params

pytestmark = pytest.mark.engine


@pytest.mark.parametrize("target", target_params("cloud"), indirect=True)
def test_ignore_changes_and_replace_on_changes_through_the_plugin(target, new_stack):
    api = target.api
    spec = {"throttle": 5, "description": "first"}
    uid = target.unique("opts-app")

    def program() -> None:
        app = native.Application("app", name="Options", uid=uid, throttle_rate=spec["throttle"],
                                 opts=pulumi.ResourceOptions(ignore_changes=["throttle_rate"]))
        native.Endpoint("ep", app_id=app.id, url="https://hooks.example.com/opts", description=spec["description"],
                        opts=pulumi.ResourceOptions(replace_on_changes=["description"]))
        pulumi.export("app_id", app.id)

    stack = new_stack(program)
    app_id = stack.up_converged().outputs["app_id"].value
    assert api.app(app_id)["throttleRate"] == 5

    spec["throttle"] = 9  # ignored
    stack.assert_no_changes()
    api.call("PATCH", f"/api/v1/app/{app_id}", {"throttleRate": 7})  # changed outside Pulumi
    stack.refresh()
    stack.assert_no_changes()  # still ignored after the refresh
    stack.up()
    assert api.app(app_id)["throttleRate"] == 7

    [before] = api.endpoints(app_id)
    spec["description"] = "second"
    up = stack.up_converged()
    assert {k: v for k, v in up.summary.resource_changes.items() if k != "same"} == {"replace": 1}
    [after] = api.endpoints(app_id)
    assert after["id"] != before["id"] and after["description"] == "second"
