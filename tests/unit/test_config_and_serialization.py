"""Provider configuration, and the serialized provider that Pulumi stores in every resource."""

import base64

import pytest
from pulumi.dynamic.dynamic import serialize_provider

from pulumi_svix.config import Settings, server_url_for_token
from pulumi_svix.resources.application import ApplicationProvider
from pulumi_svix.resources.endpoint import EndpointProvider
from pulumi_svix.resources.event_type import EventTypeProvider
from pulumi_svix.resources.integration import IntegrationProvider


@pytest.mark.parametrize("token, url", [
    ("testsk_abc.us", "https://api.us.svix.com"),
    ("testsk_abc.eu", "https://api.eu.svix.com"),
    ("sk_abc.in", "https://api.in.svix.com"),
    ("sk_abc.ca", "https://api.ca.svix.com"),
    ("sk_abc.au", "https://api.au.svix.com"),
    ("sk_abc", "https://api.svix.com"),
    ("sk_abc.zz", "https://api.svix.com"),
    (None, "https://api.svix.com"),
])
def test_region_from_token_suffix(token, url):
    assert server_url_for_token(token) == url


def test_stack_config_wins_over_environment_and_token_is_not_in_repr():
    config = {"svix:token": "sk_from_config.eu", "svix:serverUrl": None}
    env = {"SVIX_AUTH_TOKEN": "sk_from_env", "SVIX_SERVER_URL": ""}
    settings = Settings.resolve(config.get, env)
    assert settings.token == "sk_from_config.eu" and settings.server_url == "https://api.eu.svix.com"
    assert "sk_from_config" not in repr(settings)


def test_environment_fallbacks():
    assert Settings.resolve(lambda k: None, {"SVIX_TOKEN": "sk_x", "SVIX_SERVER_URL": "http://h:1/"}) == \
        Settings("http://h:1", "sk_x")
    assert Settings.resolve(lambda k: None, {"SVIX_AUTH_TOKEN": "a", "SVIX_TOKEN": "b"}).token == "a"


# The provider is pickled by reference: the bytes name the class and nothing else, so they do not
# change between pulumi-svix versions (no perpetual diff after an upgrade) and carry no secret.
GOLDEN = {
    ApplicationProvider: ("pulumi_svix.resources.application", "ApplicationProvider"),
    EndpointProvider: ("pulumi_svix.resources.endpoint", "EndpointProvider"),
    EventTypeProvider: ("pulumi_svix.resources.event_type", "EventTypeProvider"),
    IntegrationProvider: ("pulumi_svix.resources.integration", "IntegrationProvider"),
}


@pytest.mark.parametrize("provider_cls", GOLDEN)
def test_serialized_provider_is_a_small_stable_reference(provider_cls):
    module, name = GOLDEN[provider_cls]
    encoded = serialize_provider(provider_cls())
    raw = base64.b64decode(encoded)
    expected = (b"\x80\x04\x95" + (len(module) + len(name) + 12).to_bytes(8, "little")
                + b"\x8c" + bytes([len(module)]) + module.encode() + b"\x94"
                + b"\x8c" + bytes([len(name)]) + name.encode() + b"\x94\x93\x94)\x81\x94.")
    assert raw == expected
    assert len(encoded) <= 200
    assert serialize_provider(provider_cls()) == encoded
