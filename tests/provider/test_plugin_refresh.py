"""The plugin's Read against the emulator: after ``pulumi import`` the state records a sensitive header as the
placeholder (Svix never shows its value); once the program declares the real value (recorded among the inputs),
a refresh records that value in the outputs, not the placeholder."""

from __future__ import annotations

import asyncio

from pulumi.provider.experimental import provider as api
from pulumi.provider.experimental.property_value import PropertyValue

from pulumi_svix.headers import REDACTED
from pulumi_svix.provider import plugin, values
from pulumi_svix.schema import resource_schema

ENDPOINT = resource_schema("Endpoint")


def test_a_refresh_after_import_records_the_declared_sensitive_header_value(emulator, svix_api):
    app = svix_api.post("/api/v1/app", json={"name": "Acme", "uid": "acme"}).json()
    endpoint = svix_api.post(f"/api/v1/app/{app['id']}/endpoint", json={"url": "https://h.example.com/hook"}).json()
    svix_api.put(f"/api/v1/app/{app['id']}/endpoint/{endpoint['id']}/headers",
                 json={"headers": {"Authorization": "Bearer real", "X-Team": "billing"}}).raise_for_status()

    async def run():
        instance = plugin.SvixPlugin()
        await instance.configure(api.ConfigureRequest({}, {"token": PropertyValue(emulator.token, is_secret=True),
                                                           "serverUrl": PropertyValue(emulator.url)}, True, False))
        urn = "urn:pulumi:s::p::svix:index:Endpoint::billing"
        imported = await instance.read(api.ReadRequest(urn, f"{app['id']}/{endpoint['id']}", {}, {}))
        assert values.to_python(imported.properties["headers"])["Authorization"] == REDACTED
        declared = {**imported.inputs, "headers": PropertyValue({"Authorization": PropertyValue("Bearer real"),
                                                                 "X-Team": PropertyValue("billing")}, is_secret=True)}
        return await instance.read(api.ReadRequest(urn, imported.resource_id, imported.properties, declared))

    refreshed = asyncio.run(run())
    assert values.to_python(refreshed.properties["headers"]) == {"Authorization": "Bearer real", "X-Team": "billing"}
    assert refreshed.properties["headers"].is_secret
