"""Between the plugin's wire form and the engine code's form of resource properties.

On the wire (the engine, Pulumi YAML, TypeScript, the schema) properties have their schema names
(``throttleRate``), numbers are doubles, unknowns are ``Computed`` and secrets are flagged per value.
The check/diff/create/read/update/delete code (``pulumi_svix.resources._engine``) works, as for the
dynamic resources, on plain Python values under snake_case names (``throttle_rate``) with unknowns
as the ``UNKNOWN`` sentinel. Only top-level names are translated: the keys inside ``metadata``,
``headers`` and ``schemas`` are the user's own.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from pulumi.provider.experimental.property_value import PropertyValue, PropertyValueType

from ..resources._engine import UNKNOWN
from ..schema import ResourceSchema


def to_python(value: PropertyValue) -> Any:
    """A wire value as the engine code takes it (secrets unwrapped: ``secret_names`` remembers them)."""
    kind = value.type
    if kind == PropertyValueType.COMPUTED:
        return UNKNOWN
    if kind == PropertyValueType.ARRAY:
        return [to_python(v) for v in value.value]
    if kind == PropertyValueType.MAP:
        return {k: to_python(v) for k, v in value.value.items()}
    if kind == PropertyValueType.RESOURCE:
        return to_python(value.value.resource_id) if value.value.resource_id is not None else None
    return value.value


def from_python(value: Any, secret: bool = False) -> PropertyValue:
    """A Python value on the wire (ints as doubles). An unknown stays the ``UNKNOWN`` sentinel string: that is
    how the protocol encodes it, and this SDK's ``PropertyValue.computed()`` cannot be marshalled inside a list
    or map."""
    if value is None or isinstance(value, (bool, str)):
        out = PropertyValue(value)
    elif isinstance(value, (int, float)):
        out = PropertyValue(float(value))
    elif isinstance(value, Mapping):
        out = PropertyValue({str(k): from_python(v) for k, v in value.items()})
    elif isinstance(value, (list, tuple)):
        out = PropertyValue([from_python(v) for v in value])
    else:
        raise TypeError(f"cannot send a {type(value).__name__} to the engine")
    return out.with_secret(True) if secret else out


def python_names(schema: ResourceSchema) -> dict[str, str]:
    """Wire name -> Python name for every property of the resource."""
    return {p.name: p.python_name for p in schema.properties}


def from_wire(schema: ResourceSchema, props: Mapping[str, PropertyValue]) -> tuple[dict, set[str]]:
    """(the properties under their Python names, the Python names of those that hold a secret)."""
    names = python_names(schema)
    values, secrets = {}, set()
    for key, value in props.items():
        name = names.get(key, key)  # internal outputs (``__owner``, ``__app_uid``) keep their names
        values[name] = to_python(value)
        if value.contains_secret():
            secrets.add(name)
    return values, secrets


def to_wire(schema: ResourceSchema, values: Mapping[str, Any], secret: Iterable[str] = ()) -> dict[str, PropertyValue]:
    """Python-named properties on the wire; ``secret`` names and the schema's secret properties are
    sent as secrets (so the state never holds them in plain text)."""
    wire_names = {p.python_name: p.name for p in schema.properties}
    secret = set(secret) | set(schema.secret_outputs)
    return {wire_names.get(name, name): from_python(value, secret=name in secret and value is not None)
            for name, value in values.items()}


def wire_name(schema: ResourceSchema, python_name: str) -> str:
    return next((p.name for p in schema.properties if p.python_name == python_name), python_name)


def python_path(schema: ResourceSchema, path: str) -> str:
    """An ``ignore_changes`` path (``throttleRate``, ``headers["X-Team"]``) with its top-level property under
    its Python name."""
    names = python_names(schema)
    top = next((k for k in sorted(names, key=len, reverse=True)
                if path == k or path.startswith(k + ".") or path.startswith(k + "[")), None)
    return names[top] + path[len(top):] if top else path
