"""Helpers shared by the API handlers: body parsing, query parameters, timestamps."""

import json
import re
from datetime import datetime, timezone
from typing import TypeVar

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from pydantic.alias_generators import to_camel

from . import errors
from .models import NAME_PATTERN, In
from .store import Store, UidConflict

M = TypeVar("M", bound=In)

DEFAULT_LIMIT = 50
MAX_LIMIT = 250


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def store(request: Request) -> Store:
    return request.app.state.store


def flavor(request: Request):
    """The Svix this emulator plays (``flavor.Cloud`` or ``flavor.SelfHosted``)."""
    return request.app.state.flavor


def bodies(request: Request):
    """The request body models of this emulator's flavor (``models`` or ``models_oss``)."""
    return request.app.state.flavor.bodies


def _svix_error_type(pydantic_type: str) -> str:
    if pydantic_type == "missing":
        return "value_error.missing"
    return "type_error" if pydantic_type.endswith("_type") else "value_error"


def pydantic_to_svix(err: ValidationError, prefix: str = "body") -> errors.ApiError:
    return errors.validation_error([
        {
            "loc": [prefix, *map(str, item["loc"])],
            "msg": item["msg"].removeprefix("Value error, "),
            "type": _svix_error_type(item["type"]),
        }
        for item in err.errors(include_url=False, include_input=False, include_context=False)
    ])


async def parse_body(request: Request, model: type[M]) -> M:
    raw = await request.body()
    try:
        data = json.loads(raw) if raw.strip() else {}
    except ValueError:
        raise errors.invalid(["body"], "Request body is not valid JSON",
                             "value_error.jsondecode") from None
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise pydantic_to_svix(err) from None


def query_bool(request: Request, name: str, default: bool = False) -> bool:
    value = request.query_params.get(name)
    if value is None:
        return default
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise errors.invalid(["query", name], "value could not be parsed to a boolean",
                         "type_error.bool")


def pagination(request: Request) -> dict:
    """limit (1-250, or 0-250 for oss; default 50), iterator, order (ascending by default) as
    Store.page kwargs."""
    raw_limit = request.query_params.get("limit")
    limit = DEFAULT_LIMIT
    if raw_limit is not None:
        try:
            limit = int(raw_limit)
        except ValueError:
            raise errors.invalid(["query", "limit"], "value is not a valid integer",
                                 "type_error.integer") from None
        lowest = flavor(request).min_limit
        if not lowest <= limit <= MAX_LIMIT:
            raise errors.invalid(["query", "limit"],
                                 f"limit must be between {lowest} and {MAX_LIMIT}", "value_error")
    order = request.query_params.get("order") or "ascending"
    if order not in ("ascending", "descending"):
        raise errors.invalid(["query", "order"], "order must be ascending or descending",
                             "type_error.enum")
    return {"limit": limit, "iterator": request.query_params.get("iterator") or None,
            "descending": order == "descending"}


def list_response(request: Request, page, view) -> JSONResponse:
    return JSONResponse(flavor(request).list_body(page, view))


def no_content() -> Response:
    return Response(status_code=204)


def render(doc: dict) -> dict:
    """The API view of a stored document: private fields start with '_'."""
    return {k: v for k, v in doc.items() if not k.startswith("_")}


def apply_patch(doc: dict, patch) -> None:
    """PATCH: fields present in the body replace (null clears), absent fields stay."""
    for field in patch.model_fields_set:
        doc[to_camel(field)] = getattr(patch, field)
    doc["updatedAt"] = now()


def path_name(name: str, value: str, prefix: str | None = None) -> str:
    """A uid or name taken from the path for an upsert-create; same rules as in a body."""
    valid = 1 <= len(value) <= 256 and re.match(NAME_PATTERN, value)
    if not valid or (prefix and value.startswith(prefix)):
        raise errors.invalid(["path", name], f"{value!r} is not a valid uid or name")
    return value


def save(request: Request, kind: str, doc: dict, parent: str = "", *, status: int = 200,
         id_field: str = "id", view=render) -> JSONResponse:
    """Store ``doc`` (409 if its uid is taken) and answer with its API view."""
    db = store(request)
    if db.uid_taken(kind, doc.get("uid"), parent, except_id=doc[id_field]):
        raise errors.conflict()
    try:
        db.put(kind, doc, parent, id_field=id_field)
    except UidConflict:
        raise errors.conflict() from None
    return JSONResponse(view(doc), status_code=status)
