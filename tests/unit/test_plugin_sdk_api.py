"""The parts of ``pulumi.provider.experimental`` (marked experimental by Pulumi) that the provider plugin
relies on. pyproject.toml pins the SDK to the versions this passed with; when a newer SDK changes any of
this, this test fails by name, before a user's deployment does."""

from __future__ import annotations

import inspect

import pulumi.provider.experimental.provider as api
from pulumi.provider.experimental.property_value import PropertyValue, PropertyValueType
from pulumi.provider.experimental.server import ProviderServicer

from pulumi_svix.provider.server import HANDLED, SvixServicer, svix_error_in


def params(callable_) -> list[str]:
    return list(inspect.signature(callable_).parameters)


def test_request_and_response_shapes():
    assert params(api.CheckRequest) == ["urn", "old_inputs", "new_inputs", "random_seed"]
    assert params(api.DiffRequest) == ["urn", "resource_id", "old_state", "new_inputs", "ignore_changes"]
    assert params(api.CreateRequest) == ["urn", "properties", "timeout", "preview"]
    assert params(api.ReadRequest) == ["urn", "resource_id", "properties", "inputs"]
    assert params(api.UpdateRequest) == ["urn", "resource_id", "olds", "news", "timeout", "ignore_changes", "preview"]
    assert params(api.DeleteRequest) == ["urn", "resource_id", "properties", "timeout"]
    assert params(api.ConfigureRequest) == ["variables", "args", "accept_secrets", "accept_resources"]
    assert params(api.ConfigureResponse) == ["accept_secrets", "supports_preview", "accept_resources", "accept_outputs"]
    assert params(api.DiffResponse) == ["changes", "replaces", "stables", "delete_before_replace", "diffs",
                                        "detailed_diff"]
    assert params(api.ReadResponse) == ["resource_id", "properties", "inputs"]
    assert params(api.CreateResponse) == ["resource_id", "properties"]
    assert params(api.PropertyDiff) == ["kind", "input_diff"]
    assert api.CheckRequest("urn:pulumi:s::p::svix:index:EventType::x", {}, {}, b"").type == "svix:index:EventType"


def test_property_diff_kinds_match_the_engine_protocol():
    # The plugin hands on the dynamic face's proto DiffResponse kinds by number.
    from pulumi.runtime import proto

    for name in ("ADD", "ADD_REPLACE", "DELETE", "DELETE_REPLACE", "UPDATE", "UPDATE_REPLACE"):
        assert api.PropertyDiffKind[name].value == getattr(proto.PropertyDiff, name)


def test_property_values():
    value = PropertyValue({"a": PropertyValue([PropertyValue(1.0)]), "s": PropertyValue("x", is_secret=True)})
    assert value.type == PropertyValueType.MAP and value.contains_secret()
    assert PropertyValue.computed().type == PropertyValueType.COMPUTED
    assert PropertyValue("x").with_secret(True).is_secret
    assert PropertyValue.unmarshal_map(PropertyValue.marshal_map({"k": value}))["k"] == value
    # Unknowns travel as the protocol's sentinel string both ways (this SDK version unmarshals them as that
    # string and cannot marshal a nested Computed): values.py relies on both.
    from pulumi_svix.resources._engine import UNKNOWN

    nested = PropertyValue([PropertyValue(UNKNOWN)])
    assert PropertyValue.unmarshal(nested.marshal()).value[0].value == UNKNOWN


def test_the_servicer_handlers_we_wrap_exist_and_reraise_with_the_original_as_context():
    for name in HANDLED:
        assert inspect.iscoroutinefunction(getattr(ProviderServicer, name)), name
        assert getattr(SvixServicer, name) is not getattr(ProviderServicer, name)
    assert params(ProviderServicer.__init__) == ["self", "args", "version", "provider", "engine_address"]


class _Context:
    def __init__(self):
        self.aborted = None

    async def abort(self, code, details):
        self.aborted = (code, details)
        raise RuntimeError("aborted")


def test_our_errors_reach_the_engine_as_their_message_and_others_keep_the_sdk_traceback():
    """The SDK's servicer re-raises every provider error with a traceback appended; SvixServicer sends a
    SvixError's message alone."""
    import asyncio

    import grpc
    from pulumi.runtime import proto

    from pulumi_svix.client import SvixError

    class Failing(api.Provider):
        def __init__(self, error):
            self.error = error

        async def delete(self, request):
            raise self.error

    request = proto.DeleteRequest(id="x", urn="urn:pulumi:s::p::svix:index:EventType::x")
    context = _Context()
    servicer = SvixServicer([], "0.0.0", Failing(SvixError("EventType delete failed: no")), engine_address="")
    try:
        asyncio.run(servicer.Delete(request, context))
    except RuntimeError:
        pass
    assert context.aborted == (grpc.StatusCode.UNKNOWN, "EventType delete failed: no")

    context = _Context()
    servicer = SvixServicer([], "0.0.0", Failing(ValueError("a bug")), engine_address="")
    try:
        asyncio.run(servicer.Delete(request, context))
        raise AssertionError("no error")
    except Exception as error:  # noqa: BLE001
        assert "a bug" in str(error) and "Traceback" not in str(error) and context.aborted is None
        assert svix_error_in(error) is None
