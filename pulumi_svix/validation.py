"""Preview-time checks (``check``): every rule comes from schema.yaml, nothing calls Svix.

Each input property gets a pydantic type built from its schema entry (type plus the
``language.svix`` rules); a failure becomes a ``CheckFailure`` naming the property. Values that
are still unknown during preview are skipped: they are checked again when they are known.

No message repeats a value. Any input may be an ``Output.secret`` (a webhook URL with a token in
its path, a header, the signing secret), and ``check`` cannot tell: the engine hands a dynamic
provider its inputs with the secret marks removed. A message names the property and the rule
instead, and at most the kind of value given ("a string").

What preview accepts, ``up`` sends as is: the same types Svix's serde accepts (a whole number is
not a string or a boolean), and sizes measured as svix-server measures them (``limits``).
"""

from __future__ import annotations

import functools
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import (AfterValidator, BeforeValidator, Field, StrictBool, StrictStr, TypeAdapter,
                      ValidationError)

from . import headers
from .limits import json_bytes
from .resources._engine import is_unknown
from .schema import Property, ResourceSchema, resource_schema


def _scheme_check(schemes: list[str]):
    def check(url: str) -> str:
        try:
            parts = urlsplit(url)
        except ValueError:
            parts = None
        if parts is None or parts.scheme not in schemes or not parts.netloc:
            # Not even the scheme is quoted: in "user:token@host" it is the user name.
            raise ValueError(f"must be an absolute {' or '.join(schemes)} URL (such as "
                             f"{schemes[-1]}://hooks.example.com/svix); the value is not shown: it may "
                             "be secret")
        return url
    return check


def _not_prefix(prefix: str):
    def check(value: str) -> str:
        if value.startswith(prefix):
            raise ValueError(f"must not start with {prefix!r} (Svix reserves it for ids)")
        return value
    return check


@functools.lru_cache(maxsize=None)
def _ownership_marker() -> str | None:
    """A marker of the length the provider adds to the ``metadata`` it sends under the engine
    (``resources/_ownership.py``), or None if it adds none."""
    try:
        from .resources import _ownership

        with _ownership.acting_for("urn:pulumi:stack::project::svix:index:Resource::name"):
            return _ownership.owner()
    except (ImportError, AttributeError):
        return None


def _as_sent(prop: Property, value: Any) -> Any:
    """The value as the provider sends it to Svix, which is what Svix measures: ``metadata`` also
    carries the ownership marker."""
    marker = _ownership_marker() if prop.python_name == "metadata" else None
    if marker is None or not isinstance(value, dict):
        return value
    from .resources import _ownership

    return _ownership.with_marker(value, marker)


def _max_json_bytes(prop: Property, limit: int):
    def check(value: Any) -> Any:
        size, sent = json_bytes(value), json_bytes(_as_sent(prop, value))
        if sent > limit:
            added = f", {sent} with the ownership marker the provider adds to it" if sent != size else ""
            raise ValueError(f"is {size} bytes as compact JSON{added}; Svix allows at most {limit}")
        return value
    return check


_KINDS = {str: "a string", bool: "a boolean", list: "a list", dict: "a map", type(None): "null"}


def _whole_number(value: Any) -> Any:
    """Svix's integers are JSON integers: a string ("20", say from stack config) or a boolean is
    refused by Svix, so it is refused here. Pulumi hands numbers over as doubles: 20.0 is 20."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        kind = _KINDS.get(type(value), type(value).__name__)
        hint = (" (a value from stack config is a string: use config.get_int or int(...))"
                if kind == "a string" else "")
        raise ValueError(f"must be an integer (a whole number), got {kind}{hint}")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("must be an integer (a whole number), got a number with a fraction")
        return int(value)
    return value


def _headers(value: dict) -> dict:
    problems = [p for name, text in value.items()
                for p in (headers.header_name_problem(name), headers.header_value_problem(name, text)) if p]
    if problems:
        raise ValueError("; ".join(problems))
    return value


def _base64_bytes(low: int, high: int):
    def check(value: str) -> str:
        import base64
        import binascii

        try:
            size = len(base64.b64decode(value.rsplit("_", 1)[-1], validate=True))
        except (binascii.Error, ValueError):
            raise ValueError("is not valid base64 after its prefix") from None
        if not low <= size <= high:
            raise ValueError(f"decodes to {size} bytes; Svix accepts {low} to {high}")
        return value
    return check


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
        validators.append(AfterValidator(_max_json_bytes(prop, rules["maxJsonBytes"])))
    if rules.get("headerNames"):
        validators.append(AfterValidator(_headers))
    if "base64Bytes" in rules:
        validators.append(AfterValidator(_base64_bytes(*rules["base64Bytes"])))

    base: Any = {
        "string": StrictStr,
        "integer": Annotated[int, BeforeValidator(_whole_number)],  # 5.0 (as Pulumi sends 5) passes
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


def placeholder_problems(schema: ResourceSchema, news: dict[str, Any]) -> list[tuple[str, str]]:
    """``(property, reason)`` for every declared header value that is the placeholder of a value Svix never
    showed (``headers.REDACTED``). Not part of ``check_inputs``: ``pulumi import`` checks the inputs it
    records, which hold the placeholder, and that check may not fail; the provider's diff (preview) refuses
    it instead, before anything could send it."""
    failures = []
    for prop in schema.inputs:
        value = news.get(prop.python_name)
        if prop.rules.get("headerNames") and isinstance(value, dict):
            failures += [(prop.python_name, f"{schema.kind}.{prop.python_name}: {problem}")
                         for name, text in value.items() if (problem := headers.placeholder_problem(name, text))]
    return failures
