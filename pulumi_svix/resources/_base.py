"""Program-side plumbing shared by the four resource classes (no API code here)."""

from __future__ import annotations

import dataclasses
from typing import Any, Optional

import pulumi

from ..schema import ResourceSchema


def resource_props(schema: ResourceSchema, args: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """All properties of the resource, inputs from ``args`` (an XArgs object) or keyword arguments.

    Output-only properties are present as None so that Pulumi resolves them as outputs. Secret inputs
    (the endpoint ``secret``, ``headers``) are wrapped in ``pulumi.Output.secret``, as Pulumi's generated
    SDKs do: ``additional_secret_outputs`` only covers outputs, and a plain-string input would otherwise be
    stored in plain text among the resource's recorded inputs.
    """
    if args is not None:
        given = {f.name: getattr(args, f.name) for f in dataclasses.fields(args)}
        extra = {k: v for k, v in kwargs.items() if v is not None}
        if extra:
            raise TypeError(f"{schema.kind}: pass either an args object or keyword arguments, "
                            f"not both (got {sorted(extra)})")
    else:
        given = kwargs
    props = {p.python_name: given.get(p.python_name) for p in schema.properties}
    for prop in schema.inputs:
        if prop.is_set and props[prop.python_name] is not None:
            props[prop.python_name] = in_set_order(props[prop.python_name])
        if prop.secret and props[prop.python_name] is not None:
            props[prop.python_name] = pulumi.Output.secret(props[prop.python_name])
    return props


def ordered(items: Any) -> Any:
    """A set of names (event types, channels, flags) in the one order it is recorded in: sorted, without
    repeats. Anything else is left as given (Check names the problem)."""
    if isinstance(items, list) and all(isinstance(item, str) for item in items):
        return sorted(set(items))
    return items


def in_set_order(value: Any) -> Any:
    """A set property sorted and without repeats before it is registered (``ordered``, also when it
    holds outputs).

    The provider's Check records sets so anyway; sorting here too means the engine never compares the
    program's own order with the recorded one. It does so where Check is not asked: ``up --refresh
    --run-program`` showed ``[diff: ~event_types]`` on every refresh of an endpoint declared unsorted."""
    if isinstance(value, list) and not any(isinstance(item, pulumi.Output) for item in value):
        return ordered(value)
    if isinstance(value, list):
        return pulumi.Output.all(*value).apply(ordered)
    if isinstance(value, pulumi.Output):
        return value.apply(ordered)
    return value


def resource_options(schema: ResourceSchema, opts: Optional[pulumi.ResourceOptions],
                     props: Optional[dict[str, Any]] = None) -> pulumi.ResourceOptions:
    """Marks the schema's secret properties as secret outputs, and replaces a resource with a natural key
    delete-before-create unless ``opts`` says otherwise.

    Svix holds one object per natural key (an application's or an endpoint's ``uid``, an event type's
    ``name``). A replacement that keeps the key cannot create the new object next to the old one: Pulumi's
    default order, create then delete, would meet the old object at its create and then delete it. The
    provider's Diff asks for delete-before-replace where the key is kept, but ``pulumi up --replace`` never
    calls Diff: only this resource option reaches the engine then.
    """
    extra = pulumi.ResourceOptions(additional_secret_outputs=schema.secret_outputs)
    if has_natural_key(schema, props) and (opts is None or opts.delete_before_replace is None):
        extra.delete_before_replace = True
    return pulumi.ResourceOptions.merge(opts, extra)


def has_natural_key(schema: ResourceSchema, props: Optional[dict[str, Any]]) -> bool:
    """An event type (its name), or an application or endpoint declared with a ``uid``."""
    return schema.kind == "EventType" or (props or {}).get("uid") is not None


def lookup_options(opts: Optional[pulumi.ResourceOptions], id_: pulumi.Input[str]) -> pulumi.ResourceOptions:
    """Options for ``X.get``: Pulumi reads the existing object with this id instead of creating one."""
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id_))


def split_app_scoped_id(id_: Any, app_id: Any) -> tuple[Any, Any]:
    """``"app_…/ep_…"`` -> (``"ep_…"``, ``"app_…"``), for ``get`` of app-scoped resources."""
    if app_id is None and isinstance(id_, str) and "/" in id_:
        app_id, id_ = id_.split("/", 1)
    return id_, app_id
