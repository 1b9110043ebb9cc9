"""The provider plugin's own parts (pulumi_svix.provider), without the engine: the wire form of properties,
the provider configuration, the schema it serves, what ``pulumi import`` records, and that the plugin runs
the dynamic resources' provider code (no second copy)."""

from __future__ import annotations

import asyncio
import json

import yaml
from pulumi.provider.experimental import provider as api
from pulumi.provider.experimental.property_value import PropertyValue

from pulumi_svix.provider import plugin, values
from pulumi_svix.provider.schema_export import schema_json
from pulumi_svix.resources._engine import UNKNOWN
from pulumi_svix.resources.endpoint import REDACTED, EndpointProvider
from pulumi_svix.schema import SCHEMA_PATH, resource_schema

ENDPOINT = resource_schema("Endpoint")


def test_wire_names_numbers_unknowns_and_secrets():
    wire = {"appId": PropertyValue("app_1"), "throttleRate": PropertyValue(20.0),
            "eventTypes": PropertyValue([PropertyValue(UNKNOWN)]),
            "metadata": PropertyValue({"someKey": PropertyValue("v")}),
            "url": PropertyValue("https://h.example.com/tok", is_secret=True)}
    props, secret = values.from_wire(ENDPOINT, wire)
    # Python names at the top only: metadata's keys are the user's.
    assert props == {"app_id": "app_1", "throttle_rate": 20.0, "event_types": [UNKNOWN],
                     "metadata": {"someKey": "v"}, "url": "https://h.example.com/tok"}
    assert secret == {"url"}

    back = values.to_wire(ENDPOINT, {**props, "throttle_rate": 20, "secret": "whsec_x", "__owner": "abc"}, secret)
    assert back["throttleRate"].value == 20.0 and back["appId"].value == "app_1"
    assert back["url"].is_secret and back["secret"].is_secret  # declared secret, and schema secret
    assert not back["appId"].is_secret and back["__owner"].value == "abc"
    assert back["eventTypes"].value[0].value == UNKNOWN
    assert PropertyValue.marshal_map(back)  # marshals (no Computed inside a list)


def test_ignore_changes_paths_get_python_names():
    assert values.python_path(ENDPOINT, "throttleRate") == "throttle_rate"
    assert values.python_path(ENDPOINT, 'headers["X-Team"]') == 'headers["X-Team"]'
    assert values.python_path(ENDPOINT, "metadata.someKey") == "metadata.someKey"
    assert values.python_path(ENDPOINT, "eventTypes[0]") == "event_types[0]"


def test_settings_per_provider_instance_with_the_dynamic_fallbacks():
    env = {"SVIX_AUTH_TOKEN": "testsk_env.eu"}
    explicit = plugin.settings_from({"token": "testsk_a", "serverUrl": "http://a.example/"}, {}, env)
    assert (explicit.server_url, explicit.token) == ("http://a.example", "testsk_a")
    from_env = plugin.settings_from({}, {}, env)  # nothing given: the environment and the token's region
    assert (from_env.server_url, from_env.token) == ("https://api.eu.svix.com", "testsk_env.eu")
    from_variables = plugin.settings_from({}, {"svix:config:token": "testsk_v.us"}, {})
    assert from_variables.server_url == "https://api.us.svix.com"
    assert "testsk_a" not in repr(explicit)


def test_each_configured_instance_has_its_own_client():
    async def configure(token: str, url: str):
        instance = plugin.SvixPlugin()
        await instance.configure(api.ConfigureRequest({}, {"token": PropertyValue(token, is_secret=True),
                                                           "serverUrl": PropertyValue(url)}, True, False))
        return instance

    staging, production = asyncio.run(configure("t1", "http://staging")), asyncio.run(configure("t2", "http://prod"))
    assert staging._client is not production._client
    assert (staging._client.server_url, production._client.server_url) == ("http://staging", "http://prod")


def test_check_config_keeps_the_token_secret_and_names_unknown_settings():
    response = asyncio.run(plugin.SvixPlugin().check_config(api.CheckRequest(
        "urn:pulumi:s::p::pulumi:providers:svix::staging", {},
        {"token": PropertyValue("plain"), "serverUrl": PropertyValue("http://x"), "tokne": PropertyValue("y"),
         "version": PropertyValue("0.1.0")}, b"")))
    assert response.inputs["token"].is_secret and not response.inputs["serverUrl"].is_secret
    assert response.inputs["version"].value == "0.1.0"  # the engine's own input, kept
    assert [f.property for f in response.failures] == ["tokne"]


def test_the_served_schema_is_schema_yaml_with_the_provider_inputs_from_its_config():
    served = json.loads(schema_json())
    source = yaml.safe_load(SCHEMA_PATH.read_text())
    assert {k: v for k, v in served.items() if k != "provider"} == source
    assert served["provider"]["inputProperties"] == source["config"]["variables"]
    assert served["provider"]["inputProperties"]["token"]["secret"] is True


def test_the_plugin_runs_the_dynamic_resources_provider_classes():
    assert {token: type(p) for token, p in plugin.PROVIDERS.items()}["svix:index:Endpoint"] is EndpointProvider
    assert set(plugin.PROVIDERS) == {f"svix:index:{k}" for k in ("Application", "Endpoint", "EventType", "Integration")}


def test_import_ids_and_imported_inputs():
    props = {}
    assert plugin.split_scoped_id("svix:index:Endpoint", "app_1/ep_2", props) == "ep_2" and props == {"app_id": "app_1"}
    assert plugin.split_scoped_id("svix:index:EventType", "a/b", {}) == "a/b"  # event type names may hold '/'
    outputs = {"app_id": "app_1", "url": "https://h", "uid": None, "secret": "whsec_x", "created_at": "t",
               "adopt": None, "headers": {"X-A": "1"}}
    assert plugin.imported_inputs(EndpointProvider(), outputs) == {"app_id": "app_1", "url": "https://h",
                                                                   "headers": {"X-A": "1"}}


def test_an_imported_sensitive_header_takes_the_declared_value_then_changes_are_seen():
    recorded = {"headers": {"Authorization": REDACTED, "X-A": "1"}}
    declared = {"headers": {"Authorization": "Bearer v1", "X-A": "1"}}
    # Right after the import: nothing was ever declared, the declaration is taken as what Svix holds.
    assert plugin.with_hidden_values_declared(recorded, {"headers": {"Authorization": REDACTED}}, declared) == declared
    # Later: compared with the value last declared, so a change of the declared value is an update.
    later = plugin.with_hidden_values_declared(recorded, declared, {"headers": {"Authorization": "Bearer v2"}})
    assert later["headers"]["Authorization"] == "Bearer v1"
    assert plugin.with_hidden_values_declared({"headers": {"X-A": "1"}}, {}, declared) == {"headers": {"X-A": "1"}}


def test_check_failures_name_the_property_by_its_schema_name():
    request = api.CheckRequest("urn:pulumi:s::p::svix:index:Endpoint::billing", {},
                               {"appId": PropertyValue("app_1"), "url": PropertyValue("ftp://x"),
                                "throttleRate": PropertyValue("fast")}, b"")
    response = asyncio.run(plugin.SvixPlugin().check(request))
    reasons = {f.property: f.reason for f in response.failures}
    assert set(reasons) == {"url", "throttleRate"}
    assert reasons["throttleRate"].startswith("Endpoint.throttleRate: must be an integer")
    assert "ftp://x" not in reasons["url"]  # never the value: it may be secret


def _diff_config_through_the_servicer(olds: dict, news: dict):
    """DiffConfig as the engine calls it: proto request in, proto response out (server.SvixServicer)."""
    from google.protobuf import struct_pb2
    from pulumi.runtime.proto import provider_pb2

    from pulumi_svix.provider.server import SvixServicer

    def struct(props: dict) -> struct_pb2.Struct:
        s = struct_pb2.Struct()
        s.update(props)
        return s

    request = provider_pb2.DiffRequest(id="", urn="urn:pulumi:s::p::pulumi:providers:svix::staging",
                                       olds=struct(olds), news=struct(news))
    servicer = SvixServicer([], "0.0.0", plugin.SvixPlugin(), engine_address="127.0.0.1:1")
    return asyncio.run(servicer.DiffConfig(request, None))


def test_a_changed_server_url_or_token_is_an_in_place_provider_update_not_a_replacement():
    from pulumi.runtime.proto import provider_pb2

    olds = {"token": "testsk_a", "serverUrl": "http://a.example"}
    response = _diff_config_through_the_servicer(olds, {**olds, "serverUrl": "http://b.example"})
    assert response.changes == provider_pb2.DiffResponse.DIFF_SOME
    assert list(response.diffs) == ["serverUrl"] and not response.replaces  # the same environment, moved
    assert response.detailedDiff["serverUrl"].kind == provider_pb2.PropertyDiff.UPDATE
    assert _diff_config_through_the_servicer(olds, dict(olds)).changes == provider_pb2.DiffResponse.DIFF_NONE


def test_the_redacted_placeholder_is_never_sent_as_a_header_value():
    """``pulumi import`` records a sensitive header whose value Svix never shows as the placeholder, and writes
    it into generated code; declared so, it previewed no changes and a later update wrote the placeholder to
    Svix over the real value. Check accepts it (the engine checks what the import records, and that may not
    fail); the diff (preview), create and update refuse it, on both faces, naming the header."""
    import pytest

    from pulumi_svix.client import SvixError

    declared = {"Authorization": REDACTED, "X-Team": "billing"}
    wire = {"appId": PropertyValue("app_1"), "url": PropertyValue("https://h.example.com"),
            "headers": PropertyValue({k: PropertyValue(v) for k, v in declared.items()}, is_secret=True)}
    urn = "urn:pulumi:s::p::svix:index:Endpoint::billing"
    assert not asyncio.run(plugin.SvixPlugin().check(api.CheckRequest(urn, wire, wire, b""))).failures
    recorded = {"appId": PropertyValue("app_1"), "url": PropertyValue("https://h.example.com"),
                "headers": PropertyValue({"Authorization": PropertyValue(REDACTED), "X-Team": PropertyValue("x")})}
    with pytest.raises(SvixError) as refused:
        asyncio.run(plugin.SvixPlugin().diff(api.DiffRequest(urn, "ep_1", recorded, wire, [])))
    message = str(refused.value)
    assert message.startswith("Endpoint 'billing': Endpoint.headers: ") and "'Authorization'" in message
    assert "declare the real value" in message and "X-Team" not in message

    # In an ignored property the placeholder is the recorded value, which no update writes: not refused.
    ignoring = api.DiffRequest(urn, "ep_1", recorded, {**wire, "headers": recorded["headers"]}, ["headers"])
    assert asyncio.run(plugin.SvixPlugin().diff(ignoring)).changes is False

    dynamic = EndpointProvider()  # the same code: the dynamic face never sends it either, before any request
    props = {"app_id": "app_1", "url": "https://h.example.com", "headers": {"authorization": REDACTED}}
    changed = {**props, "headers": {"authorization": REDACTED, "X-Team": "b"}}
    for call in (lambda: dynamic.create(props), lambda: dynamic.update("ep_1", props, changed)):
        with pytest.raises(SvixError, match="'authorization' is the placeholder"):
            call()


def test_an_explicit_provider_without_a_token_fails_at_preview_naming_itself(monkeypatch):
    """Stack config ``svix:token`` does not apply to an explicit provider: without ``token`` (and without
    SVIX_AUTH_TOKEN) its CheckConfig fails, at preview, saying so. The default provider is unchanged."""
    for name in ("SVIX_AUTH_TOKEN", "SVIX_TOKEN"):
        monkeypatch.delenv(name, raising=False)

    def check(urn: str, inputs: dict):
        return asyncio.run(plugin.SvixPlugin().check_config(api.CheckRequest(urn, {}, inputs, b""))).failures

    [failure] = check("urn:pulumi:s::p::pulumi:providers:svix::nt", {"serverUrl": PropertyValue("http://x")})
    assert failure.property == "token"
    assert "'nt'" in failure.reason and "token=" in failure.reason and "svix:token" in failure.reason
    assert "only to the default provider" in failure.reason
    assert not check("urn:pulumi:s::p::pulumi:providers:svix::nt", {"token": PropertyValue.computed()})
    assert check("urn:pulumi:s::p::pulumi:providers:svix::nt", {"token": PropertyValue("")})
    assert not check("urn:pulumi:s::p::pulumi:providers:svix::default_0_1_0", {})
    monkeypatch.setenv("SVIX_AUTH_TOKEN", "testsk_env")
    assert not check("urn:pulumi:s::p::pulumi:providers:svix::nt", {})
