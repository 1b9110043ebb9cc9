"""examples/yaml-quickstart through the real engine: a Pulumi YAML program (pulumi-language-yaml from `make engine`)
using the provider plugin `pulumi-resource-svix` through two explicit providers, one per Svix server.

Two Svix Cloud emulators run at once, each with a token of its own; each only accepts its own token, so an object
lands on a server only if its provider really used that server's URL and token. One lifecycle: ``preview`` (with
unknown ids, as `pulumi up` shows it first), ``up`` creates the same set on both servers, ``preview`` proposes
nothing, no token or secret is in the state or the output in plain text and no resource carries a ``__provider``;
``destroy`` leaves both servers empty.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

import pytest
import yaml

from pulumi import automation as auto
from pulumi_svix.emulator.runner import Emulator
from scripts.engine_env import REPO_ROOT
from tests.e2e.conftest import Lifecycle, filter_types
from tests.fixtures_emulator import ApiSession, check_contract

pytestmark = pytest.mark.engine

YAML_QUICKSTART = REPO_ROOT / "examples" / "yaml-quickstart"
ENVIRONMENTS = ("staging", "production")
EVENT_TYPES = {"invoice.paid": "billing", "invoice.failed": "billing",
               "user.created": "users", "user.deleted": "users"}
ENDPOINTS = {  # uid: (event types, channels, throttle rate)
    "billing": (["invoice.failed", "invoice.paid"], ["billing"], None),
    "users": (["user.created", "user.deleted"], ["users"], 20),
}
URL_PREFIX = {"staging": "https://hooks.example.com/staging/acme", "production": "https://hooks.example.com/acme"}
PER_ENVIRONMENT = len(EVENT_TYPES) + 1 + len(ENDPOINTS) + 1  # event types, the application, endpoints, Zapier
DECLARED = 1 + len(ENVIRONMENTS) * (1 + PER_ENVIRONMENT)  # the stack, and per environment its provider and objects


@pytest.fixture
def yaml_language_host(engine_bin: Path) -> Path:
    host = engine_bin / "pulumi-language-yaml"
    if not os.access(host, os.X_OK):
        pytest.fail(f"{host} is missing (Pulumi YAML's language host): run `make engine`", pytrace=False)
    return host


@pytest.fixture
def svix_servers(request, tmp_path):
    """Two contract-checked Svix Cloud emulators, staging and production, each with a token of its own."""
    servers: dict[str, Emulator] = {}
    try:
        for environment in ENVIRONMENTS:
            servers[environment] = Emulator(
                db=tmp_path / f"{environment}.sqlite3", token=f"testsk_{environment}-{secrets.token_hex(12)}",
                validate_contract=True, log_path=tmp_path / f"{environment}.log").start()
        yield servers
        for server in servers.values():
            check_contract(request, server)
    finally:
        for server in servers.values():
            server.stop()


def with_absolute_plugin_path(program: Path, into: Path) -> Path:
    """A copy of ``program`` whose `plugins.providers` paths are absolute: Pulumi.yaml states them relative to
    the program directory, and the stack factory runs a copy elsewhere."""
    copy = into / program.name
    shutil.copytree(program, copy, ignore=shutil.ignore_patterns("Pulumi.*.yaml"))
    project_file = copy / "Pulumi.yaml"
    project = yaml.safe_load(project_file.read_text())
    for plugin in project["plugins"]["providers"]:
        plugin["path"] = str((program / plugin["path"]).resolve())
    project_file.write_text(yaml.safe_dump(project, sort_keys=False))
    return copy


def test_yaml_quickstart_on_two_servers(svix_servers, yaml_language_host, stack_factory, tmp_path):
    plugin_dir = (YAML_QUICKSTART / yaml.safe_load((YAML_QUICKSTART / "Pulumi.yaml").read_text())
                  ["plugins"]["providers"][0]["path"]).resolve()
    assert os.access(plugin_dir / "pulumi-resource-svix", os.X_OK), f"no pulumi-resource-svix in {plugin_dir}"
    webhook_token = f"hook-{secrets.token_hex(12)}"
    config = {"webhookAuthToken": auto.ConfigValue(webhook_token, secret=True)}
    for environment, server in svix_servers.items():
        config[f"{environment}ServerUrl"] = server.url
        config[f"{environment}Token"] = auto.ConfigValue(server.token, secret=True)
    stack = Lifecycle(stack_factory(with_absolute_plugin_path(YAML_QUICKSTART, tmp_path), config=config))
    apis = {environment: ApiSession(server) for environment, server in svix_servers.items()}

    # --- preview first, as `pulumi up` does: ids are unknown until the objects exist -------------------------
    preview = stack.preview()
    assert preview.change_summary == {"create": DECLARED}, preview.stdout

    # --- up: the same set on each server, each reached with its own URL and token ------------------------------
    up = stack.up()
    assert up.summary.resource_changes == {"create": DECLARED}
    endpoint_ids = up.outputs["endpointIds"].value
    assert up.outputs["signingSecrets"].secret
    signing_secrets = up.outputs["signingSecrets"].value
    secret_values = {"webhook token": webhook_token}
    for environment, api in apis.items():
        secret_values[f"{environment} token"] = svix_servers[environment].token
        names = [e["name"] for e in api.get("/api/v1/event-type").json()["data"]]
        assert sorted(names) == sorted(EVENT_TYPES), environment
        for name, group in EVENT_TYPES.items():
            event_type = api.get(f"/api/v1/event-type/{name}").json()
            assert event_type.get("groupName") == group and event_type["schemas"]["1"]["type"] == "object", name
        apps = api.get("/api/v1/app").json()["data"]
        assert [(a["uid"], a["name"]) for a in apps] == [("acme", "Acme")], environment
        app_id = apps[0]["id"]
        endpoints = {e["uid"]: e for e in api.get(f"/api/v1/app/{app_id}/endpoint").json()["data"]}
        assert set(endpoints) == set(ENDPOINTS), environment
        for uid, (types, channels, throttle) in ENDPOINTS.items():
            endpoint = endpoints[uid]
            assert endpoint["id"] == endpoint_ids[environment][uid]
            assert endpoint["url"] == f"{URL_PREFIX[environment]}/{uid}"
            assert filter_types(endpoint) == types
            assert endpoint["channels"] == channels
            assert endpoint.get("throttleRate") == throttle
            headers = api.get(f"/api/v1/app/{app_id}/endpoint/{endpoint['id']}/headers").json()
            assert [h.lower() for h in headers["sensitive"]] == ["authorization"]
            live_secret = api.get(f"/api/v1/app/{app_id}/endpoint/{endpoint['id']}/secret").json()["key"]
            assert live_secret == signing_secrets[environment][uid]
            secret_values[f"signing secret {environment}/{uid}"] = live_secret
        integrations = api.get(f"/api/v1/app/{app_id}/integration").json()["data"]
        assert [i["name"] for i in integrations] == ["Zapier"], environment
        secret_values[f"integration key {environment}"] = stack.outputs(f"{environment}AcmeZapier")["key"]

    # --- converged, secrets never in plain text, no pickled provider -------------------------------------------
    stack.assert_no_changes()
    stack.assert_no_plain_secrets(secret_values)
    resources = stack.resources()
    assert not [r["urn"] for r in resources if "__provider" in (r.get("inputs") or {})]
    providers = {r["urn"].rsplit("::", 1)[1]: r["id"] for r in resources if r["type"] == "pulumi:providers:svix"}
    assert set(providers) == set(ENVIRONMENTS)
    for environment in ENVIRONMENTS:  # each environment's objects are managed by its own provider
        mine = [r for r in resources if r["urn"].rsplit("::", 1)[1].startswith(environment)
                and r["type"].startswith("svix:index:")]
        assert len(mine) == PER_ENVIRONMENT
        assert {tuple(r["provider"].split("::")[-2:]) for r in mine} == {(environment, providers[environment])}

    # --- destroy: both servers left empty ----------------------------------------------------------------------
    destroy = stack.destroy()
    assert destroy.summary.resource_changes == {"delete": DECLARED}
    for environment, api in apis.items():
        assert api.get("/api/v1/app").json()["data"] == [], environment
        remaining = api.get("/api/v1/event-type", params={"include_archived": "true"}).json()["data"]
        assert all(e["archived"] for e in remaining), environment  # Svix archives event types on delete
    assert stack.resources() == []
