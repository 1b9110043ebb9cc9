"""examples/quickstart through the real engine, as users run it: the directory program, run by the pulumi CLI.

One lifecycle: ``up`` creates exactly the declared objects on the server; ``preview`` (also after ``refresh``)
proposes nothing; no token, signing secret, integration key or header value is in the state files or the CLI
output in plain text; ``__provider`` stays small; ``destroy`` leaves nothing live on the server.
"""

from __future__ import annotations

import json
import secrets

import pytest
from pulumi import automation as auto

from scripts.engine_env import REPO_ROOT
from pulumi_svix.resources._ownership import OWNER_KEY
from tests.e2e.conftest import REPORT, filter_types

pytestmark = pytest.mark.engine

QUICKSTART = REPO_ROOT / "examples" / "quickstart"
EVENT_TYPES = {"invoice.paid": "billing", "invoice.failed": "billing",
               "user.created": "users", "user.deleted": "users"}
ENDPOINTS = {  # uid: (event types, channels, throttle rate)
    "billing": (["invoice.failed", "invoice.paid"], ["billing"], None),
    "users": (["user.created", "user.deleted"], ["users"], 20),
}
BASE_URL = "https://hooks.example.com"
MAX_PROVIDER_BYTES = 200


def provider_sizes(resources: list[dict]) -> dict[str, int]:
    """Bytes of the serialized provider (``__provider`` input) per resource type."""
    sizes: dict[str, int] = {}
    for resource in resources:
        provider = (resource.get("inputs") or {}).get("__provider")
        if provider is not None:
            kind = resource["type"]
            sizes[kind] = max(sizes.get(kind, 0), len(str(provider).encode()))
    return sizes


def test_quickstart_lifecycle(target, new_stack):
    # On a self-hosted svix-server the example runs with `selfHosted: true`: no Zapier integrations (the server
    # has no Integration API) and no event type groups.
    self_hosted = target.flavor == "oss"
    if not target.is_emulator:
        # The example's event type names are fixed: never take over (and archive at destroy) live ones.
        live = [name for name in EVENT_TYPES if (target.api.event_type(name) or {}).get("archived") is False]
        if live:
            pytest.skip(f"the Svix at {target.url} already has live event types {live}, which the quickstart "
                        "would take over and archive on destroy")
    customers = [target.unique(name) for name in ("acme", "globex", "initech")]
    webhook_token = f"hook-{secrets.token_hex(12)}"
    stack = new_stack(QUICKSTART, config={
        "customers": json.dumps(customers),
        "webhookAuthToken": auto.ConfigValue(webhook_token, secret=True),
        "selfHosted": "true" if self_hosted else "false",
    })
    api = target.api
    declared_count = len(EVENT_TYPES) + len(customers) * (1 + len(ENDPOINTS) + (0 if self_hosted else 1))

    # --- up: exactly the declared objects, on the server ----------------------------------------
    up = stack.up()
    assert up.summary.resource_changes == {"create": declared_count + 1}  # + the stack itself

    for name, group in EVENT_TYPES.items():
        event_type = api.event_type(name)
        assert event_type and not event_type["archived"], name
        assert event_type.get("groupName") == (None if self_hosted else group)
        assert event_type["schemas"]["1"]["type"] == "object"
    if target.is_emulator:  # a shared real server holds other people's objects too
        assert {e["name"] for e in api.list_all("/api/v1/event-type")} == set(EVENT_TYPES)
        assert {a["uid"] for a in api.list_all("/api/v1/app")} == set(customers)

    signing_secrets = up.outputs["signing_secrets"].value
    endpoint_ids = up.outputs["endpoint_ids"].value
    assert up.outputs["signing_secrets"].secret
    secret_values = {"Svix token": target.token, "webhook token": webhook_token}
    for slug in customers:
        app = api.app(slug)
        assert app is not None and app["name"] == slug.replace("-", " ").title()
        assert {k: v for k, v in app["metadata"].items() if k != OWNER_KEY} == {"customer": slug}
        assert OWNER_KEY in app["metadata"]  # the ownership marker of the resource that created it
        endpoints = {e["uid"]: e for e in api.endpoints(app["id"])}
        assert set(endpoints) == set(ENDPOINTS)
        for uid, (event_types, channels, throttle) in ENDPOINTS.items():
            endpoint = endpoints[uid]
            assert endpoint["id"] == endpoint_ids[slug][uid]
            assert endpoint["url"] == f"{BASE_URL}/{slug}/{uid}"
            assert filter_types(endpoint) == event_types
            assert endpoint["channels"] == channels
            assert endpoint.get("throttleRate") == throttle
            headers = api.endpoint_headers(app["id"], endpoint["id"])
            assert [h.lower() for h in headers["sensitive"]] == ["authorization"]  # redacted by Svix
            live_secret = api.endpoint_secret(app["id"], endpoint["id"])
            assert live_secret == signing_secrets[slug][uid]
            secret_values[f"signing secret {slug}/{uid}"] = live_secret
        if self_hosted:
            continue
        integrations = api.integrations(app["id"])
        assert [i["name"] for i in integrations] == ["Zapier"]
        key = stack.outputs(f"{slug}-zapier")["key"]
        if target.is_emulator:  # only the emulator lets us see the key Svix holds
            assert key == target.stored_integration_key(integrations[0]["id"])
        secret_values[f"integration key {slug}"] = key

    # --- converged: preview proposes nothing, also after a refresh ---------------------------------
    preview = stack.assert_no_changes()
    assert preview.change_summary["same"] == declared_count + 1

    refresh = stack.refresh()
    assert set(refresh.summary.resource_changes) == {"same"}, refresh.summary.resource_changes
    stack.assert_no_changes()

    # --- secrets never in plain text; the serialized provider is small ------------------------------
    stack.assert_no_plain_secrets(secret_values)
    sizes = provider_sizes(stack.resources())
    REPORT["__provider bytes per resource type (quickstart state)"] = sizes
    kinds = ("Application", "Endpoint", "EventType") + (() if self_hosted else ("Integration",))
    assert set(sizes) == {f"pulumi-python:dynamic/svix:{kind}" for kind in kinds}, sizes
    assert max(sizes.values()) <= MAX_PROVIDER_BYTES, sizes

    # --- destroy: nothing live is left ------------------------------------------------------------
    destroy = stack.destroy()
    assert destroy.summary.resource_changes == {"delete": declared_count + 1}
    for slug in customers:
        assert api.app(slug) is None, slug
    for name in EVENT_TYPES:
        remaining = api.event_type(name)
        assert remaining is None or remaining["archived"], name  # Svix archives on delete
    if target.is_emulator:
        assert api.list_all("/api/v1/app") == [] and api.list_all("/api/v1/event-type") == []
    assert stack.resources() == []
    stack.assert_no_plain_secrets(secret_values)
