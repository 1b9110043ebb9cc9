"""Request bodies of the self-hosted svix-server v1.100 (the ``oss`` flavor).

Same names as in ``models`` (Svix Cloud); the bodies both servers read alike are re-exported.
The differences come from the server's OpenAPI document (``openapi/svix-server-openapi.json``)
and from a running server. Fields the server does not know are ignored (``extra="ignore"``), not
rejected; where a handler reads such a field, it is a class constant here (``headers``,
``delete_headers``) so that the handlers need no flavor checks.
"""

from typing import Annotated, Any, ClassVar, Optional

from pydantic import Field, StringConstraints, field_validator

from . import models
from .models import (NAME_PATTERN, AppIn, AppPatch, EndpointHeadersIn,  # noqa: F401 (same)
                     EndpointSecretRotateIn, In, Name, check_headers, check_secret)

__all__ = ["AppIn", "AppPatch", "EndpointHeadersIn", "EndpointSecretRotateIn", "EndpointIn",
           "EndpointUpsertIn", "EndpointPatch", "EndpointHeadersPatchIn", "EventTypeIn",
           "EventTypeUpsertIn", "EventTypePatch"]

# The server's channel pattern has no ':' or '+' (Svix Cloud's has).
Channel = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=NAME_PATTERN)]
# Each schema version is a JSON object (``additionalProperties: {type: object}``).
Schemas = Optional[dict[str, dict[str, Any]]]


# --- endpoints ---------------------------------------------------------------------------

class EndpointUpsertIn(models.EndpointUpsertIn):
    channels: Optional[Annotated[list[Channel], Field(min_length=1, max_length=10)]] = None


class EndpointIn(EndpointUpsertIn):
    """No ``headers``: svix-server ignores them on create (only ``PUT|PATCH …/headers``)."""

    secret: Optional[str] = None
    headers: ClassVar[None] = None

    _secret = field_validator("secret")(check_secret)


class EndpointPatch(models.EndpointPatch):
    channels: Optional[Annotated[list[Channel], Field(max_length=10)]] = None


class EndpointHeadersPatchIn(In):
    """No ``deleteHeaders``: only a null value removes a header."""

    headers: dict[str, Optional[str]]
    delete_headers: ClassVar[tuple] = ()

    _headers = field_validator("headers")(check_headers)


# --- event types: one optional ``featureFlag``, no ``featureFlags`` or ``groupName`` ------

class EventTypeUpsertIn(In):
    description: str
    archived: bool = False
    deprecated: bool = False
    schemas: Schemas = None
    feature_flag: Optional[Name] = None


class EventTypeIn(EventTypeUpsertIn):
    name: Name


class EventTypePatch(In):
    description: str = ""
    archived: bool = False
    deprecated: bool = False
    schemas: Schemas = None
    feature_flag: Optional[Name] = None


# --- messages: at most 5 channels (the server's own pattern), no tags ---------------------

class MessageIn(models.MessageIn):
    channels: Optional[Annotated[list[Channel], Field(min_length=1, max_length=5)]] = None
    tags: ClassVar[None] = None
    payload_retention_period: Optional[Annotated[int, Field(ge=5, le=90)]] = 90
    payload_retention_hours: ClassVar[None] = None


RecoverIn = models.RecoverIn
AppPortalAccessIn = models.AppPortalAccessIn
