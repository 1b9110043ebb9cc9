"""The two Svixes: Svix Cloud, and the self-hosted svix-server, which speaks a narrower dialect.

What the self-hosted server (v1.100) does differently, and how each difference is met:

- event types have one ``featureFlag`` (a string or null) instead of ``featureFlags``, and no
  ``groupName``: schema.yaml marks these properties ``selfHosted`` (``{api, single}`` or
  ``{unsupported}``), and ``request_body`` restates a body for the server or refuses, before
  anything is sent, what it cannot hold;
- ``headers`` in an endpoint's create body is ignored: the endpoint provider sets them through
  ``PUT …/headers`` instead (``Dialect.headers_on_create``);
- there is no Integration API: its routes answer 404 with no body, which the client reports as a
  missing route (``SvixApiError.no_route``), never as a missing application.

Which Svix it is, is learned from one answer, asked only by a write whose form depends on it and
at most once per provider process: the integration routes of an application that does not exist
answer 404 *with* an error body on Svix Cloud, and 404 with no body where the routes do not exist.
Reading needs no dialect: ``answer_value`` understands both forms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .schema import Property, ResourceSchema

PROBE = "/api/v1/app/pulumi-svix-dialect-probe/integration"


@dataclass(frozen=True)
class Dialect:
    name: str
    self_hosted: bool

    @property
    def headers_on_create(self) -> bool:
        """Whether ``headers`` in an endpoint's create body is honoured."""
        return not self.self_hosted


CLOUD = Dialect("Svix Cloud", self_hosted=False)
SELF_HOSTED = Dialect("the self-hosted svix-server", self_hosted=True)


def detect(api: Any) -> Dialect:
    """One GET on a route only Svix Cloud has (see the module docstring)."""
    from .client import SvixApiError  # requests stays out of a program's start-up

    try:
        api.get(PROBE, missing_ok=True)
    except SvixApiError as error:
        if error.no_route:
            return SELF_HOSTED
        raise
    return CLOUD


def depends_on_dialect(schema: ResourceSchema, body: dict) -> bool:
    """Whether this request body says something only one of the two Svixes understands."""
    return any(p.rules.get("selfHosted") and p.api in body for p in schema.inputs)


def request_body(schema: ResourceSchema, body: dict, dialect: Dialect, server: str) -> dict:
    """A body in Svix Cloud's form, restated for ``dialect``.

    Raises, naming every property the server cannot hold as declared, and the server.
    """
    from .client import SvixError

    if not dialect.self_hosted:
        return body
    out, problems = dict(body), []
    for prop in schema.inputs:
        rule = prop.rules.get("selfHosted")
        if not rule or prop.api not in out:
            continue
        value = out.pop(prop.api)
        if rule.get("unsupported"):
            if value is not None:
                problems.append(f"property {prop.python_name}: {rule['unsupported']}, remove it")
        elif rule.get("single"):
            if value and len(value) > 1:
                problems.append(f"property {prop.python_name}: it holds at most one (`{rule['api']}`), "
                                f"{len(value)} declared: {', '.join(value)}")
            out[rule["api"]] = value[0] if value else None
    if problems:
        raise SvixError(f"{dialect.name} at {server} cannot hold what was declared: {'; '.join(problems)}")
    return out


def answer_value(prop: Property, body: dict) -> Any:
    """A property's value in a Svix answer, in whichever dialect it was said (absent: unset)."""
    if prop.api in body:
        return body[prop.api]
    rule = prop.rules.get("selfHosted") or {}
    if rule.get("single") and body.get(rule["api"]) is not None:
        return [body[rule["api"]]]
    return None
