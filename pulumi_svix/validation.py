"""Preview-time checks (``check``): every rule comes from schema.yaml, nothing calls Svix.

Each input property gets a pydantic type built from its schema entry (type plus the
``language.svix`` rules); a failure becomes a ``CheckFailure`` naming the property. Values that
are still unknown during preview are skipped: they are checked again when they are known.
"""

from __future__ import annotations

import functools
import json
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, StrictBool, StrictStr, TypeAdapter, ValidationError

from . import headers
from .resources._engine import is_unknown
from .schema import Property, ResourceSchema, resource_schema


def _scheme_check(schemes: list[str]):
    def check(url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme not in schemes or not parts.netloc:
            raise ValueError(f"must be an absolute {' or '.join(schemes)} URL, got {url!r}")
        return url
    return check


def _not_prefix(prefix: str):
    def check(value: str) -> str:
        if value.startswith(prefix):
            raise ValueError(f"must not start with {prefix!r} (Svix reserves it for ids), got {value!r}")
        return value
    return check


def _max_json_bytes(limit: int):
    def check(value: Any) -> Any:
        size = len(json.dumps(value, separators=(",", ":")).encode())
        if size > limit:
            raise ValueError(f"is {size} bytes as JSON; Svix allows at most {limit}")
        return value
    return check


def _headers(value: dict) -> dict:
    problems = [p for name, text in value.items()
                for p in (headers.header_name_problem(name), headers.header_value_problem(name, text)) if p]
    if problems:
        raise ValueError("; ".join(problems))
    return value


def _item_type(rules: dict) -> Any:
    constraints = {}
    if "itemPattern" in rules:
        constraints["pattern"] = rules["itemPattern"]
    if "itemMaxLength" in rules:
        constraints["max_length"] = rules["itemMaxLength"]
    return Annotated[StrictStr, Field(min_length=1, **constraints)]


def property_type(prop: Property) -> Any:
    """The pydantic type that accepts exactly the values Svix accepts for this property."""
    rules = prop.rules
    field_rules = {
        key: rules[name]
        for name, key in (("pattern", "pattern"), ("minLength", "min_length"), ("maxLength", "max_length"),
                          ("minimum", "ge"), ("maximum", "le"), ("minItems", "min_length"),
                          ("maxItems", "max_length"))
        if name in rules
    }
    validators = []
    if "scheme" in rules:
        validators.append(AfterValidator(_scheme_check(rules["scheme"])))
    if "notPrefix" in rules:
        validators.append(AfterValidator(_not_prefix(rules["notPrefix"])))
    if "maxJsonBytes" in rules:
        validators.append(AfterValidator(_max_json_bytes(rules["maxJsonBytes"])))
    if rules.get("headerNames"):
        validators.append(AfterValidator(_headers))

    base: Any = {
        "string": StrictStr,
        "integer": int,  # Pulumi sends numbers as floats; pydantic accepts 5.0 but not 5.5
        "boolean": StrictBool,
        "array": list[_item_type(rules)],
        "object": dict[str, Any] if prop.name == "schemas" else dict[str, StrictStr],
    }[prop.type]
    return Annotated[base, Field(**field_rules), *validators]


@functools.lru_cache(maxsize=None)
def _adapters(kind: str) -> dict[str, TypeAdapter]:
    return {p.python_name: TypeAdapter(property_type(p)) for p in resource_schema(kind).inputs}


def _reason(error: ValidationError) -> str:
    first = error.errors()[0]
    message = first["msg"].removeprefix("Value error, ")
    where = ".".join(str(part) for part in first["loc"])
    return f"{message} (at item {where})" if where else message


def check_inputs(schema: ResourceSchema, news: dict[str, Any]) -> list[tuple[str, str]]:
    """Returns ``(property, reason)`` for every input Svix would refuse."""
    failures = []
    adapters = _adapters(schema.kind)
    for prop in schema.inputs:
        value = news.get(prop.python_name)
        if value is None:
            if prop.required:
                failures.append((prop.python_name, f"{schema.kind}.{prop.python_name} is required"))
            continue
        if is_unknown(value):
            continue
        try:
            adapters[prop.python_name].validate_python(value)
        except ValidationError as exc:
            failures.append((prop.python_name, f"{schema.kind}.{prop.python_name}: {_reason(exc)}"))
    unknown_keys = sorted(set(news) - schema.input_names - {p.python_name for p in schema.outputs}
                          - {"__provider"})
    for key in unknown_keys:
        failures.append((key, f"{schema.kind} has no property {key!r}"))
    return failures
