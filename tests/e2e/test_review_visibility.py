"""What a reviewer sees in `pulumi preview` for two documented moves (issue 12, items 4 and 5):

- moving from ``X.get`` to a declaration with ``adopt=True`` previews as a replace, which the engine
  carries out by *discarding* the read-only entry: the objects keep their ids and Svix gets no DELETE;
- a changed signing secret previews as an update that names the secret: ``[diff: ~secret]``.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

import pulumi_svix as svix
from tests.e2e.conftest import target_params

pytestmark = [pytest.mark.engine, pytest.mark.parametrize("target", target_params("cloud", "oss"), indirect=True)]


def test_moving_from_get_to_managing_previews_a_replace_that_recreates_nothing(target, new_stack):
    api = target.api
    uid = target.unique("legacy")
    app = api.call("POST", "/api/v1/app", {"name": "Legacy", "uid": uid})
    target.delete_at_teardown(f"/api/v1/app/{app['id']}")
    endpoint = api.call("POST", f"/api/v1/app/{app['id']}/endpoint",
                        {"url": "https://hooks.example.com/legacy", "uid": "billing"})
    spec: dict[str, Any] = {"managed": False, "secret": None}

    def program() -> None:
        if spec["managed"]:
            managed = svix.Application("legacy", name="Legacy", uid=uid, adopt=True)
            svix.Endpoint("legacy-billing", app_id=managed.id, uid="billing", adopt=True,
                          url="https://hooks.example.com/legacy", secret=spec["secret"])
        else:
            looked_up = svix.Application.get("legacy", app["id"])
            svix.Endpoint.get("legacy-billing", endpoint["id"], app_id=looked_up.id)

    stack = new_stack(program)
    stack.up()
    spec["managed"] = True
    preview = stack.preview(diff=False)
    for name in ("legacy", "legacy-billing"):
        lines = [line.split(f" {name} ", 1)[1] for line in preview.stdout.splitlines()
                 if "dynamic/svix" in line and f" {name} " in line]
        # The engine's words: a replacement is created (the declaration, which adopts the object) and the
        # read-only entry is discarded, never deleted.
        assert [line.split(" [")[0] for line in lines] == ["create replacement", "replace", "discard original"], (
            name, preview.stdout)

    deletes_before = _deletes(target)
    up = stack.up_converged()
    assert up.summary.resource_changes.get("replace") == 2, up.summary.resource_changes
    assert [e["id"] for e in api.endpoints(app["id"])] == [endpoint["id"]]
    assert api.app(uid)["id"] == app["id"]
    assert {r["urn"].rsplit("::", 1)[-1]: r["id"] for r in stack.resources() if "svix" in r["type"]} == {
        "legacy": app["id"], "legacy-billing": endpoint["id"]}
    if target.is_emulator:
        assert _deletes(target) == deletes_before  # the read-only entries were discarded, nothing deleted

    # A changed signing secret names the secret in the preview.
    spec["secret"] = "whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"
    preview = stack.preview(diff=False)
    assert any("legacy-billing" in line and "update" in line and "[diff: ~secret]" in line
               for line in preview.stdout.splitlines()), preview.stdout
    stack.up_converged()
    assert api.endpoint_secret(app["id"], endpoint["id"]) == spec["secret"]


def _deletes(target) -> int:
    if not target.is_emulator:
        return 0
    return sum(n for route, n in target.emulator.stats()["requests"].items() if route.startswith("DELETE "))
