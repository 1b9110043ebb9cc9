"""The provider plugin: the four Svix resources behind Pulumi's provider protocol.

Every operation is handed to the very provider classes the dynamic resources use
(``ApplicationProvider``, ``EndpointProvider``, ...): one check/diff/create/read/update/delete code,
two faces. What this module adds is the plugin's part only: the wire form of properties
(``values``), the provider configuration (each configured provider instance has its own Svix
client, so one program can manage two Svix environments), the schema, and ``pulumi import`` (a read
without state, whose inputs are taken from what Svix holds).

The engine code is synchronous (``requests``); each operation runs in a worker thread, so the
engine's parallel operations stay parallel.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
from typing import Any, Callable, Optional

from pulumi.provider.experimental import provider as api

from ..config import Settings
from ..resources import _ownership
from ..resources._engine import SvixProvider, using_api
from ..resources._servicer import with_ignored_as_recorded
from ..resources.application import ApplicationProvider
from ..resources.endpoint import EndpointProvider
from ..resources.event_type import EventTypeProvider
from ..resources.integration import IntegrationProvider
from . import values
from .schema_export import schema_json

PROVIDERS: dict[str, SvixProvider] = {
    p.schema.token: p for p in (ApplicationProvider(), EndpointProvider(), EventTypeProvider(), IntegrationProvider())
}
CONFIG_KEYS = {"token": "svix:token", "serverUrl": "svix:serverUrl"}  # provider input -> stack config key
SECRET_CONFIG = {"token"}
# Provider inputs the engine itself reads and keeps (pkg/resource/deploy/providers/registry.go): passed through.
ENGINE_KEYS = {"version", "pluginDownloadURL", "pluginChecksums", "parameterization", "envVarMappings",
               "name", "__internal"}
# Set by ``pulumi import`` only: how each resource's id names its object (Svix addresses endpoints and
# integrations within their application).
APP_SCOPED = {"svix:index:Endpoint", "svix:index:Integration"}
# The request's old inputs (what the program declared at the last deployment), for Diff and Update: the
# SDK's request objects do not carry them, the servicer (server.py) puts them here.
OLD_INPUTS: contextvars.ContextVar[dict] = contextvars.ContextVar("svix_old_inputs", default={})
_KINDS = {proto_kind: api.PropertyDiffKind(proto_kind) for proto_kind in range(6)}


def _provider_for(type_: str) -> SvixProvider:
    from ..client import SvixError

    if type_ not in PROVIDERS:
        raise SvixError(f"the svix provider has no resource type {type_!r} (it has {', '.join(sorted(PROVIDERS))})")
    return PROVIDERS[type_]


def settings_from(args: dict, variables: dict, env=os.environ) -> Settings:
    """The provider instance's settings: its own inputs (an explicit provider's arguments, or the stack
    config ``svix:token``/``svix:serverUrl`` for the default provider), with the environment fallbacks and
    region rule of the dynamic resources (``Settings.resolve``)."""
    def get(key: str) -> Optional[str]:
        name = next(n for n, k in CONFIG_KEYS.items() if k == key)
        value = args.get(name)
        if value is None:
            value = variables.get(f"svix:config:{name}") or variables.get(key)
        return None if value in (None, "") else str(value)

    return Settings.resolve(get, env)


def split_scoped_id(type_: str, id_: str, props: dict) -> str:
    """``app_…/ep_…`` (the form ``pulumi import`` takes for endpoints and integrations) -> ``ep_…``, with
    the application recorded in ``props``."""
    if type_ in APP_SCOPED and "/" in id_:
        app_id, id_ = id_.split("/", 1)
        props["app_id"] = props.get("app_id") or app_id
    return id_


def imported_inputs(provider: SvixProvider, outputs: dict) -> dict:
    """The inputs of an imported object: every setting Svix holds for it (not what only the provider
    knows, such as ``adopt``, nor what Svix computes, such as the signing secret)."""
    return {p.python_name: outputs[p.python_name] for p in provider.schema.inputs
            if (p.api or p.python_name == "app_id") and p.python_name != "secret"
            and outputs.get(p.python_name) is not None}


def with_hidden_values_declared(olds: dict, old_inputs: dict, news: dict) -> dict:
    """The recorded outputs, where Svix never showed a sensitive header's value (an imported endpoint
    records it as ``REDACTED``), holding the value last declared for it; right after the import, when
    none was ever declared, the one declared now. The rule of the dynamic resources' refresh ("the state
    keeps the value you declared") applied to ``pulumi import``: the import cannot learn the value, so
    the program's declaration is taken as what Svix holds, and later changes to it are seen."""
    from ..resources.endpoint import REDACTED

    headers = olds.get("headers")
    if not isinstance(headers, dict) or REDACTED not in headers.values():
        return olds
    last = old_inputs.get("headers") if isinstance(old_inputs.get("headers"), dict) else {}
    declared = news.get("headers") if isinstance(news.get("headers"), dict) else {}
    known = {}
    for name, value in headers.items():
        if value == REDACTED:
            value = last.get(name) if last.get(name) not in (None, REDACTED) else declared.get(name, value)
        known[name] = value
    return {**olds, "headers": known}


def missing_token(urn: str, inputs: dict, env=os.environ) -> Optional[api.CheckFailure]:
    """An explicit provider given no token (and none in the environment): said at preview, by its name. The
    stack config ``svix:token`` is the default provider's; the generic "no token configured" error, at the
    first create, would send the user there."""
    name = urn.rsplit("::", 1)[-1]
    given = values.to_python(inputs["token"]) if "token" in inputs else None  # an unknown one (preview) is given
    if name == "default" or name.startswith("default_") or given not in (None, ""):
        return None
    if env.get("SVIX_AUTH_TOKEN") or env.get("SVIX_TOKEN"):
        return None
    return api.CheckFailure("token", (
        f"the svix provider {name!r} has no token: pass token=... (Pulumi YAML: `token:`), e.g. from a secret "
        "config value, or set SVIX_AUTH_TOKEN. The stack config svix:token applies only to the default provider, "
        "not to an explicit one"))


def top_level(path: str) -> str:
    """The property an ``ignore_changes`` path is in: ``headers["X-Team"]`` -> ``headers``."""
    return path.split(".", 1)[0].split("[", 1)[0]


class SvixPlugin(api.Provider):
    """One configured provider instance (the engine starts one plugin process per instance)."""

    def __init__(self) -> None:
        self._settings: Optional[Settings] = None
        self._client: Any = None

    # -- the provider itself -----------------------------------------------------------------------
    async def get_schema(self, request: api.GetSchemaRequest) -> api.GetSchemaResponse:
        return api.GetSchemaResponse(schema=schema_json())

    async def check_config(self, request: api.CheckRequest) -> api.CheckResponse:
        # The token is secret in the provider's recorded inputs too, however it was given.
        inputs = {k: v.with_secret(True) if k in SECRET_CONFIG and not v.is_secret else v
                  for k, v in request.new_inputs.items() if k in CONFIG_KEYS or k in ENGINE_KEYS}
        failures = [api.CheckFailure(k, f"the svix provider has no setting {k!r} (it has token and serverUrl)")
                    for k in request.new_inputs if k not in CONFIG_KEYS and k not in ENGINE_KEYS]
        missing = missing_token(request.urn, request.new_inputs)
        return api.CheckResponse(inputs=inputs, failures=failures + ([missing] if missing else []))

    async def diff_config(self, request: api.DiffRequest) -> api.DiffResponse:
        changed = [k for k in CONFIG_KEYS
                   if values.to_python(request.old_state.get(k, values.from_python(None)))
                   != values.to_python(request.new_inputs.get(k, values.from_python(None)))]
        return api.DiffResponse(changes=bool(changed), diffs=changed, detailed_diff={
            k: api.PropertyDiff(api.PropertyDiffKind.UPDATE, input_diff=True) for k in changed})

    async def configure(self, request: api.ConfigureRequest) -> api.ConfigureResponse:
        from ..client import SvixClient

        args = {k: values.to_python(v) for k, v in request.args.items()}
        self._settings = settings_from(args, dict(request.variables))
        self._client = SvixClient(self._settings)
        # No preview support: the engine asks for no Create/Update during a preview (a create's outputs
        # are unknown until Svix answers).
        return api.ConfigureResponse(accept_secrets=True, supports_preview=False,
                                     accept_resources=False, accept_outputs=False)

    # -- resources ---------------------------------------------------------------------------------
    async def _run(self, urn: str, call: Callable[[], Any]) -> Any:
        """``call`` in a worker thread, talking to this instance's Svix, acting for ``urn``."""
        from ..client import SvixClient

        client = self._client or SvixClient(settings_from({}, {}))  # Configure always comes first; safety

        def run() -> Any:
            with using_api(client), _ownership.acting_for(urn):
                return call()

        return await asyncio.to_thread(run)

    async def check(self, request: api.CheckRequest) -> api.CheckResponse:
        provider = _provider_for(request.type)
        olds, _ = values.from_wire(provider.schema, request.old_inputs)
        news, secret = values.from_wire(provider.schema, request.new_inputs)
        result = provider.check(olds, news)  # no API call: validation only
        failures = []
        for failure in result.failures or []:
            # The message names the property as the program does on this face (``Endpoint.throttleRate``).
            wire = values.wire_name(provider.schema, failure.property)
            reason = failure.reason.replace(f"{provider.kind}.{failure.property}", f"{provider.kind}.{wire}")
            failures.append(api.CheckFailure(wire, reason))
        return api.CheckResponse(inputs=values.to_wire(provider.schema, result.inputs, secret), failures=failures)

    async def diff(self, request: api.DiffRequest) -> api.DiffResponse:
        provider = _provider_for(request.type)
        olds, _ = values.from_wire(provider.schema, request.old_state)
        news, _ = values.from_wire(provider.schema, request.new_inputs)
        olds = with_hidden_values_declared(olds, values.from_wire(provider.schema, OLD_INPUTS.get())[0], news)
        ignored = [values.python_path(provider.schema, path) for path in request.ignore_changes]
        # A placeholder the program declares is refused at preview (the import writes it into generated code); in
        # an ignored property it is the recorded value, which no update writes.
        declared = {k: v for k, v in news.items() if k not in {top_level(p) for p in ignored}}
        news = with_ignored_as_recorded(news, olds, ignored)

        def diff() -> Any:
            provider.refuse_placeholders(declared)
            return provider.diff_response(request.resource_id, olds, news)

        response = await self._run(request.urn, diff)
        wire = lambda name: values.wire_name(provider.schema, name)  # noqa: E731
        return api.DiffResponse(
            changes=response.changes == response.DIFF_SOME,
            replaces=[wire(n) for n in response.replaces],
            delete_before_replace=response.deleteBeforeReplace,
            diffs=[wire(n) for n in response.diffs],
            detailed_diff={wire(n): api.PropertyDiff(_KINDS[d.kind], input_diff=d.inputDiff)
                           for n, d in response.detailedDiff.items()})

    async def create(self, request: api.CreateRequest) -> api.CreateResponse:
        provider = _provider_for(request.type)
        props, secret = values.from_wire(provider.schema, request.properties)
        result = await self._run(request.urn, lambda: provider.create(props))
        return api.CreateResponse(resource_id=result.id,
                                  properties=values.to_wire(provider.schema, result.outs, secret))

    async def read(self, request: api.ReadRequest) -> api.ReadResponse:
        provider = _provider_for(request.type)
        props, secret = values.from_wire(provider.schema, request.properties)
        importing = not request.properties and not request.inputs  # `pulumi import` or `X.get`
        if importing:
            props.update(values.from_wire(provider.schema, request.inputs)[0])
        else:  # a refresh: a value Svix never showed is the one the program declares (recorded among the inputs)
            declared = values.from_wire(provider.schema, request.inputs)[0]
            props = with_hidden_values_declared(props, declared, declared)
        id_ = split_scoped_id(request.type, request.resource_id, props)
        result = await self._run(request.urn, lambda: provider.read(id_, props))
        if not result.id:
            return api.ReadResponse(resource_id=None, properties={}, inputs={})
        outs = result.outs
        inputs = imported_inputs(provider, outs) if importing else None
        response_inputs = (values.to_wire(provider.schema, inputs, secret) if inputs is not None
                           else dict(request.inputs))
        return api.ReadResponse(resource_id=result.id, properties=values.to_wire(provider.schema, outs, secret),
                                inputs=response_inputs)

    async def update(self, request: api.UpdateRequest) -> api.UpdateResponse:
        provider = _provider_for(request.type)
        olds, _ = values.from_wire(provider.schema, request.olds)
        news, secret = values.from_wire(provider.schema, request.news)
        olds = with_hidden_values_declared(olds, values.from_wire(provider.schema, OLD_INPUTS.get())[0], news)
        ignored = [values.python_path(provider.schema, path) for path in request.ignore_changes]
        news = with_ignored_as_recorded(news, olds, ignored)
        id_ = split_scoped_id(request.type, request.resource_id, news)
        result = await self._run(request.urn, lambda: provider.update(id_, olds, news))
        return api.UpdateResponse(properties=values.to_wire(provider.schema, result.outs, secret))

    async def delete(self, request: api.DeleteRequest) -> None:
        provider = _provider_for(request.type)
        props, _ = values.from_wire(provider.schema, request.properties)
        id_ = split_scoped_id(request.type, request.resource_id, props)
        await self._run(request.urn, lambda: provider.delete(id_, props))
