"""``svix.load_config("svix.yaml")``: a whole Svix configuration declared in one YAML file.

The file's shape (docs/reference/svix-yaml.md, generated from schema.yaml)::

    externalEventTypes: [user.created]     # event types that exist on Svix but are not declared here
    eventTypes:
      invoice.paid:                        # the event type's name
        description: An invoice was paid.
        schemas: {"1": {type: object}}
        adopt: true
    applications:
      acme:                                # the application's uid; `app_…`: an application without uid (its id)
        name: Acme Corp
        adopt: true
        endpoints:
          billing:                         # the endpoint's uid; `ep_…`: an endpoint without uid (its id)
            url: https://hooks.acme.example/svix
            event_types: [invoice.paid]
            headers: {Authorization: {config: acmeBillingAuthorization}}
        integrations:
          zapier:                          # a label; `integ_…`: the existing integration with this id
            name: Zapier

Every property is the Python resource's (snake_case); the keys allowed and their types come from
schema.yaml through the same pydantic checks ``pulumi preview`` runs (``validation.py``): nothing here
lists properties. A key that names an object by id (``app_…``, ``ep_…``, ``integ_…``) takes that existing
object over (``import_id``). Secrets are never written in the file: ``{config: key}`` takes a stack config
secret, ``{env: NAME}`` an environment variable; a missing one fails naming it.

Every problem of the file (unknown key, wrong type, duplicate key, an endpoint filter naming an event
type neither declared nor listed in ``externalEventTypes``, a missing secret) is reported at once, each
on its own line naming the file, the line and the path (``applications[acme].endpoints[billing].url``),
before any resource is declared.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable

import pulumi

SECTIONS = {"eventTypes": "EventType", "applications": "Application"}
CHILDREN = {"endpoints": "Endpoint", "integrations": "Integration"}
EXTERNAL = "externalEventTypes"
ID_PREFIX = {"Application": "app_", "Endpoint": "ep_", "Integration": "integ_"}
# Properties the file states by an entry's key, or by nesting (never as keys of the entry).
BY_KEY = {"EventType": {"name"}, "Application": {"uid", "import_id"}, "Endpoint": {"app_id", "uid", "import_id"},
          "Integration": {"app_id", "import_id"}}
SECRET_ONLY_BY_REFERENCE = {"secret"}  # a value the file may only name ({config: …} / {env: …})


class SvixConfigError(pulumi.RunError):
    """The file declares something Svix (or pulumi-svix) would refuse: one line per problem."""


@dataclass
class LoadedApplication:
    """An application of the file: the ``svix.Application`` (its outputs are this object's attributes),
    and its endpoints and integrations by their keys in the file."""

    resource: Any
    endpoints: dict[str, Any] = field(default_factory=dict)
    integrations: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        if name in ("resource", "endpoints", "integrations"):
            raise AttributeError(name)
        return getattr(self.resource, name)


@dataclass
class SvixConfig:
    """What ``load_config`` declared, addressable by the keys of the file."""

    event_types: dict[str, Any] = field(default_factory=dict)
    applications: dict[str, LoadedApplication] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------------
# Reading: the document, and the line of every key (PyYAML keeps the last of duplicate keys silently:
# duplicates are found here).

def _read(path: str) -> tuple[Any, dict[tuple, int], list[tuple[tuple, str]]]:
    import yaml

    with open(path, encoding="utf-8") as f:
        text = f.read()
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        raise SvixConfigError(f"{path}:{line}: not valid YAML: {getattr(error, 'problem', error)}") from None
    finally:
        loader.dispose()
    lines: dict[tuple, int] = {(): 1}
    duplicates: list[tuple[tuple, str]] = []

    def walk(n: Any, where: tuple) -> None:
        if isinstance(n, yaml.MappingNode):
            seen = set()
            for key_node, value_node in n.value:
                key = key_node.value
                here = where + (key,)
                if key in seen:
                    duplicates.append((here, f"duplicate key {key!r} (line {key_node.start_mark.line + 1}); "
                                             f"it is declared twice"))
                seen.add(key)
                lines.setdefault(here, key_node.start_mark.line + 1)
                walk(value_node, here)
        elif isinstance(n, yaml.SequenceNode):
            for i, item in enumerate(n.value):
                lines.setdefault(where + (i,), item.start_mark.line + 1)
                walk(item, where + (i,))

    if node is not None:
        walk(node, ())
    return data, lines, duplicates


def _path_text(where: tuple) -> str:
    """``("applications", "acme", "endpoints", "billing", "url")`` -> ``applications[acme].endpoints[billing].url``."""
    out = ""
    for i, part in enumerate(where):
        if isinstance(part, int):
            out += f"[{part}]"
        elif i > 0 and where[i - 1] in (*SECTIONS, *CHILDREN) and i % 2 == 1:
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(the document)"


def _is_reference(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("config", "env") \
        and isinstance(next(iter(value.values())), str)


# --------------------------------------------------------------------------------------------------

class _Checker:
    def __init__(self, path: str, lines: dict[tuple, int], secret_lookup: Callable[[dict], Any]) -> None:
        self.path, self.lines, self.lookup = path, lines, secret_lookup
        self.errors: list[tuple[int, str]] = []

    def fail(self, where: tuple, message: str) -> None:
        line = next((self.lines[where[:n]] for n in range(len(where), -1, -1) if where[:n] in self.lines), 0)
        self.errors.append((line, f"{self.path}:{line}: {_path_text(where)}: {message}"))

    def mapping(self, value: Any, where: tuple) -> dict:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail(where, f"must be a map, got {_kind(value)}")
            return {}
        return value

    def resolve(self, value: Any, where: tuple) -> Any:
        """A ``{config: key}`` / ``{env: NAME}`` reference as a secret Output (None, and an error, if unset)."""
        kind, name = next(iter(value.items()))
        found = self.lookup(value)
        if found is None:
            self.fail(where, (f"the stack config secret {name!r} is not set: run `pulumi config set --secret "
                              f"{name} <value>`") if kind == "config" else
                      f"the environment variable {name} is not set")
            return None
        return found

    def properties(self, kind: str, entry: Any, where: tuple, skip: set[str]) -> dict:
        """The entry's resource arguments, each checked against schema.yaml's rules."""
        from .schema import resource_schema
        from .validation import _adapters, _reason
        from pydantic import ValidationError

        schema = resource_schema(kind)
        allowed = {p.python_name: p for p in schema.inputs if p.python_name not in BY_KEY[kind]}
        adapters = _adapters(kind)
        out: dict[str, Any] = {}
        for key, value in self.mapping(entry, where).items():
            here = where + (key,)
            if key in skip:
                continue
            prop = allowed.get(key)
            if prop is None:
                hint = (" (it is given by the entry's key)" if key in BY_KEY[kind] else
                        f"; {kind} properties: {', '.join(sorted(allowed))}")
                self.fail(here, f"unknown key {key!r}{hint}")
                continue
            if value is None:
                continue
            if _is_reference(value):
                if prop.type != "string":
                    self.fail(here, f"a {{config: …}} / {{env: …}} reference stands for a string; {key} is not one")
                    continue
                out[key] = self.resolve(value, here)
                continue
            if key in SECRET_ONLY_BY_REFERENCE:
                self.fail(here, "secrets are never written in the file: use {config: keyName} (a stack config "
                                "secret) or {env: NAME}")
                continue
            if prop.type == "object" and isinstance(value, dict) and any(_is_reference(v) for v in value.values()):
                plain = {k: v for k, v in value.items() if not _is_reference(v)}
                resolved = {k: self.resolve(v, here + (k,)) for k, v in value.items() if _is_reference(v)}
                self._validate(adapters[key], {**plain, **{k: "x" for k in resolved}}, here, _reason,
                               ValidationError, skip_values=True)
                out[key] = {**plain, **resolved}
                continue
            if self._validate(adapters[key], value, here, _reason, ValidationError):
                out[key] = value
        given = self.mapping(entry, ()) if isinstance(entry, dict) else {}
        for prop in schema.inputs:
            if prop.required and prop.python_name not in BY_KEY[kind] and given.get(prop.python_name) is None:
                self.fail(where, f"{prop.python_name} is required")
        return out

    def _validate(self, adapter: Any, value: Any, where: tuple, reason: Any, error_type: Any,
                  skip_values: bool = False) -> bool:
        try:
            adapter.validate_python(value)
        except error_type as exc:
            if skip_values and all(e.get("type") != "dict_type" and len(e.get("loc", ())) > 0 for e in exc.errors()):
                return True  # a problem of a value the reference stands for: checked at preview by the provider
            self.fail(where, f"{_kind_hint(value, exc)}{reason(exc)}")
            return False
        return True


def _kind(value: Any) -> str:
    return {str: "a string", bool: "a boolean", int: "a number", float: "a number", list: "a list",
            dict: "a map", type(None): "nothing"}.get(type(value), type(value).__name__)


def _kind_hint(value: Any, exc: Any) -> str:
    first = exc.errors()[0]
    return f"got {_kind(value)}: " if first.get("type", "").endswith("_type") and not first.get("loc") else ""


def _config_secret(reference: dict) -> Any:
    kind, name = next(iter(reference.items()))
    if kind == "env":
        value = os.environ.get(name)
        return None if value is None else pulumi.Output.secret(value)
    namespace, _, key = name.rpartition(":")
    config = pulumi.Config(namespace) if namespace else pulumi.Config()
    if config.get(key) is None:
        return None
    return config.require_secret(key)


def check(path: str, secret_lookup: Callable[[dict], Any] = _config_secret) -> dict:
    """The file's declarations, checked: ``{"eventTypes": {name: args}, "external": set,
    "applications": {key: (args, {endpoint key: args}, {integration key: args})}}``. Raises
    SvixConfigError listing every problem."""
    data, lines, duplicates = _read(path)
    checker = _Checker(path, lines, secret_lookup)
    for where, message in duplicates:
        checker.fail(where, message)
    top = checker.mapping(data, ())
    for key in top:
        if key not in (*SECTIONS, EXTERNAL):
            checker.fail((key,), f"unknown key {key!r}; the file has {', '.join((*SECTIONS, EXTERNAL))}")

    external = top.get(EXTERNAL) or []
    if not isinstance(external, list) or not all(isinstance(n, str) for n in external):
        checker.fail((EXTERNAL,), "must be a list of event type names")
        external = []

    event_types = {}
    for name, entry in checker.mapping(top.get("eventTypes"), ("eventTypes",)).items():
        here = ("eventTypes", name)
        args = checker.properties("EventType", entry, here, set())
        checker._validate(_name_adapter(), name, here, *_pydantic_reason())
        event_types[str(name)] = args
    known_types = set(event_types) | set(external)

    applications = {}
    for app_key, entry in checker.mapping(top.get("applications"), ("applications",)).items():
        here = ("applications", app_key)
        args = checker.properties("Application", entry, here, set(CHILDREN))
        _key_args("Application", str(app_key), args, checker, here)
        endpoints, integrations = {}, {}
        body = checker.mapping(entry, here)
        for ep_key, ep in checker.mapping(body.get("endpoints"), here + ("endpoints",)).items():
            ep_here = here + ("endpoints", ep_key)
            ep_args = checker.properties("Endpoint", ep, ep_here, set())
            _key_args("Endpoint", str(ep_key), ep_args, checker, ep_here)
            for i, name in enumerate(ep_args.get("event_types") or []):
                if name not in known_types:
                    checker.fail(ep_here + ("event_types", i),
                                 f"event type {name!r} is neither declared under eventTypes nor listed in "
                                 f"{EXTERNAL} (event types that exist on Svix already)")
            endpoints[str(ep_key)] = ep_args
        for in_key, integ in checker.mapping(body.get("integrations"), here + ("integrations",)).items():
            in_here = here + ("integrations", in_key)
            in_args = checker.properties("Integration", integ, in_here, set())
            if str(in_key).startswith(ID_PREFIX["Integration"]):
                in_args["import_id"] = str(in_key)
            integrations[str(in_key)] = in_args
        applications[str(app_key)] = (args, endpoints, integrations)

    if checker.errors:
        problems = [text for _, text in sorted(checker.errors, key=lambda e: e[0])]
        raise SvixConfigError(f"{path}: {len(problems)} problem(s), nothing was declared:\n  " + "\n  ".join(problems))
    return {"eventTypes": event_types, "external": set(external), "applications": applications}


def _key_args(kind: str, key: str, args: dict, checker: _Checker, where: tuple) -> None:
    """An entry's key: an existing object's id (``app_…``/``ep_…``: taken over by id), else its uid."""
    from pydantic import ValidationError

    from .validation import _adapters, _reason

    if key.startswith(ID_PREFIX[kind]):
        args["import_id"] = key
        name, value = "import_id", key
    else:
        args["uid"] = key
        name, value = "uid", key
    try:
        _adapters(kind)[name].validate_python(value)
    except ValidationError as exc:
        checker.fail(where, f"the key (the {kind.lower()}'s {'id' if name == 'import_id' else 'uid'}) "
                            f"{_reason(exc)}")


def _name_adapter() -> Any:
    from .validation import _adapters

    return _adapters("EventType")["name"]


def _pydantic_reason() -> tuple:
    from pydantic import ValidationError

    from .validation import _reason

    return _reason, ValidationError


def load_config(path: str = "svix.yaml", opts: pulumi.ResourceOptions | None = None) -> SvixConfig:
    """Declares the resources of a ``svix.yaml`` file (see this module's docstring) and returns them by the
    file's keys: ``config.applications["acme"].endpoints["billing"].secret``. ``opts`` apply to every one.
    Raises SvixConfigError (every problem, each naming file, line and path) before declaring anything."""
    from .resources import Application, Endpoint, EventType, Integration

    checked = check(path)
    loaded = SvixConfig()
    for name, args in checked["eventTypes"].items():
        loaded.event_types[name] = EventType(name, name=name, opts=opts, **args)
    for app_key, (args, endpoints, integrations) in checked["applications"].items():
        app = LoadedApplication(Application(app_key, opts=opts, **args))
        for ep_key, ep_args in endpoints.items():
            if ep_args.get("event_types"):  # outputs of the file's event types: Pulumi creates those first
                ep_args["event_types"] = [loaded.event_types[n].name if n in loaded.event_types else n
                                          for n in ep_args["event_types"]]
            app.endpoints[ep_key] = Endpoint(f"{app_key}/{ep_key}", app_id=app.resource.id, opts=opts, **ep_args)
        for in_key, in_args in integrations.items():
            app.integrations[in_key] = Integration(f"{app_key}/{in_key}", app_id=app.resource.id, opts=opts,
                                                   **in_args)
        loaded.applications[app_key] = app
    return loaded
