"""Loads ``schema.yaml``, the single source of truth for every property.

The provider takes from here which inputs exist, which are required, secret or force a replacement,
their defaults and their Svix validation rules (the ``language.svix`` block of each property).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).with_name("schema.yaml")


def snake_case(name: str) -> str:
    """``throttleRate`` -> ``throttle_rate``: Pulumi's Python naming of schema properties."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@dataclass(frozen=True)
class Property:
    name: str  # schema (camelCase) name
    python_name: str  # snake_case name used in Python and in state
    type: str
    description: str
    required: bool = False
    secret: bool = False
    replace_on_changes: bool = False
    default: Any = None
    api: str | None = None  # JSON field in the Svix API; None = provider-side only
    output_only: bool = False
    rules: dict[str, Any] = field(default_factory=dict)  # the language.svix block

    @property
    def is_set(self) -> bool:
        return bool(self.rules.get("set"))

    @property
    def empty_is_absent(self) -> bool:
        return bool(self.rules.get("emptyIsAbsent"))


@dataclass(frozen=True)
class ResourceSchema:
    token: str  # e.g. svix:index:Endpoint
    kind: str  # e.g. Endpoint
    description: str
    inputs: tuple[Property, ...]
    outputs: tuple[Property, ...]  # output-only properties (createdAt, secret, key, ...)

    @property
    def properties(self) -> tuple[Property, ...]:
        return self.inputs + tuple(o for o in self.outputs if o.python_name not in self.input_names)

    @property
    def input_names(self) -> frozenset[str]:
        return frozenset(p.python_name for p in self.inputs)

    @property
    def secret_outputs(self) -> list[str]:
        return [p.python_name for p in self.properties if p.secret]

    def input(self, python_name: str) -> Property:
        return next(p for p in self.inputs if p.python_name == python_name)


def _property(name: str, spec: dict, *, required: bool, output: bool) -> Property:
    rules = dict((spec.get("language") or {}).get("svix") or {})
    api = rules.pop("api", name)
    return Property(
        name=name,
        python_name=snake_case(name),
        type=spec["type"] if "type" in spec else "any",
        description=spec.get("description", ""),
        required=required,
        secret=bool(spec.get("secret")),
        replace_on_changes=bool(spec.get("replaceOnChanges")),
        default=spec.get("default"),
        api=api,
        output_only=output or bool(rules.pop("output", False)),
        rules=rules,
    )


@functools.lru_cache(maxsize=None)
def raw_schema() -> dict:
    import yaml  # imported lazily: only needed once per process

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(SCHEMA_PATH, encoding="utf-8") as f:
        return yaml.load(f, Loader=loader)


@functools.lru_cache(maxsize=None)
def resource_schema(kind: str) -> ResourceSchema:
    token = f"svix:index:{kind}"
    spec = raw_schema()["resources"][token]
    required_inputs = set(spec.get("requiredInputs", []))
    inputs = tuple(
        _property(n, s, required=n in required_inputs, output=False)
        for n, s in spec["inputProperties"].items()
    )
    input_names = set(spec["inputProperties"])
    outputs = tuple(
        _property(n, s, required=n in spec.get("required", []), output=True)
        for n, s in spec["properties"].items()
        if n not in input_names
    )
    return ResourceSchema(token, kind, spec.get("description", ""), inputs, outputs)
