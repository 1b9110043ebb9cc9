"""``svix.EventType``: a kind of message your service sends, such as ``invoice.paid``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence

import pulumi
import pulumi.dynamic

from ..schema import resource_schema
from . import _base
from ._engine import SvixProvider, api_body, from_api, matches_declared, timestamps

EVENT_TYPES = "/api/v1/event-type"


# A stable import path: the state of every resource holds this class pickled by reference
# (``__provider`` names pulumi_svix.resources.event_type.EventTypeProvider), and refresh and destroy
# of existing stacks load it from there. Never rename or move it; if it must move, leave an alias
# here. tests/unit/test_review_defects.py loads the values 0.1.0 wrote (tests/unit/data).
class EventTypeProvider(SvixProvider):
    kind = "EventType"

    def _outputs(self, body: dict, inputs: dict) -> dict:
        return {**inputs, **from_api(self.schema, body), **timestamps(body)}

    def _create(self, api, inputs):
        from ..client import SvixApiError

        body = {"description": "", **api_body(self.schema, inputs)}  # Svix requires a description
        if inputs.get("adopt"):  # looked up first: adopting sends no failing POST, and one as declared no write
            existing = api.get(f"{EVENT_TYPES}/{inputs['name']}", missing_ok=True)
            if existing is not None:
                self._may_take_over(inputs["name"], inputs, lambda: True)
                if matches_declared(self.schema, existing, inputs):
                    return existing["name"], self._outputs(existing, inputs)
                created = self._send(api, "PATCH", f"{EVENT_TYPES}/{inputs['name']}",
                                     api_body(self.schema, inputs, for_patch=True), inputs)
                return created["name"], self._outputs(created, inputs)
        try:
            # Svix un-archives an archived event type of the same name on POST.
            created = self._send(api, "POST", EVENT_TYPES, body, inputs)
        except SvixApiError as error:
            # Event types have no field for an ownership marker: one with exactly the declared settings is
            # taken over (an interrupted deploy's), unless another resource of this run holds it.
            if not (error.status == 409 and self._may_take_over(inputs["name"], inputs, lambda: matches_declared(
                    self.schema, api.get(f"{EVENT_TYPES}/{inputs['name']}"), inputs))):
                raise
            created = self._send(api, "PATCH", f"{EVENT_TYPES}/{inputs['name']}",
                                 api_body(self.schema, inputs, for_patch=True), inputs)
        return created["name"], self._outputs(created, inputs)

    def _read(self, api, id_, state):
        body = api.get(f"{EVENT_TYPES}/{id_}", missing_ok=True)
        if body is None or (body.get("archived") and not state.get("archived")):
            return None  # archived behind our back: to this program it is gone
        return body["name"], self._outputs(body, state)

    def _update(self, api, id_, olds, news, changed):
        names = changed & {p.python_name for p in self.schema.inputs if p.api}
        if not names:
            return {**olds, **news}
        body = self._send(api, "PATCH", f"{EVENT_TYPES}/{id_}",
                          api_body(self.schema, news, names, for_patch=True), news)
        return self._outputs(body, news)

    def _delete(self, api, id_, state):
        params = {"expunge": "true"} if state.get("expunge_on_delete") else None
        api.delete(f"{EVENT_TYPES}/{id_}", params=params)


@dataclass
class EventTypeArgs:
    """The arguments of an :class:`EventType`."""

    name: pulumi.Input[str]
    """The event type's name, e.g. ``invoice.paid``; changing it replaces the event type."""
    description: Optional[pulumi.Input[str]] = None
    """Human-readable description."""
    archived: Optional[pulumi.Input[bool]] = None
    """Whether the event type is archived."""
    deprecated: Optional[pulumi.Input[bool]] = None
    """Whether the event type is marked deprecated."""
    schemas: Optional[pulumi.Input[Mapping[str, Any]]] = None
    """JSON schemas of the payload, keyed by version (``{"1": {...}}``)."""
    group_name: Optional[pulumi.Input[str]] = None
    """Name of the group the event type belongs to."""
    feature_flags: Optional[pulumi.Input[Sequence[pulumi.Input[str]]]] = None
    """Feature flags that gate visibility of the event type."""
    expunge_on_delete: Optional[pulumi.Input[bool]] = None
    """When destroyed, delete for good instead of archiving (the default, as Svix does)."""
    adopt: Optional[pulumi.Input[bool]] = None
    """On create, take over an existing event type with the same name instead of failing."""


class EventType(pulumi.dynamic.Resource, module="svix", name="EventType"):
    """A kind of message your service sends, with optional JSON schemas per version.

    ## Example

    ```python
    import pulumi_svix as svix

    paid = svix.EventType("invoice-paid", name="invoice.paid", description="Invoice paid",
        schemas={"1": {"type": "object", "properties": {"id": {"type": "string"}}}})
    ```

    The resource id is the event type name. ``pulumi destroy`` archives it, as Svix does, unless
    ``expunge_on_delete=True``.
    """

    name: pulumi.Output[str]
    description: pulumi.Output[Optional[str]]
    archived: pulumi.Output[Optional[bool]]
    deprecated: pulumi.Output[Optional[bool]]
    schemas: pulumi.Output[Optional[Mapping[str, Any]]]
    group_name: pulumi.Output[Optional[str]]
    feature_flags: pulumi.Output[Optional[Sequence[str]]]
    expunge_on_delete: pulumi.Output[Optional[bool]]
    adopt: pulumi.Output[Optional[bool]]
    created_at: pulumi.Output[str]
    updated_at: pulumi.Output[str]

    def __init__(self, resource_name: str, args: Optional[EventTypeArgs] = None,
                 opts: Optional[pulumi.ResourceOptions] = None, *,
                 name: Optional[pulumi.Input[str]] = None,
                 description: Optional[pulumi.Input[str]] = None,
                 archived: Optional[pulumi.Input[bool]] = None,
                 deprecated: Optional[pulumi.Input[bool]] = None,
                 schemas: Optional[pulumi.Input[Mapping[str, Any]]] = None,
                 group_name: Optional[pulumi.Input[str]] = None,
                 feature_flags: Optional[pulumi.Input[Sequence[pulumi.Input[str]]]] = None,
                 expunge_on_delete: Optional[pulumi.Input[bool]] = None,
                 adopt: Optional[pulumi.Input[bool]] = None) -> None:
        """Declares a Svix event type.

        :param str resource_name: The name of the resource (unique among the stack's resources of this type).
        :param EventTypeArgs args: The arguments as one object, instead of the keyword arguments below.
        :param pulumi.ResourceOptions opts: Options for the resource.
        :param pulumi.Input[str] name: The event type's name, e.g. ``invoice.paid``; changing it replaces the event
            type. Required.
        :param pulumi.Input[str] description: Human-readable description.
        :param pulumi.Input[bool] archived: Whether the event type is archived.
        :param pulumi.Input[bool] deprecated: Whether the event type is marked deprecated.
        :param pulumi.Input[Mapping[str, Any]] schemas: JSON schemas of the payload, keyed by version (``{"1":
            {...}}``).
        :param pulumi.Input[str] group_name: Name of the group the event type belongs to.
        :param pulumi.Input[Sequence[pulumi.Input[str]]] feature_flags: Feature flags that gate visibility of the
            event type.
        :param pulumi.Input[bool] expunge_on_delete: When destroyed, delete for good instead of archiving (the
            default, as Svix does).
        :param pulumi.Input[bool] adopt: On create, take over an existing event type with the same name instead of
            failing.
        """
        schema = resource_schema("EventType")
        props = _base.resource_props(schema, args, dict(
            name=name, description=description, archived=archived, deprecated=deprecated,
            schemas=schemas, group_name=group_name, feature_flags=feature_flags,
            expunge_on_delete=expunge_on_delete, adopt=adopt))
        super().__init__(EventTypeProvider(), resource_name, props, _base.resource_options(schema, opts, props))

    @staticmethod
    def get(resource_name: str, id: pulumi.Input[str],
            opts: Optional[pulumi.ResourceOptions] = None) -> "EventType":
        """Looks up an existing event type by name and tracks it in this stack."""
        return EventType(resource_name, opts=_base.lookup_options(opts, id))
