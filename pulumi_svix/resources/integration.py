"""``svix.Integration``: a per-application integration with its own API key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import pulumi
import pulumi.dynamic

from ..schema import resource_schema
from . import _base
from ._engine import (SvixProvider, api_body, from_api, is_lookup, matches_declared, removed_on_failure,
                      timestamps)


# A stable import path: the state of every resource holds this class pickled by reference
# (``__provider`` names pulumi_svix.resources.integration.IntegrationProvider), and refresh and destroy
# of existing stacks load it from there. Never rename or move it; if it must move, leave an alias
# here. tests/unit/test_review_defects.py loads the values 0.1.0 wrote (tests/unit/data).
class IntegrationProvider(SvixProvider):
    kind = "Integration"

    @staticmethod
    def _collection(app_id: str) -> str:
        return f"/api/v1/app/{app_id}/integration"

    def _outputs(self, body: dict, inputs: dict, key: Optional[str]) -> dict:
        return {**inputs, **from_api(self.schema, body), "key": key, **timestamps(body)}

    def _rotate_key(self, api, base: str, id_: str) -> str:
        # Svix never returns an existing key (GET .../key is gone): a new one is the only way.
        return api.post(f"{base}/{id_}/key/rotate")["key"]

    def _create(self, api, inputs):
        base = self._collection(inputs["app_id"])
        if inputs.get("import_id"):
            # This very integration (HTTP 404 if there is none), written only where it differs; its key is
            # not rotated (Svix never returns an existing key): the key output stays unset.
            found = api.get(f"{base}/{inputs['import_id']}")
            self._may_take_over(found["id"], inputs, lambda: True)
            body = found if matches_declared(self.schema, found, inputs) else self._send(
                api, "PUT", f"{base}/{found['id']}", api_body(self.schema, inputs), inputs)
            return body["id"], self._outputs(body, inputs, None)
        existing = None
        if inputs.get("adopt"):
            existing = next((i for i in api.list_all(base) if i["name"] == inputs["name"]), None)
        if existing:
            body = self._send(api, "PUT", f"{base}/{existing['id']}", api_body(self.schema, inputs), inputs)
            return body["id"], self._outputs(body, inputs, self._rotate_key(api, base, body["id"]))
        body = self._send(api, "POST", base, api_body(self.schema, inputs), inputs)
        # The key takes a second call (Svix returns none at create). If it fails, the integration is
        # removed again: the state will not hold it, and the next run would make a second one.
        with removed_on_failure(api, self.kind, base, body["id"]):
            key = self._rotate_key(api, base, body["id"])
        return body["id"], self._outputs(body, inputs, key)

    def _read(self, api, id_, state):
        from ..client import SvixApiError

        app_id = self._app_id(state)
        try:
            body = api.get(f"{self._collection(app_id)}/{id_}", missing_ok=True)
        except SvixApiError as error:
            if is_lookup(state) or not self._server_has_no_integrations(api, error, app_id):
                raise
            body = None
        return None if body is None else (body["id"], self._outputs(body, state, state.get("key")))

    @staticmethod
    def _server_has_no_integrations(api, error, app_id: str) -> bool:
        """A Svix without the Integration API (the self-hosted svix-server, say after a stack moved
        there from Svix Cloud) holds no integration: refresh and destroy treat it as gone. Only when
        the application route answers as Svix does, so that a wrong server URL is never mistaken for
        a server without integrations."""
        from ..client import SvixApiError

        if not error.no_route:
            return False
        try:
            api.get(f"/api/v1/app/{app_id}", missing_ok=True)
        except SvixApiError:
            return False
        return True

    def _update(self, api, id_, olds, news, changed):
        base = self._collection(news["app_id"])
        body = (self._send(api, "PUT", f"{base}/{id_}", api_body(self.schema, news), news)  # no PATCH here
                if changed & {"name", "feature_flags"} else None)
        key = self._rotate_key(api, base, id_) if "rotate_key_trigger" in changed else olds.get("key")
        return self._outputs(body, news, key) if body else {**olds, **news, "key": key}

    def _delete(self, api, id_, state):
        from ..client import SvixApiError

        try:
            api.delete(f"{self._collection(state['app_id'])}/{id_}")
        except SvixApiError as error:
            if not self._server_has_no_integrations(api, error, state["app_id"]):
                raise


@dataclass
class IntegrationArgs:
    """The arguments of an :class:`Integration`."""

    app_id: pulumi.Input[str]
    """Id (or uid) of the application; moving to another application replaces the integration."""
    name: pulumi.Input[str]
    """Name of the integration."""
    feature_flags: Optional[pulumi.Input[Sequence[pulumi.Input[str]]]] = None
    """Feature flags the integration has access to (at most 25)."""
    rotate_key_trigger: Optional[pulumi.Input[str]] = None
    """Any change rotates the integration key, in place."""
    adopt: Optional[pulumi.Input[bool]] = None
    """On create, take over an existing integration with the same name instead of adding one."""
    import_id: Optional[pulumi.Input[str]] = None
    """On create, take over the existing integration with this id (``integ_…``); its key is not rotated."""


class Integration(pulumi.dynamic.Resource, module="svix", name="Integration"):
    """A per-application integration (for example for Zapier) with its own API key.

    ## Example

    ```python
    import pulumi
    import pulumi_svix as svix

    zapier = svix.Integration("acme-zapier", app_id=acme.id, name="Zapier")
    pulumi.export("integration_key", zapier.key)  # a secret output
    ```

    The resource id is the Svix integration id (``integ_…``). The key is obtained by rotating it
    right after create; change ``rotate_key_trigger`` to rotate it again.
    """

    app_id: pulumi.Output[str]
    name: pulumi.Output[str]
    feature_flags: pulumi.Output[Optional[Sequence[str]]]
    key: pulumi.Output[str]
    rotate_key_trigger: pulumi.Output[Optional[str]]
    adopt: pulumi.Output[Optional[bool]]
    import_id: pulumi.Output[Optional[str]]
    created_at: pulumi.Output[str]
    updated_at: pulumi.Output[str]

    def __init__(self, resource_name: str, args: Optional[IntegrationArgs] = None,
                 opts: Optional[pulumi.ResourceOptions] = None, *,
                 app_id: Optional[pulumi.Input[str]] = None,
                 name: Optional[pulumi.Input[str]] = None,
                 feature_flags: Optional[pulumi.Input[Sequence[pulumi.Input[str]]]] = None,
                 rotate_key_trigger: Optional[pulumi.Input[str]] = None,
                 adopt: Optional[pulumi.Input[bool]] = None,
                 import_id: Optional[pulumi.Input[str]] = None) -> None:
        """Declares an integration of a Svix application, with its own API key.

        :param str resource_name: The name of the resource (unique among the stack's resources of this type).
        :param IntegrationArgs args: The arguments as one object, instead of the keyword arguments below.
        :param pulumi.ResourceOptions opts: Options for the resource.
        :param pulumi.Input[str] app_id: Id (or uid) of the application; moving to another application replaces the integration.
            Required.
        :param pulumi.Input[str] name: Name of the integration. Required.
        :param pulumi.Input[Sequence[pulumi.Input[str]]] feature_flags: Feature flags the integration has access to
            (at most 25).
        :param pulumi.Input[str] rotate_key_trigger: Any change rotates the integration key, in place.
        :param pulumi.Input[bool] adopt: On create, take over an existing integration with the same name instead of
            adding one.
        :param pulumi.Input[str] import_id: On create, take over the existing integration with this id (``integ_…``)
            instead of creating one; nothing is written if it already holds the declared settings, and its key is
            not rotated.
        """
        schema = resource_schema("Integration")
        props = _base.resource_props(schema, args, dict(
            app_id=app_id, name=name, feature_flags=feature_flags,
            rotate_key_trigger=rotate_key_trigger, adopt=adopt, import_id=import_id))
        super().__init__(IntegrationProvider(), resource_name, props, _base.resource_options(schema, opts))

    @staticmethod
    def get(resource_name: str, id: pulumi.Input[str], opts: Optional[pulumi.ResourceOptions] = None,
            app_id: Optional[pulumi.Input[str]] = None) -> "Integration":
        """Looks up an existing integration (pass ``app_id``, or an id ``"app_…/integ_…"``).
        Its key is unknown until rotated: Svix never returns an existing key."""
        id, app_id = _base.split_app_scoped_id(id, app_id)
        return Integration(resource_name, opts=_base.lookup_options(opts, id), app_id=app_id)
