"""`pulumi import` in a Pulumi YAML project writes the YAML declarations of what it imports.

Pulumi YAML's language host implements the engine's GenerateProgram (this project's Python language host does
not: Python programs import with ``--generate-code=false``). An event type, an application, an endpoint and an
integration made through the Svix API are imported with one import file; the generated YAML refers to the
application by reference (``${acme.id}``), and the program with those declarations added previews no changes.

The endpoint has a sensitive header (``Authorization``) whose value Svix never shows: the generated YAML holds the
placeholder ``<redacted by Svix>``, and a preview of it fails naming the header, so that the placeholder can never
be written over the real value; with the real value declared the program previews no changes, and a later change of
another header keeps the real value in Svix.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
import yaml
from pulumi import automation as auto

from pulumi_svix.headers import REDACTED

from tests.e2e.test_yaml_quickstart import YAML_QUICKSTART, with_absolute_plugin_path
from tests.e2e.test_yaml_quickstart import yaml_language_host  # noqa: F401 - a fixture this test uses


def test_import_generates_yaml_that_previews_no_changes(emulator, svix_api, svix_config, yaml_language_host,
                                                        stack_factory, tmp_path):
    svix_api.post("/api/v1/event-type", json={"name": "invoice.paid", "description": "Paid."}).raise_for_status()
    app = svix_api.post("/api/v1/app", json={"name": "Acme", "uid": "acme", "metadata": {"customer": "acme"}}).json()
    endpoint = svix_api.post(f"/api/v1/app/{app['id']}/endpoint", json={
        "url": "https://hooks.example.com/acme/billing", "uid": "billing", "filterTypes": ["invoice.paid"],
        "channels": ["billing"]}).json()
    authorization = f"Bearer {secrets.token_hex(12)}"
    svix_api.put(f"/api/v1/app/{app['id']}/endpoint/{endpoint['id']}/headers",
                 json={"headers": {"Authorization": authorization, "X-Team": "billing"}}).raise_for_status()
    integration = svix_api.post(f"/api/v1/app/{app['id']}/integration", json={"name": "Zapier"}).json()

    # A YAML project with nothing declared yet, finding the plugin as the YAML quickstart does.
    program = with_absolute_plugin_path(YAML_QUICKSTART, tmp_path)
    project = yaml.safe_load((program / "Pulumi.yaml").read_text())
    (program / "Pulumi.yaml").write_text(yaml.safe_dump(
        {"name": "svix-yaml-import", "runtime": "yaml", "plugins": project["plugins"]}, sort_keys=False))
    stack = stack_factory(program, config=svix_config)

    imported = stack.import_resources(generate_code=True, protect=False, resources=[  # Pulumi's import file
        {"type": "svix:index:EventType", "name": "invoicePaid", "id": "invoice.paid"},
        {"type": "svix:index:Application", "name": "acme", "id": app["id"]},
        {"type": "svix:index:Endpoint", "name": "acmeBilling", "id": f"{app['id']}/{endpoint['id']}"},
        {"type": "svix:index:Integration", "name": "acmeZapier", "id": f"{app['id']}/{integration['id']}"},
    ])
    assert imported.summary.resource_changes == {"create": 1, "import": 4}, imported.stdout

    generated = yaml.safe_load(imported.generated_code)["resources"]
    assert {name: r["type"] for name, r in generated.items()} == {
        "invoicePaid": "svix:EventType", "acme": "svix:Application",
        "acmeBilling": "svix:Endpoint", "acmeZapier": "svix:Integration"}
    assert generated["acme"]["properties"] == {"name": "Acme", "uid": "acme", "metadata": {"customer": "acme"}}
    assert generated["acmeBilling"]["properties"] == {
        "appId": "${acme.id}", "url": "https://hooks.example.com/acme/billing", "uid": "billing",
        "eventTypes": ["invoice.paid"], "channels": ["billing"],
        "headers": {"Authorization": REDACTED, "X-Team": "billing"}}
    assert generated["acmeZapier"]["properties"] == {"appId": "${acme.id}", "name": "Zapier"}

    # The program with the generated declarations agrees with what was imported.
    project_file = Path(stack.workspace.work_dir) / "Pulumi.yaml"
    written = project_file.read_text()
    project_file.write_text(written + yaml.safe_dump({"resources": generated}, sort_keys=False))
    # As generated, the sensitive header's value is the placeholder: refused at preview, naming it.
    with pytest.raises(auto.CommandError) as refused:
        stack.preview(diff=True)
    assert "Endpoint 'acmeBilling': Endpoint.headers: " in str(refused.value) and "'Authorization' is the placeholder" in str(refused.value)
    assert "declare the real value" in str(refused.value)

    # With the real value declared (a secret config value) the program agrees with what was imported.
    stack.set_config("billingAuth", auto.ConfigValue(authorization, secret=True))
    generated["acmeBilling"]["properties"]["headers"]["Authorization"] = "${billingAuth}"
    declarations = {"config": {"billingAuth": {"type": "string", "secret": True}}, "resources": generated}
    project_file.write_text(written + yaml.safe_dump(declarations, sort_keys=False))
    preview = stack.preview(diff=True)
    assert set(preview.change_summary) == {"same"} and preview.change_summary["same"] == 5, preview.stdout

    # A change of another header writes the headers: Svix keeps the real value, never the placeholder.
    generated["acmeBilling"]["properties"]["headers"]["X-Team"] = "billing2"
    project_file.write_text(written + yaml.safe_dump(declarations, sort_keys=False))
    up = stack.up()
    assert up.summary.resource_changes == {"same": 4, "update": 1}, up.stdout
    with closing(sqlite3.connect(emulator.db)) as db:
        [(stored,)] = db.execute("SELECT json_extract(doc, '$._headers') FROM resource WHERE kind = 'endpoint'")
    assert json.loads(stored) == {"Authorization": authorization, "X-Team": "billing2"}
