"""The plugin face's reason to exist, through the real engine: ``pulumi import``, and a program that moves from
the dynamic face to the plugin.

The quickstart's resources are created by examples/quickstart (the dynamic face); a second stack whose program
is the same quickstart with one line changed (``from pulumi_svix import native as svix``) imports them all with
``pulumi import`` (one resource by the single-resource form, the rest with ``--file``). Afterwards both stacks
preview no changes, and the plugin face's state holds no ``__provider`` and no secret in plain text.

``--generate-code=false``: this repository's language host (engine/langhost) does not implement
``GenerateProgram``, so the engine could not write the program code for the import; the program already
declares the resources. Runs on the emulator's cloud flavor (the plugin face's flavor in the suite).
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from pulumi import automation as auto

from scripts.engine_env import REPO_ROOT, TOOLS_BIN
from tests.e2e.conftest import target_params

pytestmark = pytest.mark.engine

QUICKSTART = REPO_ROOT / "examples" / "quickstart"
DYNAMIC_IMPORT, PLUGIN_IMPORT = "import pulumi_svix as svix\n", "from pulumi_svix import native as svix\n"


def quickstart_on_the_plugin(tmp_path: Path) -> Path:
    """examples/quickstart with its one import line switched to the plugin face (and its virtualenv absolute)."""
    program = tmp_path / "quickstart-plugin"
    shutil.copytree(QUICKSTART, program, ignore=shutil.ignore_patterns("__pycache__", "Pulumi.*.yaml"))
    main = program / "__main__.py"
    assert main.read_text().count(DYNAMIC_IMPORT) == 1
    main.write_text(main.read_text().replace(DYNAMIC_IMPORT, PLUGIN_IMPORT))
    project = yaml.safe_load((program / "Pulumi.yaml").read_text())
    project["runtime"]["options"]["virtualenv"] = str((QUICKSTART / project["runtime"]["options"]["virtualenv"]).resolve())
    project["name"] = "svix-quickstart-plugin"
    (program / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
    return program


def import_id(resource: dict) -> str:
    """The id ``pulumi import`` takes: the event type's name, the application's uid (or its id), ``app_…/ep_…``,
    ``app_…/integ_…``."""
    kind = resource["type"].rsplit(":", 1)[-1]
    if kind in ("Endpoint", "Integration"):
        return f"{resource['outputs']['app_id']}/{resource['id']}"
    if kind == "Application":
        return resource["outputs"]["uid"]  # the quickstart's applications have one: imported by it
    return resource["id"]


@pytest.mark.parametrize("target", target_params("cloud"), indirect=True)
def test_quickstart_made_by_the_dynamic_face_imports_into_the_plugin_face(target, new_stack, tmp_path):
    customers = [target.unique(name) for name in ("acme", "globex")]
    webhook_token = f"hook-{secrets.token_hex(12)}"
    config = {"customers": json.dumps(customers), "webhookAuthToken": auto.ConfigValue(webhook_token, secret=True)}
    dynamic = new_stack(QUICKSTART, config=config)
    up = dynamic.up_converged()
    # A program of dynamic resources only never has the engine start the plugin (it would say it uses it).
    assert "pulumi-resource-svix" not in "".join(dynamic.output)
    secret_values = {"Svix token": target.token, "webhook token": webhook_token}
    for slug, by_uid in up.outputs["signing_secrets"].value.items():
        secret_values.update({f"signing secret {slug}/{uid}": value for uid, value in by_uid.items()})

    made = [r for r in dynamic.resources() if r["type"].startswith("pulumi-python:dynamic/svix:")]
    to_import = [{"type": f"svix:index:{r['type'].rsplit(':', 1)[-1]}", "name": r["urn"].rsplit("::", 1)[-1],
                  "id": import_id(r)} for r in made]
    assert len(to_import) == 4 + 4 * len(customers)

    plugin = new_stack(quickstart_on_the_plugin(tmp_path), config=config)
    # One by the single-resource form of the CLI ...
    single = next(r for r in to_import if r["type"] == "svix:index:EventType")
    workspace = plugin.stack.workspace
    result = subprocess.run(
        [str(TOOLS_BIN / "pulumi"), "import", single["type"], single["name"], single["id"], "--yes",
         "--generate-code=false", "--protect=false", "--stack", plugin.stack.name, "--non-interactive"],
        cwd=workspace.work_dir, env={**workspace.env_vars, "PATH": workspace.env_vars["PATH"]},
        capture_output=True, text=True, timeout=300)
    plugin.output.append(result.stdout + result.stderr)
    assert result.returncode == 0, result.stdout + result.stderr
    # ... the others with --file (the Automation API writes the file).
    imported = plugin.stack.import_resources(resources=[r for r in to_import if r is not single],
                                             protect=False, generate_code=False, on_output=plugin.output.append)
    assert imported.summary.result == "succeeded", imported.stdout
    # No warning but the engine's note that it runs the plugin found on PATH (e.g. no "inputs failed to validate").
    warnings = [line for line in imported.stdout.splitlines() + result.stdout.splitlines()
                if "warning:" in line and "using pulumi-resource-svix from $PATH" not in line]
    assert not warnings, imported.stdout

    # The same objects, now also in the plugin face's state.
    assert {r["id"] for r in plugin.resources() if r["type"].startswith("svix:index:")} == {r["id"] for r in made}
    # Both programs agree with Svix: no changes on either side.
    plugin.assert_no_changes()
    dynamic.assert_no_changes()

    resources = plugin.resources()
    assert not [r["urn"] for r in resources if "__provider" in (r.get("inputs") or {})]
    plugin.assert_no_plain_secrets(secret_values)
    dynamic.assert_no_plain_secrets(secret_values)
