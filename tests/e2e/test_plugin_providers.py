"""Explicit providers on the plugin face, through the real engine: one Python program manages two Svix
environments at once (two servers, two tokens), each resource through the provider it names.

The second environment is an emulator of its own with another token: a provider instance that used the
other one's client (or the stack's ``svix:*`` config) would be refused with HTTP 401 or write to the wrong
server. Cloud flavor (the plugin face's flavor in the suite).
"""

from __future__ import annotations

import secrets

import pulumi
import pytest
from pulumi import automation as auto

from pulumi_svix import native
from pulumi_svix.emulator.runner import Emulator
from tests.e2e.conftest import target_params, unwrap_secrets

pytestmark = pytest.mark.engine


@pytest.fixture
def production(tmp_path):
    emulator = Emulator(db=tmp_path / "production.sqlite3", token=f"testsk_production-{secrets.token_hex(8)}",
                        log_path=tmp_path / "production.log")
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.mark.parametrize("target", target_params("cloud"), indirect=True)
def test_one_program_two_svix_environments(production, target, new_stack):  # production first: torn down last
    target.require_emulator("the second environment is a second emulator")
    environments = {"staging": (target.url, target.token), "production": (production.url, production.token)}

    def program() -> None:
        for env, (url, token) in environments.items():
            provider = native.Provider(env, token=token, server_url=url)
            opts = pulumi.ResourceOptions(provider=provider)
            paid = native.EventType(f"{env}-invoice-paid", name="invoice.paid", description=f"{env} event", opts=opts)
            app = native.Application(f"{env}-acme", name=f"Acme ({env})", uid="acme", opts=opts)
            native.Endpoint(f"{env}-billing", app_id=app.id, uid="billing", url=f"https://{env}.example.com/hook",
                            event_types=[paid.name], opts=opts)

    # No svix:* stack config: every resource names its provider.
    stack = new_stack(program, config={"svix:token": "", "svix:serverUrl": ""})
    up = stack.up_converged()
    assert up.summary.resource_changes == {"create": 9}  # 2 x 3, the two providers and the stack

    from tests.e2e.conftest import SvixApi

    with SvixApi(production.url, production.token) as prod_api:
        for env, api in (("staging", target.api), ("production", prod_api)):
            assert api.app("acme")["name"] == f"Acme ({env})"
            assert api.event_type("invoice.paid")["description"] == f"{env} event"
            [endpoint] = api.endpoints("acme")
            assert endpoint["url"] == f"https://{env}.example.com/hook"
        # Each provider's token is secret in its recorded inputs.
        stack.assert_no_plain_secrets({"staging token": target.token, "production token": production.token})
        providers = [r for r in stack.resources() if r["type"] == "pulumi:providers:svix"]
        assert sorted(r["urn"].rsplit("::", 1)[-1] for r in providers) == ["production", "staging"]

        assert stack.destroy().summary.resource_changes == {"delete": 9}
        for api in (target.api, prod_api):
            assert api.app("acme") is None


def test_the_engine_reads_the_plugins_schema(engine_bin, tmp_path):
    """``GetSchema`` through the engine (``pulumi package get-schema`` starts the plugin): schema.yaml, as JSON."""
    import json
    import os
    import subprocess

    import yaml

    from pulumi_svix.schema import SCHEMA_PATH
    from scripts.engine_env import VENV_PYTHON, engine_env

    plugin = VENV_PYTHON.parent / "pulumi-resource-svix"
    result = subprocess.run([str(engine_bin / "pulumi"), "package", "get-schema", str(plugin)],
                            env={**os.environ, **engine_env(tmp_path / "engine")}, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    served = json.loads(result.stdout)
    assert {k: v for k, v in served.items() if k != "provider"} == yaml.safe_load(SCHEMA_PATH.read_text())
    assert set(served["resources"]) == {f"svix:index:{k}" for k in ("Application", "Endpoint", "EventType",
                                                                    "Integration")}
    assert served["provider"]["inputProperties"]["token"]["secret"] is True


@pytest.mark.parametrize("target", target_params("cloud"), indirect=True)
def test_a_changed_server_url_updates_the_provider_and_replaces_nothing(target, new_stack):
    """The same Svix environment under another URL (``127.0.0.1`` -> ``localhost``), for an explicit provider
    and for the default provider's ``svix:serverUrl``: preview and up update the provider in place, the
    resources are neither replaced nor recreated, and the next calls go to the new URL."""
    target.require_emulator("the emulator answers under both host names")
    other_url = target.url.replace("127.0.0.1", "localhost")
    assert other_url != target.url
    url = {"explicit": target.url}

    def program() -> None:
        staging = native.Provider("staging", token=target.token, server_url=url["explicit"])
        native.Application("acme", name="Acme", uid="acme", opts=pulumi.ResourceOptions(provider=staging))
        native.EventType("invoice-paid", name="invoice.paid")  # the default provider: svix:serverUrl

    stack = new_stack(program)
    stack.up_converged()
    app_id = target.api.app("acme")["id"]

    url["explicit"] = other_url
    stack.stack.set_config("svix:serverUrl", auto.ConfigValue(other_url))
    preview = stack.preview()
    # The explicit provider, nothing else (the engine does not count default providers in the summary).
    assert preview.change_summary == {"same": 3, "update": 1}, preview.stdout
    assert stack.up().summary.resource_changes == {"same": 3, "update": 1}
    stack.assert_no_changes()
    assert target.api.app("acme")["id"] == app_id  # the same object, not recreated
    providers = {r["urn"].rsplit("::", 1)[-1]: unwrap_secrets(r["inputs"]) for r in stack.resources()
                 if r["type"] == "pulumi:providers:svix"}
    assert providers["staging"]["serverUrl"] == other_url and next(v for k, v in providers.items() if k.startswith("default"))["serverUrl"] == other_url
    stack.destroy()
    assert target.api.app("acme") is None


@pytest.mark.parametrize("target", target_params("cloud"), indirect=True)
def test_import_through_an_explicit_provider_by_name_table(production, target, new_stack):
    """``pulumi import --file`` with a ``nameTable`` naming an explicit provider (as README and
    docs/guides/other-languages.md show): the object is read from that provider's Svix, not the default one."""
    target.require_emulator("the second environment is a second emulator")
    from tests.e2e.conftest import SvixApi

    with SvixApi(production.url, production.token) as prod_api:
        made = prod_api.call("POST", "/api/v1/app", {"name": "Acme (production)", "uid": "acme"})
    declared = {"app": False}

    def program() -> None:
        prod = native.Provider("production", token=production.token, server_url=production.url)
        if declared["app"]:
            native.Application("prod-acme", name="Acme (production)", uid="acme",
                               opts=pulumi.ResourceOptions(provider=prod))

    stack = new_stack(program)  # the default provider points at the target, which has no such application
    stack.up()
    [provider] = [r["urn"] for r in stack.resources() if r["type"] == "pulumi:providers:svix"]
    imported = stack.stack.import_resources(
        resources=[{"type": "svix:index:Application", "name": "prod-acme", "id": made["id"], "provider": "production"}],
        name_table={"production": provider}, protect=False, generate_code=False, on_output=stack.output.append)
    assert imported.summary.result == "succeeded", imported.stdout
    assert stack.resource("prod-acme")["provider"].startswith(provider + "::")
    declared["app"] = True
    stack.assert_no_changes()
    stack.destroy()
    with SvixApi(production.url, production.token) as prod_api:
        assert prod_api.app("acme") is None


@pytest.mark.parametrize("target", target_params("cloud"), indirect=True)
def test_an_explicit_provider_without_a_token_fails_at_preview_saying_why(target, new_stack):
    """Stack config ``svix:token`` is set, but it is the default provider's: the explicit provider ``nt`` given
    no token fails the preview, naming itself, not at the first create with advice to set ``svix:token``."""
    target.require_emulator("nothing may reach a real Svix")

    def program() -> None:
        nt = native.Provider("nt", server_url=target.url)
        native.EventType("paid", name="invoice.paid", opts=pulumi.ResourceOptions(provider=nt))

    stack = new_stack(program)
    with pytest.raises(auto.CommandError) as failed:
        stack.preview()
    assert "the svix provider 'nt' has no token" in str(failed.value)
    assert "applies only to the default provider" in str(failed.value)
    assert target.api.event_type("invoice.paid") is None
