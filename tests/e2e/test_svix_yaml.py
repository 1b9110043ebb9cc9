"""``svix.load_config`` through the real engine: a hand-written svix.yaml creates what it declares (event
types before the endpoints that filter on them), its secrets come from stack config, the resources are
addressable by the file's keys, and a broken file or a missing secret fails the preview naming file, line,
path or key before anything is created."""

from __future__ import annotations

from pathlib import Path

import yaml
from pulumi import automation as auto

from tests.e2e.conftest import Lifecycle, filter_types

REPO = Path(__file__).resolve().parents[2]
AUTH = "Bearer yaml-test-s3cr3t"


def program(tmp_path: Path, svix_yaml: str, main: str | None = None) -> Path:
    folder = tmp_path / "yaml-program"
    folder.mkdir(exist_ok=True)
    (folder / "Pulumi.yaml").write_text(yaml.safe_dump({
        "name": "svix-yaml-test",
        "runtime": {"name": "python", "options": {"toolchain": "pip", "virtualenv": str(REPO / ".venv")}}}))
    (folder / "__main__.py").write_text(main or 'import pulumi_svix as svix\n\nsvix.load_config("svix.yaml")\n')
    (folder / "svix.yaml").write_text(svix_yaml)
    return folder


def test_load_config_creates_what_the_file_declares(target, stack_factory, tmp_path):
    name, uid = target.unique("yaml.paid"), target.unique("yaml-acme")
    text = f"""\
eventTypes:
  {name}:
    description: Paid
    expunge_on_delete: true
applications:
  {uid}:
    name: Acme
    endpoints:
      billing:
        url: https://hooks.example.com/yaml
        event_types: [{name}]
        headers: {{Authorization: {{config: acmeAuth}}}}
"""
    main = ('import pulumi\nimport pulumi_svix as svix\n\nconfig = svix.load_config("svix.yaml")\n'
            f'pulumi.export("secret", config.applications["{uid}"].endpoints["billing"].secret)\n'
            f'pulumi.export("app_id", config.applications["{uid}"].id)\n')
    folder = program(tmp_path, text, main)
    stack = Lifecycle(stack_factory(folder, config={**target.config(),
                                                    "acmeAuth": auto.ConfigValue(AUTH, secret=True)}))
    stack.up()
    outputs = stack.stack.outputs()
    assert outputs["secret"].secret and outputs["secret"].value.startswith("whsec_")
    app = target.api.app(uid)
    assert app and app["id"] == outputs["app_id"].value
    endpoint = target.api.endpoint(uid, "billing")
    assert filter_types(endpoint) == [name]
    if target.is_emulator:
        assert target.stored_endpoint_headers(endpoint["id"]) == {"Authorization": AUTH}
    stack.assert_no_changes()
    stack.assert_no_plain_secrets({"Authorization": AUTH})
    stack.destroy()
    assert target.api.app(uid) is None


def test_a_broken_file_or_a_missing_secret_fails_the_preview_and_creates_nothing(target, stack_factory, tmp_path):
    uid = target.unique("yaml-broken")
    folder = program(tmp_path, f"""\
applications:
  {uid}:
    name: Broken
    endpoints:
      billing:
        url: https://hooks.example.com/broken
        throttle_rate: fast
        headers: {{Authorization: {{config: notSet}}}}
""")
    stack = Lifecycle(stack_factory(folder, config=target.config()))
    failure = stack.up_fails()
    assert f"svix.yaml:7: applications[{uid}].endpoints[billing].throttle_rate: must be an integer" in failure, failure
    assert f"svix.yaml:8: applications[{uid}].endpoints[billing].headers.Authorization: the stack config secret " \
           "'notSet' is not set" in failure, failure
    assert "Traceback" not in failure, failure
    assert target.api.app(uid) is None
    assert not [r for r in stack.resources() if "svix:" in r["type"]]
