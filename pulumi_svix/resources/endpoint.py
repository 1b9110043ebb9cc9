"""``svix.Endpoint``: a URL of an application that receives its messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional, Sequence

import pulumi
import pulumi.dynamic

from ..headers import REDACTED, is_sensitive
from ..schema import resource_schema
from . import _base
from ._engine import (UNMARKED, SvixProvider, adopted_unchanged, api_body, from_api, matches_declared, normalize,
                      removed_on_failure, timestamps)

SECRET_BYTES = 24  # what Svix generates (its API accepts 24 to 75)


def new_secret() -> str:
    """A signing secret as Svix generates one: ``whsec_`` + base64 of 24 random bytes."""
    import base64
    import secrets

    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _merge_headers(live: dict, sensitive: list, declared: Optional[dict]) -> Optional[dict]:
    """Live headers with the declared values of sensitive ones, which Svix never returns."""
    declared_lower = {k.lower(): v for k, v in (declared or {}).items()}
    merged = dict(live)
    for name in sensitive:
        merged[name] = declared_lower.get(name.lower(), REDACTED)
    return merged or None


# A stable import path: the state of every resource holds this class pickled by reference
# (``__provider`` names pulumi_svix.resources.endpoint.EndpointProvider), and refresh and destroy
# of existing stacks load it from there. Never rename or move it; if it must move, leave an alias
# here. tests/unit/test_review_defects.py loads the values 0.1.0 wrote (tests/unit/data).
class EndpointProvider(SvixProvider):
    kind = "Endpoint"

    @property
    def separate(self) -> set[str]:
        """Headers and the secret: each has its own API calls; the rest of the endpoint is PATCHed."""
        return {p.python_name for p in self.schema.inputs if p.rules.get("readVia")}

    @staticmethod
    def _collection(app_id: str) -> str:
        return f"/api/v1/app/{app_id}/endpoint"

    def _outputs(self, body: dict, inputs: dict, secret: str) -> dict:
        # headers are not part of EndpointOut: they stay as declared (or as read by _read)
        return {**inputs, **from_api(self.schema, body), "headers": inputs.get("headers"),
                "secret": secret, **timestamps(body)}

    def _create(self, api, inputs):
        from ..client import SvixApiError

        base = self._collection(inputs["app_id"])
        existing = self._to_take_over(api, base, inputs)
        if existing is not None:
            self._may_take_over(existing["id"], inputs, lambda: True)
            return existing["id"], self._adopt(api, base, existing, inputs)
        request = api_body(self.schema, inputs)
        # The secret goes with the POST (generated here if none is declared, as Svix would), so the
        # create is one call: no GET …/secret after it that could fail and leave an endpoint behind
        # that the state never learns of. Both Svix Cloud and svix-server store EndpointIn.secret (both
        # OpenAPI documents have it; the emulator's contract checks hold us to them), so no fallback
        # reads it back: a server that ignored it would show at the next refresh, as a changed secret.
        request.setdefault("secret", new_secret())
        # The self-hosted server ignores headers in a create body: they go through their own route.
        headers_later = "headers" in request and not api.dialect().headers_on_create
        if headers_later:
            del request["headers"]
        try:
            body = self._send(api, "POST", base, request, inputs)
        except SvixApiError as error:
            if not (error.status == 409 and inputs.get("uid")):
                raise
            existing = api.get(f"{base}/{inputs['uid']}")
            if not self._may_take_over(existing["id"], inputs,
                                       lambda: self._matches(api, base, existing, inputs)):
                raise
            return existing["id"], self._adopt(api, base, existing, inputs)
        if headers_later:
            # The state will not hold this endpoint if its headers are refused: leave none behind.
            with removed_on_failure(api, self.kind, base, body["id"]):
                api.put(f"{base}/{body['id']}/headers", {"headers": inputs["headers"]})
        return body["id"], self._outputs(body, inputs, inputs.get("secret") or request["secret"])

    def _matches(self, api, base, existing, inputs) -> bool:
        """The existing endpoint is what an interrupted create of these inputs left behind: same
        settings, same header names (values of sensitive ones are never returned), same secret
        if one is declared."""
        if not matches_declared(self.schema, existing, inputs, skip=self.separate):
            return False
        if not self._same_headers(api.get(f"{base}/{existing['id']}/headers"), inputs.get("headers")):
            return False
        return not inputs.get("secret") or self._same_secret(api.get(f"{base}/{existing['id']}/secret")["key"],
                                                             inputs["secret"])

    @staticmethod
    def _same_headers(live: dict, declared_headers) -> bool:
        """Svix's headers (``{headers, sensitive}``) are the declared ones: the same names, and the same
        values where Svix shows them (it never shows the values of sensitive headers)."""
        declared = {k.lower(): v for k, v in (declared_headers or {}).items()}
        shown = {k.lower(): v for k, v in (live.get("headers") or {}).items()}
        hidden = {k.lower() for k in live.get("sensitive") or []}
        return set(declared) == set(shown) | hidden and all(declared[k] == v for k, v in shown.items())

    def _same_secret(self, live: str, declared: str) -> bool:
        """A declared secret with or without its ``whsec_`` prefix is the one Svix reports with it."""
        prop = self.schema.input("secret")
        return normalize(prop, live) == normalize(prop, declared)

    def _adopt(self, api, base, existing, inputs):
        """Brings an existing endpoint to the declared state: fields, headers and secret. What already
        holds the declared value is not written (an endpoint wholly as declared gets no write at all).
        Sensitive header values are never shown by Svix: with the same header names and shown values,
        the hidden values are taken to be the declared ones (as `refresh` does)."""
        id_ = existing["id"]
        names = {p.python_name for p in self.schema.inputs if p.api} - self.separate
        unchanged = adopted_unchanged(self.schema, existing, inputs, skip=self.separate)
        body = existing if unchanged else self._send(
            api, "PATCH", f"{base}/{id_}", api_body(self.schema, inputs, names, for_patch=True), inputs)
        if not self._same_headers(api.get(f"{base}/{id_}/headers"), inputs.get("headers")):
            api.put(f"{base}/{id_}/headers", {"headers": inputs.get("headers") or {}})
        secret = api.get(f"{base}/{id_}/secret")["key"]
        if inputs.get("secret") and not self._same_secret(secret, inputs["secret"]):
            api.post(f"{base}/{id_}/secret/rotate", {"key": inputs["secret"]})
            secret = inputs["secret"]
        outs = self._outputs(body, inputs, secret)
        return {**outs, UNMARKED: True} if unchanged else outs

    def _read(self, api, id_, state):
        base = self._collection(self._app_id(state))
        # Three GETs, side by side: one round trip. A missing endpoint makes all three 404s.
        body, live_headers, secret = api.get_all([f"{base}/{id_}", f"{base}/{id_}/headers", f"{base}/{id_}/secret"],
                                                 missing_ok=True)
        if body is None:
            return None
        if live_headers is None or secret is None:  # deleted between the GETs: gone all the same
            return None
        secret = secret["key"]
        headers = _merge_headers(live_headers.get("headers") or {}, live_headers.get("sensitive") or [],
                                 state.get("headers"))
        return body["id"], {**self._outputs(body, state, secret), "headers": headers}

    def _update(self, api, id_, olds, news, changed):
        base = self._collection(news["app_id"])
        names = changed & {p.python_name for p in self.schema.inputs if p.api} - self.separate
        body = (self._send(api, "PATCH", f"{base}/{id_}", api_body(self.schema, news, names, for_patch=True), news)
                if names else None)
        if "headers" in changed:
            api.put(f"{base}/{id_}/headers", {"headers": news.get("headers") or {}})
        secret = olds.get("secret")
        if "secret" in changed:
            api.post(f"{base}/{id_}/secret/rotate", {"key": news["secret"]})
            secret = news["secret"]
        elif "rotate_secret_trigger" in changed and not news.get("secret"):
            # With a declared secret the declared one wins: a generated secret would differ from it and
            # make every following preview propose rotating back. The new secret is generated here (as
            # Svix would) and sent with the rotation, so no GET …/secret has to follow it.
            secret = new_secret()
            api.post(f"{base}/{id_}/secret/rotate", {"key": secret})
        return self._outputs(body, news, secret) if body else {**olds, **news, "secret": secret}

    def _delete(self, api, id_, state):
        api.delete(f"{self._collection(state['app_id'])}/{id_}")


@dataclass
class EndpointArgs:
    """The arguments of an :class:`Endpoint`."""

    app_id: pulumi.Input[str]
    """Id (or uid) of the application; moving to another application replaces the endpoint."""
    url: pulumi.Input[str]
    """The http(s) URL messages are sent to."""
    description: Optional[pulumi.Input[str]] = None
    """Human-readable description."""
    uid: Optional[pulumi.Input[str]] = None
    """Optional unique identifier within the application; must not start with ``ep_``."""
    throttle_rate: Optional[pulumi.Input[int]] = None
    """Maximum messages per second sent to this endpoint."""
    disabled: Optional[pulumi.Input[bool]] = None
    """Whether delivery is paused."""
    event_types: Optional[pulumi.Input[Sequence[pulumi.Input[str]]]] = None
    """Event type names this endpoint receives (omit for all); order does not matter."""
    channels: Optional[pulumi.Input[Sequence[pulumi.Input[str]]]] = None
    """Channels this endpoint listens to (omit for all; at most 10)."""
    metadata: Optional[pulumi.Input[Mapping[str, pulumi.Input[str]]]] = None
    """Free-form string key/values (at most 4096 bytes as JSON)."""
    headers: Optional[pulumi.Input[Mapping[str, pulumi.Input[str]]]] = None
    """Extra HTTP headers sent with every message; values are secret in state."""
    secret: Optional[pulumi.Input[str]] = None
    """The signing secret (``whsec_…``); omit to have a random one generated; a change rotates in place."""
    rotate_secret_trigger: Optional[pulumi.Input[str]] = None
    """Any change rotates the endpoint to a new Svix-generated secret, in place."""
    adopt: Optional[pulumi.Input[bool]] = None
    """On create, take over an existing endpoint with the same ``uid`` instead of failing."""
    import_id: Optional[pulumi.Input[str]] = None
    """On create, take over the existing endpoint with this id (``ep_…``) instead of creating one."""


class Endpoint(pulumi.dynamic.Resource, module="svix", name="Endpoint"):
    """A URL of an application that receives its messages, filtered by event types and channels.

    ## Example

    ```python
    import pulumi
    import pulumi_svix as svix

    billing = svix.Endpoint("acme-billing",
        app_id=acme.id,
        url="https://hooks.acme.example/svix",
        event_types=[invoice_paid.name],
        channels=["billing"],
        uid="billing",
        headers={"Authorization": pulumi.Output.secret("Bearer abc")})
    pulumi.export("signing_secret", billing.secret)  # a secret output
    ```

    The resource id is the Svix endpoint id (``ep_…``).
    """

    app_id: pulumi.Output[str]
    url: pulumi.Output[str]
    description: pulumi.Output[Optional[str]]
    uid: pulumi.Output[Optional[str]]
    throttle_rate: pulumi.Output[Optional[int]]
    disabled: pulumi.Output[Optional[bool]]
    event_types: pulumi.Output[Optional[Sequence[str]]]
    channels: pulumi.Output[Optional[Sequence[str]]]
    metadata: pulumi.Output[Optional[Mapping[str, str]]]
    headers: pulumi.Output[Optional[Mapping[str, str]]]
    secret: pulumi.Output[str]
    rotate_secret_trigger: pulumi.Output[Optional[str]]
    adopt: pulumi.Output[Optional[bool]]
    import_id: pulumi.Output[Optional[str]]
    created_at: pulumi.Output[str]
    updated_at: pulumi.Output[str]

    def __init__(self, resource_name: str, args: Optional[EndpointArgs] = None,
                 opts: Optional[pulumi.ResourceOptions] = None, *,
                 app_id: Optional[pulumi.Input[str]] = None,
                 url: Optional[pulumi.Input[str]] = None,
                 description: Optional[pulumi.Input[str]] = None,
                 uid: Optional[pulumi.Input[str]] = None,
                 throttle_rate: Optional[pulumi.Input[int]] = None,
                 disabled: Optional[pulumi.Input[bool]] = None,
                 event_types: Optional[pulumi.Input[Sequence[pulumi.Input[str]]]] = None,
                 channels: Optional[pulumi.Input[Sequence[pulumi.Input[str]]]] = None,
                 metadata: Optional[pulumi.Input[Mapping[str, pulumi.Input[str]]]] = None,
                 headers: Optional[pulumi.Input[Mapping[str, pulumi.Input[str]]]] = None,
                 secret: Optional[pulumi.Input[str]] = None,
                 rotate_secret_trigger: Optional[pulumi.Input[str]] = None,
                 adopt: Optional[pulumi.Input[bool]] = None,
                 import_id: Optional[pulumi.Input[str]] = None) -> None:
        """Declares an endpoint of a Svix application: a URL that receives its messages.

        :param str resource_name: The name of the resource (unique among the stack's resources of this type).
        :param EndpointArgs args: The arguments as one object, instead of the keyword arguments below.
        :param pulumi.ResourceOptions opts: Options for the resource.
        :param pulumi.Input[str] app_id: Id (or uid) of the application; moving to another application replaces the endpoint.
            Required.
        :param pulumi.Input[str] url: The http(s) URL messages are sent to. Required.
        :param pulumi.Input[str] description: Human-readable description.
        :param pulumi.Input[str] uid: Optional unique identifier within the application; must not start with
            ``ep_``.
        :param pulumi.Input[int] throttle_rate: Maximum messages per second sent to this endpoint.
        :param pulumi.Input[bool] disabled: Whether delivery is paused.
        :param pulumi.Input[Sequence[pulumi.Input[str]]] event_types: Event type names this endpoint receives (omit
            for all); order does not matter.
        :param pulumi.Input[Sequence[pulumi.Input[str]]] channels: Channels this endpoint listens to (omit for all;
            at most 10).
        :param pulumi.Input[Mapping[str, pulumi.Input[str]]] metadata: Free-form string key/values (at most 4096
            bytes as JSON).
        :param pulumi.Input[Mapping[str, pulumi.Input[str]]] headers: Extra HTTP headers sent with every message;
            values are secret in state.
        :param pulumi.Input[str] secret: The signing secret (``whsec_…``); omit to have a random one generated; a
            change rotates in place.
        :param pulumi.Input[str] rotate_secret_trigger: Any change rotates the endpoint to a new Svix-generated
            secret, in place.
        :param pulumi.Input[bool] adopt: On create, take over an existing endpoint with the same ``uid`` instead of
            failing.
        :param pulumi.Input[str] import_id: On create, take over the existing endpoint with this id (``ep_…``) instead
            of creating one (for endpoints without a ``uid``); nothing is written if it already holds the declared
            settings.
        """
        schema = resource_schema("Endpoint")
        props = _base.resource_props(schema, args, dict(
            app_id=app_id, url=url, description=description, uid=uid, throttle_rate=throttle_rate,
            disabled=disabled, event_types=event_types, channels=channels, metadata=metadata,
            headers=headers, secret=secret, rotate_secret_trigger=rotate_secret_trigger, adopt=adopt,
            import_id=import_id))
        super().__init__(EndpointProvider(), resource_name, props, _base.resource_options(schema, opts, props))

    @staticmethod
    def get(resource_name: str, id: pulumi.Input[str], opts: Optional[pulumi.ResourceOptions] = None,
            app_id: Optional[pulumi.Input[str]] = None) -> "Endpoint":
        """Looks up an existing endpoint. Svix addresses endpoints within their application, so
        pass ``app_id`` (or an id of the form ``"app_…/ep_…"``)."""
        id, app_id = _base.split_app_scoped_id(id, app_id)
        return Endpoint(resource_name, opts=_base.lookup_options(opts, id), app_id=app_id)
