"""`pulumi import` in a Pulumi YAML project writes the YAML declarations of what it imports.

Pulumi YAML's language host implements the engine's GenerateProgram (this project's Python language host does
not: Python programs import with ``--generate-code=false``). An event type, an application, an endpoint and an
integration made through the Svix API are imported with one import file; the generated YAML refers to the
application by reference (``${acme.id}``), and the program with those declarations added previews no changes.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.e2e.test_yaml_quickstart import YAML_QUICKSTART, with_absolute_plugin_path
from tests.e2e.test_yaml_quickstart import yaml_language_host  # noqa: F401 - a fixture this test uses


def test_import_generates_yaml_that_previews_no_changes(emulator, svix_api, svix_config, yaml_language_host,
                                                        stack_factory, tmp_path):
    svix_api.post("/api/v1/event-type", json={"name": "invoice.paid", "description": "Paid."}).raise_for_status()
    app = svix_api.post("/api/v1/app", json={"name": "Acme", "uid": "acme", "metadata": {"customer": "acme"}}).json()
    endpoint = svix_api.post(f"/api/v1/app/{app['id']}/endpoint", json={
        "url": "https://hooks.example.com/acme/billing", "uid": "billing", "filterTypes": ["invoice.paid"],
        "channels": ["billing"]}).json()
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
        "eventTypes": ["invoice.paid"], "channels": ["billing"]}
    assert generated["acmeZapier"]["properties"] == {"appId": "${acme.id}", "name": "Zapier"}

    # The program with the generated declarations agrees with what was imported.
    project_file = Path(stack.workspace.work_dir) / "Pulumi.yaml"
    project_file.write_text(project_file.read_text() + yaml.safe_dump({"resources": generated}, sort_keys=False))
    preview = stack.preview(diff=True)
    assert set(preview.change_summary) == {"same"} and preview.change_summary["same"] == 5, preview.stdout
