"""pulumi_svix.native, the plugin face for Python programs, against Pulumi's mocks (no engine): the type tokens,
the schema's names on the wire, secrets, explicit providers, and bad arguments named."""

from __future__ import annotations

import pulumi
import pytest

from pulumi_svix import native

registered: list = []
SECRET_SIG = "4dabf18193072939515e22adb298388d"  # how the mocks see a secret input


class Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        registered.append(args)
        return f"{args.name}-id", {**args.inputs, "createdAt": "now", "secret": "whsec_x" if "url" in args.inputs else None}

    def call(self, args: pulumi.runtime.MockCallArgs):
        return {}


@pytest.fixture(autouse=True)
def mocks():
    import asyncio

    registered.clear()
    loop = asyncio.new_event_loop()  # set_mocks needs a current loop (an earlier asyncio.run leaves none)
    asyncio.set_event_loop(loop)
    pulumi.runtime.set_mocks(Mocks(), preview=False)
    try:
        yield
    finally:
        asyncio.set_event_loop(None)
        loop.close()


@pulumi.runtime.test
def test_resources_register_with_the_plugin_type_tokens_and_schema_names():
    staging = native.Provider("staging", token="testsk_staging", server_url="http://staging")
    app = native.Application("acme", name="Acme", uid="acme", throttle_rate=5,
                             opts=pulumi.ResourceOptions(provider=staging))
    endpoint = native.Endpoint("billing", app_id=app.id, url="https://h.example.com", event_types=["a"],
                               headers={"Authorization": "Bearer x"}, opts=pulumi.ResourceOptions(provider=staging))

    def check(values):
        by_name = {r.name: r for r in registered}
        assert by_name["staging"].typ == "pulumi:providers:svix"
        token = by_name["staging"].inputs["token"]  # sent as a secret
        assert token["value"] == "testsk_staging" and SECRET_SIG in token
        assert by_name["staging"].inputs["serverUrl"] == "http://staging"
        assert by_name["acme"].typ == "svix:index:Application"
        assert by_name["acme"].inputs == {"name": "Acme", "uid": "acme", "throttleRate": 5}
        assert by_name["billing"].typ == "svix:index:Endpoint"
        assert by_name["billing"].inputs["appId"] == "acme-id" and by_name["billing"].inputs["eventTypes"] == ["a"]
        throttle, created, secret = values
        assert (throttle, created, secret) == (5, "now", "whsec_x")  # outputs under their Python names

    return pulumi.Output.all(app.throttle_rate, app.created_at, endpoint.secret).apply(check)


@pulumi.runtime.test
def test_secret_inputs_are_sent_as_secrets():
    endpoint = native.Endpoint("billing", app_id="app_1", url="https://h.example.com", headers={"A": "b"},
                               secret="whsec_declared")

    def check(_):
        [args] = [r for r in registered if r.name == "billing"]
        assert SECRET_SIG in args.inputs["headers"] and SECRET_SIG in args.inputs["secret"]
        assert args.inputs["url"] == "https://h.example.com"
        # (That the engine records the secret outputs as secrets is checked through the engine: test_lifecycle.)

    return endpoint.urn.apply(check)


def test_an_unknown_argument_is_named():
    with pytest.raises(TypeError, match=r"EventType: unknown argument\(s\) \['nmae'\]"):
        native.EventType("paid", nmae="invoice.paid")


@pulumi.runtime.test
def test_map_keys_in_outputs_stay_the_users_own():
    """metadata/headers/schemas keys come back as declared (no snake_case), and chaining them writes them as is."""
    metadata = {"customerId": "c1", "Some-Key": "v"}
    a = native.Application("a", name="A", metadata=metadata)
    b = native.Application("b", name="B", metadata=a.metadata)
    endpoint = native.Endpoint("billing", app_id="app_1", url="https://h.example.com",
                               headers={"X-Custom-Header": "1"}, metadata={"teamId": "t"})
    paid = native.EventType("paid", name="invoice.paid",
                            schemas={"1": {"properties": {"invoiceId": {"type": "string"}}, "type": "object"}})

    def check(values):
        a_metadata, headers, endpoint_metadata, schemas, app_id = values
        assert a_metadata == metadata and endpoint_metadata == {"teamId": "t"}
        assert headers == {"X-Custom-Header": "1"}
        assert schemas == {"1": {"properties": {"invoiceId": {"type": "string"}}, "type": "object"}}
        assert app_id == "app_1"  # top-level names still under their Python names
        [b_args] = [r for r in registered if r.name == "b"]
        assert b_args.inputs["metadata"] == metadata  # what would reach Svix

    return pulumi.Output.all(a.metadata, endpoint.headers, endpoint.metadata, paid.schemas, endpoint.app_id,
                             b.urn).apply(lambda v: check(v[:5]))
