"""The plugin face for Python programs: the four Svix resources served by the ``pulumi-resource-svix``
provider plugin (type tokens ``svix:index:…``), and ``Provider``, an explicit provider for one Svix
environment.

```python
import pulumi_svix as svix
from pulumi_svix import native

staging = native.Provider("staging", token=cfg.require_secret("stagingToken"), server_url="https://…")
native.EventType("invoice-paid", name="invoice.paid", opts=pulumi.ResourceOptions(provider=staging))
```

The classes take the same keyword arguments and ``XArgs`` objects as ``pulumi_svix.Application`` and
its siblings (both are derived from schema.yaml: the same names, required inputs and secrets), but
their resources are handled by the plugin process, so they can be imported with ``pulumi import``
and given explicit providers, and their state holds no pickled ``__provider``. Programs that use only
``pulumi_svix``'s dynamic resources never start the plugin.

Why classes derived from schema.yaml at run time rather than a package generated with
``pulumi package gen-sdk``: gen-sdk's Python package would also be called ``pulumi_svix`` (the
package is named ``svix``) and would be a second, generated copy of every property that has to be
regenerated and shipped in step with schema.yaml; these classes read schema.yaml, so a property
added there reaches this face, the dynamic face and the plugin at once.
"""

from __future__ import annotations

from typing import Any, ClassVar, Optional

import pulumi

from ..resources import _base
from ..resources.application import ApplicationArgs
from ..resources.endpoint import EndpointArgs
from ..resources.event_type import EventTypeArgs
from ..resources.integration import IntegrationArgs
from ..schema import resource_schema, snake_case

PACKAGE = "svix"


def _getter(python_name: str, wire_name: str) -> property:
    def value(self: Any) -> Any:
        return pulumi.get(self, python_name)

    value.__name__ = python_name
    value.__annotations__ = {"return": Any}  # values of any shape: nothing inside them is renamed
    return property(pulumi.getter(name=wire_name)(value))


def _typed_props(cls: Any, props: dict[str, Any]) -> Any:
    """``props`` as an instance of the resource's input type: the SDK then names properties on the wire, and
    their outputs in the program, by the getters' metadata (``_SvixResource.__init_subclass__``)."""
    typed = cls._Props.__new__(cls._Props)
    typed.__dict__.update(props)
    return typed


class _SvixResource(pulumi.CustomResource):
    """A resource of the plugin: properties under their Python names here, their schema names on the wire."""

    _kind: ClassVar[str]
    _Props: ClassVar[type]  # the resource's input type (``__init_subclass__``)

    def __init__(self, resource_name: str, args: Any = None, opts: Optional[pulumi.ResourceOptions] = None,
                 **kwargs: Any) -> None:
        schema = resource_schema(self._kind)
        unknown = sorted(set(kwargs) - schema.input_names)
        if unknown:
            raise TypeError(f"{self._kind}: unknown argument(s) {unknown}; it takes {sorted(schema.input_names)}")
        props = _base.resource_props(schema, args, kwargs)
        options = _base.resource_options(schema, opts, props)
        super().__init__(schema.token, resource_name, _typed_props(type(self), props), options)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Each schema property as a Pulumi getter (Python name <-> schema name), as on the resources of a
        # generated SDK: given those, the SDK translates only the top-level names of the outputs. Without them
        # it snake_cases every key, also the user's own inside ``metadata``, ``headers`` and ``schemas``
        # (``customerId`` came back as ``customer_id``, and chaining it wrote that to Svix).
        super().__init_subclass__(**kwargs)
        properties = resource_schema(cls._kind).properties
        for prop in properties:
            setattr(cls, prop.python_name, _getter(prop.python_name, prop.name))
        cls._Props = pulumi.input_type(type(f"_{cls._kind}Props", (), {
            prop.python_name: _getter(prop.python_name, prop.name) for prop in properties}))

    @classmethod
    def get(cls, resource_name: str, id: pulumi.Input[str], opts: Optional[pulumi.ResourceOptions] = None,
            **kwargs: Any):
        """Tracks an existing object by its id (``app_…/ep_…`` for an endpoint, ``app_…/integ_…`` for an
        integration) in this stack."""
        return cls(resource_name, opts=_base.lookup_options(opts, id), **kwargs)


class Application(_SvixResource):
    """A Svix application (see ``pulumi_svix.Application``), handled by the provider plugin."""
    _kind = "Application"


class Endpoint(_SvixResource):
    """An endpoint of a Svix application (see ``pulumi_svix.Endpoint``), handled by the provider plugin."""
    _kind = "Endpoint"


class EventType(_SvixResource):
    """A Svix event type (see ``pulumi_svix.EventType``), handled by the provider plugin."""
    _kind = "EventType"


class Integration(_SvixResource):
    """An integration of a Svix application (see ``pulumi_svix.Integration``), handled by the provider plugin."""
    _kind = "Integration"


class Provider(pulumi.ProviderResource):
    """An explicit svix provider: one Svix environment. Pass it as ``opts=pulumi.ResourceOptions(provider=…)``.

    ``token`` is kept secret in state; without it (and without ``server_url``) the provider falls back to
    the environment (``SVIX_AUTH_TOKEN``, ``SVIX_SERVER_URL``) and the token's region, as the default
    provider does after the stack config ``svix:token``/``svix:serverUrl``.
    """

    def __init__(self, resource_name: str, opts: Optional[pulumi.ResourceOptions] = None, *,
                 token: Optional[pulumi.Input[str]] = None, server_url: Optional[pulumi.Input[str]] = None) -> None:
        props = {"token": pulumi.Output.secret(token) if token is not None else None, "server_url": server_url}
        super().__init__(PACKAGE, resource_name, props,
                         pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=["token"])))

    def translate_input_property(self, prop: str) -> str:
        return {"server_url": "serverUrl"}.get(prop, prop)

    def translate_output_property(self, prop: str) -> str:
        return snake_case(prop)


__all__ = ["Application", "ApplicationArgs", "Endpoint", "EndpointArgs", "EventType", "EventTypeArgs",
           "Integration", "IntegrationArgs", "Provider"]
