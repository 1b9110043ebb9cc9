"""Contract checking: every Svix API exchange validated against the OpenAPI spec.

With ``--validate-contract`` the emulator validates each request (its body and its query
parameters) against its operation in the OpenAPI document of its flavor (``openapi/``: Svix
Cloud's, or the self-hosted svix-server's) and each response body against the schema
documented for its status, and records what does not conform (``GET /_emulator/contract``).
The request is still served normally: an invalid one gets Svix's own 422.

The spec has an OpenAPI 3.1 header but 3.0-style ``nullable``: it is rewritten to JSON
Schema 2020-12 (``nullable`` becomes a ``null`` type) and served to ``jsonschema`` through a
``referencing`` registry, so ``#/components/schemas/...`` references resolve in place.
"""

import copy
import json
import os
import re
import threading
from pathlib import Path
from urllib.parse import parse_qsl, quote

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from .asgi import ResponseRecorder, is_api, read_body

SPEC_ENV = "PULUMI_SVIX_OPENAPI"
SPEC_URI = "urn:svix-openapi"
MAX_VIOLATIONS = 1000
METHODS = ("get", "post", "put", "patch", "delete")


# The documents ship inside the package (package data), so an installed wheel or a lone
# checkout validates without anything else on disk.
SPEC_DIR = Path(__file__).resolve().parent / "openapi"
SPEC_FILES = {"cloud": "svix-openapi.json", "oss": "svix-server-openapi.json"}


class SpecNotFound(RuntimeError):
    pass


def find_spec(flavor: str = "cloud") -> Path:
    """The OpenAPI document of ``flavor`` (vendored), or $PULUMI_SVIX_OPENAPI if set."""
    if flavor not in SPEC_FILES:
        raise ValueError(f"unknown flavor {flavor!r}; expected one of {', '.join(SPEC_FILES)}")
    if os.environ.get(SPEC_ENV):
        path = Path(os.environ[SPEC_ENV])
    else:
        path = SPEC_DIR / SPEC_FILES[flavor]
    if not path.is_file():
        raise SpecNotFound(
            f"contract validation needs the Svix OpenAPI spec, not found at {path}; "
            f"set {SPEC_ENV} to its path")
    return path


def nullable_to_json_schema(node) -> None:
    """In place: OpenAPI 3.0 ``nullable: true`` becomes JSON Schema's ``null`` type."""
    if isinstance(node, list):
        for item in node:
            nullable_to_json_schema(item)
        return
    if not isinstance(node, dict):
        return
    for value in node.values():
        nullable_to_json_schema(value)
    if node.get("nullable") is not True:
        return
    del node["nullable"]
    if "type" in node:
        types = node["type"] if isinstance(node["type"], list) else [node["type"]]
        node["type"] = [*types, "null"]
        if "enum" in node:
            node["enum"] = [*node["enum"], None]
    else:  # $ref / combinators: either the referenced schema or null
        inner = {k: node.pop(k) for k in ("$ref", "allOf", "oneOf", "anyOf") if k in node}
        if inner:
            node["anyOf"] = [inner, {"type": "null"}]


def _pointer(*parts: str) -> str:
    escaped = (p.replace("~", "~0").replace("/", "~1") for p in parts)
    return SPEC_URI + "#/" + quote("/".join(escaped), safe="/~")


class Contract:
    """The spec's operations and schemas, and the violations seen so far."""

    def __init__(self, spec_path: Path):
        self.spec_path = Path(spec_path).resolve()
        spec = json.loads(self.spec_path.read_text())
        schema_doc = copy.deepcopy(spec)
        nullable_to_json_schema(schema_doc)
        resource = Resource.from_contents(schema_doc, default_specification=DRAFT202012)
        self._registry = Registry().with_resource(SPEC_URI, resource)
        self._spec = spec
        self._validators: dict[str, Draft202012Validator] = {}
        self._routes = sorted(
            ((re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(p)) + "$"), p)
             for p in spec["paths"]),
            key=lambda item: item[1].count("{"),  # literal segments win over parameters
        )
        self._lock = threading.Lock()
        self.violations: list[dict] = []

    # --- lookups ---------------------------------------------------------------------

    def operation(self, method: str, path: str):
        """(path template, operation) of the spec for this request, or (None, None)."""
        for regex, template in self._routes:
            if regex.match(path):
                op = self._spec["paths"][template].get(method.lower())
                if op is not None:
                    return template, op
        return None, None

    def _validate(self, pointer: str, instance) -> list[str]:
        validator = self._validators.get(pointer)
        if validator is None:
            validator = Draft202012Validator({"$ref": pointer}, registry=self._registry)
            self._validators[pointer] = validator
        return [f"{err.json_path}: {err.message}"[:500]
                for err in validator.iter_errors(instance)]

    # --- checks ----------------------------------------------------------------------

    def check_request(self, method: str, template: str, op: dict, body: bytes) -> list[str]:
        content = op.get("requestBody", {}).get("content", {})
        if "application/json" not in content:
            return [] if not body.strip() else ["a body was sent, but this operation takes none"]
        if not body.strip():
            required = op["requestBody"].get("required", False)
            return ["required request body is missing"] if required else []
        try:
            instance = json.loads(body)
        except ValueError:
            return ["request body is not valid JSON"]
        pointer = _pointer("paths", template, method.lower(), "requestBody", "content",
                           "application/json", "schema")
        return self._validate(pointer, instance)

    def check_query(self, method: str, template: str, op: dict, query: str) -> list[str]:
        """Known parameters only, each valid for its schema (values coerced from text)."""
        params = {p["name"]: (i, p) for i, p in enumerate(op.get("parameters", ()))
                  if p.get("in") == "query"}
        problems = []
        for name, text in parse_qsl(query, keep_blank_values=True):
            if name not in params:
                problems.append(f"unknown query parameter {name!r}")
                continue
            index, param = params[name]
            if name == "iterator":  # a prevIterator is "-" + an iterator; the pattern omits it
                text = text.removeprefix("-")
            type_ = param.get("schema", {}).get("type")
            pointer = _pointer("paths", template, method.lower(), "parameters", str(index),
                               "schema")
            messages = self._validate(pointer, _coerce(text, type_))
            if messages and type_ is None:
                # A $ref or combinator (e.g. MessageStatus): the text may stand for a number.
                numeric = _coerce(text, "integer")
                if numeric != text and not self._validate(pointer, numeric):
                    messages = []
            problems += [f"query parameter {name!r}{msg.removeprefix('$')}" for msg in messages]
        return problems

    def check_response(self, method: str, template: str, op: dict, status: int,
                       media: str, body: bytes) -> list[str]:
        responses = op.get("responses", {})
        response = responses.get(str(status))
        if response is None:
            if status >= 500:
                return []  # server failures (and injected faults) are outside the contract
            if status == 204 and not body and not any(code.startswith("2") for code in responses):
                # The server's document gives its two DELETE …/content no success response
                # at all (a gap in the document): an empty 204 is what the server answers.
                return []
            return [f"status {status} is not documented for this operation"]
        if "application/json" not in response.get("content", {}):
            return [] if not body else [f"status {status} must have no body"]
        if not media.startswith("application/json"):
            return [f"expected application/json, got {media or 'no content type'}"]
        try:
            instance = json.loads(body)
        except ValueError:
            return ["response body is not valid JSON"]
        pointer = _pointer("paths", template, method.lower(), "responses", str(status),
                           "content", "application/json", "schema")
        return self._validate(pointer, instance)

    def record(self, method: str, route: str, direction: str, status, messages) -> None:
        with self._lock:
            for message in messages:
                if len(self.violations) < MAX_VIOLATIONS:
                    self.violations.append({"method": method, "route": route,
                                            "direction": direction, "status": status,
                                            "message": message})

    def clear(self) -> None:
        with self._lock:
            self.violations = []

    def snapshot(self) -> list[dict]:
        with self._lock:
            return list(self.violations)


def _coerce(text: str, type_: str | None):
    """A query string value as the JSON type its schema expects (left as text if it is not).
    A list is comma-separated, as the Svix SDKs send ``event_types``."""
    if type_ == "array":
        return text.split(",")
    if type_ == "integer":
        return int(text) if text.lstrip("-").isdigit() else text
    if type_ == "boolean":
        return {"true": True, "false": False}.get(text, text)
    return text


class CheckContract:
    """ASGI layer: validates Svix API exchanges against the contract as they pass.

    ``absent_api``: paths of an API the server does not have (the self-hosted server's missing
    Integration API). Clients ask for it to learn which Svix they talk to, so such a request
    is no violation; the answer must be the router's empty 404 (or 405).
    """

    def __init__(self, app, contract: Contract, absent_api: re.Pattern | None = None):
        self.app = app
        self.contract = contract
        self.absent_api = absent_api

    async def __call__(self, scope, receive, send):
        if not is_api(scope):
            return await self.app(scope, receive, send)
        method, path = scope["method"], scope["path"]
        template, op = self.contract.operation(method, path)
        body, receive = await read_body(receive)
        if op is None and self.absent_api is not None and self.absent_api.match(path):
            return await self._absent(scope, receive, send)
        if op is None:
            self.contract.record(method, path, "request", None,
                                 ["no such operation in the spec"])
            return await self.app(scope, receive, send)
        query = scope.get("query_string", b"").decode("latin-1")
        self.contract.record(method, template, "request", None,
                             self.contract.check_request(method, template, op, body)
                             + self.contract.check_query(method, template, op, query))
        recorder = ResponseRecorder(send)
        await self.app(scope, receive, recorder)
        if recorder.status is not None:  # None: the connection was dropped (fault "reset")
            self.contract.record(
                method, template, "response", recorder.status,
                self.contract.check_response(method, template, op, recorder.status,
                                             recorder.media, recorder.body))

    async def _absent(self, scope, receive, send):
        """Serve a request for the absent API; only serving it, or a 404 with a body, is wrong
        (a 401 or an injected fault is not)."""
        recorder = ResponseRecorder(send)
        await self.app(scope, receive, recorder)
        served = recorder.status is not None and recorder.status < 400
        if served or (recorder.status in (404, 405) and recorder.body):
            self.contract.record(scope["method"], scope["path"], "response", recorder.status,
                                 ["an API this server does not have must answer an empty 404"])
