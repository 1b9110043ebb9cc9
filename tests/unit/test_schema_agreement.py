"""schema.yaml is the source of truth: the Python classes must say exactly the same thing."""

import dataclasses
import inspect

import pytest

import pulumi_svix as svix
from pulumi_svix.resources import application, endpoint, event_type, integration
from pulumi_svix.schema import raw_schema, resource_schema

KINDS = {
    "Application": (svix.Application, svix.ApplicationArgs, application.ApplicationProvider),
    "Endpoint": (svix.Endpoint, svix.EndpointArgs, endpoint.EndpointProvider),
    "EventType": (svix.EventType, svix.EventTypeArgs, event_type.EventTypeProvider),
    "Integration": (svix.Integration, svix.IntegrationArgs, integration.IntegrationProvider),
}


def test_schema_declares_exactly_the_four_resources():
    assert set(raw_schema()["resources"]) == {f"svix:index:{k}" for k in KINDS}


@pytest.mark.parametrize("kind", KINDS)
def test_args_class_fields_match_schema_inputs(kind):
    _, args_cls, _ = KINDS[kind]
    schema = resource_schema(kind)
    fields = {f.name: f for f in dataclasses.fields(args_cls)}
    assert list(fields) == [p.python_name for p in schema.inputs]
    for prop in schema.inputs:
        has_default = fields[prop.python_name].default is not dataclasses.MISSING
        assert has_default != prop.required, f"{kind}Args.{prop.python_name}: required must match schema"


@pytest.mark.parametrize("kind", KINDS)
def test_resource_constructor_takes_every_input(kind):
    resource_cls, _, _ = KINDS[kind]
    params = inspect.signature(resource_cls.__init__).parameters
    keyword_only = [n for n, p in params.items() if p.kind is inspect.Parameter.KEYWORD_ONLY]
    assert keyword_only == [p.python_name for p in resource_schema(kind).inputs]


@pytest.mark.parametrize("kind", KINDS)
def test_resource_output_attributes_match_schema_properties(kind):
    resource_cls, _, _ = KINDS[kind]
    declared = list(vars(resource_cls)["__annotations__"])  # the class's own Output attributes
    raw = raw_schema()["resources"][f"svix:index:{kind}"]["properties"]
    from pulumi_svix.schema import snake_case
    assert declared == [snake_case(n) for n in raw]


@pytest.mark.parametrize("kind", KINDS)
def test_provider_kind_and_secret_outputs(kind):
    _, _, provider_cls = KINDS[kind]
    assert provider_cls.kind == kind
    schema = resource_schema(kind)
    expected = {"Endpoint": {"headers", "secret"}, "Integration": {"key"}}.get(kind, set())
    assert set(schema.secret_outputs) == expected


def test_replace_on_changes_is_only_app_id_and_event_type_name():
    replacing = {(k, p.python_name) for k in KINDS for p in resource_schema(k).inputs if p.replace_on_changes}
    assert replacing == {("Endpoint", "app_id"), ("Integration", "app_id"), ("EventType", "name")}


def test_outputs_in_schema_are_a_superset_of_inputs():
    for kind in KINDS:
        raw = raw_schema()["resources"][f"svix:index:{kind}"]
        assert set(raw["inputProperties"]) <= set(raw["properties"]), kind
