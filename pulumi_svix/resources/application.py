"""``svix.Application``: one Svix application per customer (tenant)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

import pulumi
import pulumi.dynamic

from ..schema import resource_schema
from . import _base, _ownership
from ._engine import (UNMARKED, SvixProvider, adopted_unchanged, api_body, from_api, matches_declared,
                      timestamps)

APPS = "/api/v1/app"


# A stable import path: the state of every resource holds this class pickled by reference
# (``__provider`` names pulumi_svix.resources.application.ApplicationProvider), and refresh and destroy
# of existing stacks load it from there. Never rename or move it; if it must move, leave an alias
# here. tests/unit/test_review_defects.py loads the values 0.1.0 wrote (tests/unit/data).
class ApplicationProvider(SvixProvider):
    kind = "Application"

    def _outputs(self, body: dict, inputs: dict) -> dict:
        return {**inputs, **from_api(self.schema, body), **timestamps(body)}

    def _create(self, api, inputs):
        from ..client import SvixApiError

        existing = self._to_take_over(api, APPS, inputs)
        if existing is not None:
            self._may_take_over(existing["id"], inputs, lambda: True)
            return existing["id"], self._take_over(api, existing, inputs)
        try:
            body = self._send(api, "POST", APPS, api_body(self.schema, inputs), inputs)
        except SvixApiError as error:
            if not (error.status == 409 and inputs.get("uid")):
                raise
            existing = api.get(f"{APPS}/{inputs['uid']}")
            if not self._may_take_over(existing["id"], inputs,
                                       lambda: matches_declared(self.schema, existing, inputs)):
                raise
            return existing["id"], self._take_over(api, existing, inputs)
        return body["id"], self._outputs(body, inputs)

    def _take_over(self, api, existing: dict, inputs: dict) -> dict:
        """An existing application brought to the declared state; one already in it is not written."""
        if adopted_unchanged(self.schema, existing, inputs):
            return {**self._outputs(existing, inputs), UNMARKED: True}
        body = self._send(api, "PATCH", f"{APPS}/{existing['id']}",
                          api_body(self.schema, inputs, for_patch=True), inputs)
        return self._outputs(body, inputs)

    def _read(self, api, id_, state):
        body = api.get(f"{APPS}/{id_}", missing_ok=True)
        return None if body is None else (body["id"], self._outputs(body, state))

    def _update(self, api, id_, olds, news, changed):
        names = changed & {p.python_name for p in self.schema.inputs if p.api}
        if not names:
            return {**olds, **news}
        body = self._send(api, "PATCH", f"{APPS}/{id_}", api_body(self.schema, news, names, for_patch=True), news)
        return self._outputs(body, news)

    def _delete(self, api, id_, state):
        api.delete(f"{APPS}/{id_}")

    # Whatever the engine asks about an application, its id and uid are noted for this run: the
    # endpoints and integrations that follow then know the application without asking Svix (their
    # ``app_id`` may name it by either, see ``_ownership.application``).
    def diff(self, id_, olds, news):
        _ownership.note_application(id_, olds.get("uid"))
        return super().diff(id_, olds, news)

    def diff_response(self, id_, olds, news):
        _ownership.note_application(id_, olds.get("uid"))
        return super().diff_response(id_, olds, news)

    def create(self, props):
        result = super().create(props)
        _ownership.note_application(result.id, result.outs.get("uid"))
        return result

    def read(self, id_, props):
        result = super().read(id_, props)
        _ownership.note_application(result.id, result.outs.get("uid"))
        return result

    def update(self, id_, olds, news):
        result = super().update(id_, olds, news)
        _ownership.note_application(id_, result.outs.get("uid"))
        return result


@dataclass
class ApplicationArgs:
    """The arguments of an :class:`Application`."""

    name: pulumi.Input[str]
    """Application name for human consumption."""
    uid: Optional[pulumi.Input[str]] = None
    """Optional unique identifier, usable in place of the id; must not start with ``app_``."""
    throttle_rate: Optional[pulumi.Input[int]] = None
    """Maximum messages per second sent to this application."""
    metadata: Optional[pulumi.Input[Mapping[str, pulumi.Input[str]]]] = None
    """Free-form string key/values (at most 4096 bytes as JSON)."""
    adopt: Optional[pulumi.Input[bool]] = None
    """On create, take over an existing application with the same ``uid`` instead of failing."""
    import_id: Optional[pulumi.Input[str]] = None
    """On create, take over the existing application with this id (``app_…``) instead of creating one."""


class Application(pulumi.dynamic.Resource, module="svix", name="Application"):
    """A Svix application: one per customer that receives webhooks.

    ## Example

    ```python
    import pulumi_svix as svix

    acme = svix.Application("acme", name="Acme Corp", uid="acme", metadata={"tier": "gold"})
    ```

    The resource id is the Svix application id (``app_…``). An existing application can be
    looked up with ``svix.Application.get("acme", "app_…")`` or taken over with ``adopt=True``.
    """

    name: pulumi.Output[str]
    uid: pulumi.Output[Optional[str]]
    throttle_rate: pulumi.Output[Optional[int]]
    metadata: pulumi.Output[Optional[Mapping[str, str]]]
    adopt: pulumi.Output[Optional[bool]]
    import_id: pulumi.Output[Optional[str]]
    created_at: pulumi.Output[str]
    updated_at: pulumi.Output[str]

    def __init__(self, resource_name: str, args: Optional[ApplicationArgs] = None,
                 opts: Optional[pulumi.ResourceOptions] = None, *,
                 name: Optional[pulumi.Input[str]] = None,
                 uid: Optional[pulumi.Input[str]] = None,
                 throttle_rate: Optional[pulumi.Input[int]] = None,
                 metadata: Optional[pulumi.Input[Mapping[str, pulumi.Input[str]]]] = None,
                 adopt: Optional[pulumi.Input[bool]] = None,
                 import_id: Optional[pulumi.Input[str]] = None) -> None:
        """Declares a Svix application (one per customer that receives webhooks).

        :param str resource_name: The name of the resource (unique among the stack's resources of this type).
        :param ApplicationArgs args: The arguments as one object, instead of the keyword arguments below.
        :param pulumi.ResourceOptions opts: Options for the resource.
        :param pulumi.Input[str] name: Application name for human consumption. Required.
        :param pulumi.Input[str] uid: Optional unique identifier, usable in place of the id; must not start with
            ``app_``.
        :param pulumi.Input[int] throttle_rate: Maximum messages per second sent to this application.
        :param pulumi.Input[Mapping[str, pulumi.Input[str]]] metadata: Free-form string key/values (at most 4096
            bytes as JSON).
        :param pulumi.Input[bool] adopt: On create, take over an existing application with the same ``uid`` instead
            of failing.
        :param pulumi.Input[str] import_id: On create, take over the existing application with this id (``app_…``)
            instead of creating one (for applications without a ``uid``); nothing is written if it already holds
            the declared settings.
        """
        schema = resource_schema("Application")
        props = _base.resource_props(schema, args, dict(
            name=name, uid=uid, throttle_rate=throttle_rate, metadata=metadata, adopt=adopt, import_id=import_id))
        super().__init__(ApplicationProvider(), resource_name, props,
                         _base.resource_options(schema, opts, props))

    @staticmethod
    def get(resource_name: str, id: pulumi.Input[str],
            opts: Optional[pulumi.ResourceOptions] = None) -> "Application":
        """Looks up an existing application by its id (or uid) and tracks it in this stack."""
        return Application(resource_name, opts=_base.lookup_options(opts, id))
