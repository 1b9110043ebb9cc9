"""Request bodies the emulator accepts, with Svix's validation rules.

Pydantic in strict mode, like Svix's serde (a string is not an int). Field names are the
spec's camelCase, plus the legacy aliases older clients send (``filterTypes`` for
``eventTypes``, ``rateLimit`` for ``throttleRate``). ``model_fields_set`` tells PATCH
"omitted" (keep) from ``null`` (clear). Rules that are not in the JSON schema come from the
svix-server source: uids may not start with the id prefix, metadata is at most 4096 bytes as compact
JSON (``limits.json_bytes``), endpoint URLs are http(s), header names/prefixes are restricted,
secrets decode to 24-75 bytes.
"""

import base64
import re
from datetime import datetime
from typing import Annotated, Any, Optional
from urllib.parse import urlsplit

from pydantic import (AliasChoices, AliasGenerator, BaseModel, ConfigDict, Field,
                      StringConstraints, field_validator)
from pydantic.alias_generators import to_camel

from ..headers import FORBIDDEN_NAMES as FORBIDDEN_HEADERS  # one list for provider and emulator
from ..headers import FORBIDDEN_PREFIXES as FORBIDDEN_HEADER_PREFIXES
from ..headers import HEADER_NAME, header_value_problem
from ..limits import json_bytes  # svix-server's measure, the same one the provider's preview uses

NAME_PATTERN = r"^[a-zA-Z0-9\-_.]+$"
Uid = Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=NAME_PATTERN)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=NAME_PATTERN)]
Channel = Annotated[str, StringConstraints(min_length=1, max_length=128,
                                           pattern=r"^[a-zA-Z0-9\-_.:+]+$")]
Rate = Annotated[int, Field(ge=1, le=65535)]
PatchRate = Annotated[int, Field(ge=0, le=65535)]
Url = Annotated[str, StringConstraints(min_length=1, max_length=65536)]

METADATA_MAX_BYTES = 4096
_SECRET = re.compile(r"^(whsec_)?([a-zA-Z0-9+/=]{32,100})$")


class In(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore",
                              alias_generator=AliasGenerator(validation_alias=to_camel))


def _unique(items):
    """Svix keeps these lists as sets: duplicates collapse, first occurrence wins."""
    return None if items is None else list(dict.fromkeys(items))


def check_uid(uid: str | None, prefix: str) -> str | None:
    if uid is not None and uid.startswith(prefix):
        raise ValueError("Uids are not allowed to have the same prefix as the ID. Prefix with _?")
    return uid


def check_metadata(metadata: dict[str, str] | None) -> dict[str, str] | None:
    if metadata is not None and json_bytes(metadata) > METADATA_MAX_BYTES:
        raise ValueError(f"Metadata must be at most {METADATA_MAX_BYTES} bytes serialized")
    return metadata


def check_url(url: str) -> str:
    try:
        parts = urlsplit(url)
        parts.port  # raises on a malformed port
    except ValueError:
        raise ValueError("Endpoint URLs must be valid") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("Endpoint URL schemes must be http or https")
    return url


def check_header_name(name: str) -> str:
    lowered = name.lower()
    if not HEADER_NAME.match(name):
        raise ValueError(f"Invalid header name: {name!r}")
    if lowered in FORBIDDEN_HEADERS:
        raise ValueError(f"Header uses a forbidden key: {name!r}")
    if lowered.startswith(FORBIDDEN_HEADER_PREFIXES):
        raise ValueError(f"Header starts with a forbidden prefix: {name!r}")
    return name


def check_headers(headers: dict[str, str | None] | None) -> dict | None:
    for name, value in (headers or {}).items():
        check_header_name(name)
        problem = value is not None and header_value_problem(name, value)
        if problem:
            raise ValueError(f"Invalid header value: {problem}")
    return headers


def check_secret(secret: str | None) -> str | None:
    if secret is None:
        return None
    match = _SECRET.match(secret)
    if not match:
        raise ValueError("Secret must be whsec_ followed by base64 (the emulator supports only "
                         "symmetric whsec_ secrets)")
    try:
        raw = base64.b64decode(match.group(2), validate=True)
    except ValueError:
        raise ValueError("Secret is not valid base64") from None
    if not 24 <= len(raw) <= 75:
        raise ValueError("secret length invalid: must decode to 24-75 bytes")
    return "whsec_" + match.group(2)


# --- applications ----------------------------------------------------------------------

class AppIn(In):
    name: Annotated[str, StringConstraints(min_length=1)]
    throttle_rate: Optional[Rate] = Field(
        None, validation_alias=AliasChoices("throttleRate", "rateLimit"))
    uid: Optional[Uid] = None
    metadata: dict[str, str] = {}

    _uid = field_validator("uid")(lambda v: check_uid(v, "app_"))
    _metadata = field_validator("metadata")(check_metadata)


class AppPatch(In):
    name: str = ""
    throttle_rate: Optional[PatchRate] = Field(
        None, validation_alias=AliasChoices("throttleRate", "rateLimit"))
    uid: Optional[Uid] = None
    metadata: dict[str, str] = {}

    _uid = field_validator("uid")(lambda v: check_uid(v, "app_"))
    _metadata = field_validator("metadata")(check_metadata)


# --- endpoints ---------------------------------------------------------------------------

EventTypesField = Field(None, validation_alias=AliasChoices("eventTypes", "filterTypes"))


class EndpointUpsertIn(In):
    url: Url
    description: str = ""
    throttle_rate: Optional[Rate] = Field(
        None, validation_alias=AliasChoices("throttleRate", "rateLimit"))
    uid: Optional[Uid] = None
    disabled: bool = False
    event_types: Optional[Annotated[list[Name], Field(min_length=1)]] = EventTypesField
    channels: Optional[Annotated[list[Channel], Field(min_length=1, max_length=10)]] = None
    metadata: dict[str, str] = {}
    version: Optional[Annotated[int, Field(ge=1)]] = None  # legacy, accepted and ignored

    _url = field_validator("url")(check_url)
    _uid = field_validator("uid")(lambda v: check_uid(v, "ep_"))
    _metadata = field_validator("metadata")(check_metadata)
    _sets = field_validator("event_types", "channels")(_unique)


class EndpointIn(EndpointUpsertIn):
    secret: Optional[str] = None
    headers: Optional[dict[str, str]] = None

    _secret = field_validator("secret")(check_secret)
    _headers = field_validator("headers")(check_headers)


class EndpointPatch(In):
    url: Url = ""
    description: str = ""
    throttle_rate: Optional[PatchRate] = Field(
        None, validation_alias=AliasChoices("throttleRate", "rateLimit"))
    uid: Optional[Uid] = None
    disabled: bool = False
    event_types: Optional[list[Name]] = EventTypesField
    channels: Optional[Annotated[list[Channel], Field(max_length=10)]] = None
    metadata: dict[str, str] = {}

    _url = field_validator("url")(check_url)
    _uid = field_validator("uid")(lambda v: check_uid(v, "ep_"))
    _metadata = field_validator("metadata")(check_metadata)
    _sets = field_validator("event_types", "channels")(_unique)


class EndpointHeadersIn(In):
    headers: dict[str, str]

    _headers = field_validator("headers")(check_headers)


class EndpointHeadersPatchIn(In):
    headers: dict[str, Optional[str]]
    delete_headers: list[str] = []

    _headers = field_validator("headers")(check_headers)


class EndpointSecretRotateIn(In):
    key: Optional[str] = None
    grace_period_seconds: Optional[Annotated[int, Field(ge=0, le=604800)]] = None

    _key = field_validator("key")(check_secret)


# --- event types -------------------------------------------------------------------------

FlagList = Annotated[list[Name], Field(min_length=1)]


class EventTypeUpsertIn(In):
    description: str
    archived: bool = False
    deprecated: bool = False
    schemas: Optional[dict[str, Any]] = None
    group_name: Optional[Name] = None
    feature_flags: Optional[FlagList] = None

    _sets = field_validator("feature_flags")(_unique)


class EventTypeIn(EventTypeUpsertIn):
    name: Name


class EventTypePatch(In):
    description: str = ""
    archived: bool = False
    deprecated: bool = False
    schemas: Optional[dict[str, Any]] = None
    group_name: Optional[Name] = None
    feature_flags: Optional[FlagList] = None

    _sets = field_validator("feature_flags")(_unique)


# --- integrations ------------------------------------------------------------------------

class IntegrationIn(In):
    name: str
    feature_flags: Annotated[list[Name], Field(min_length=1, max_length=25)] = []

    _sets = field_validator("feature_flags")(_unique)


IntegrationUpdate = IntegrationIn


# --- messages ----------------------------------------------------------------------------

Tag = Annotated[str, StringConstraints(min_length=1, max_length=128,
                                       pattern=r"^[a-zA-Z0-9\-_./\\#]+$")]


def check_payload_is_object(payload: Any) -> Any:
    """svix-server's ``validate_raw_payload_is_object``: the payload must be a JSON object."""
    if not isinstance(payload, dict):
        raise ValueError("Payload must be an object.")
    return payload


class MessageIn(In):
    event_id: Optional[Uid] = None
    event_type: Name
    payload: Any = Field(validation_alias=AliasChoices("payload", "data"))
    channels: Optional[Annotated[list[Channel], Field(min_length=1, max_length=10)]] = None
    application: Optional[AppIn] = None
    tags: Optional[Annotated[list[Tag], Field(max_length=5)]] = None
    payload_retention_period: Optional[Annotated[int, Field(ge=1, le=90)]] = 90
    payload_retention_hours: Optional[Annotated[int, Field(ge=1, le=2160)]] = None

    _payload = field_validator("payload")(check_payload_is_object)
    _channels = field_validator("channels")(_unique)
    _tags = field_validator("tags", check_fields=False)(_unique)  # oss: no tags


class MessagePrecheckIn(In):
    event_type: Name
    channels: Optional[Annotated[list[Channel], Field(min_length=1, max_length=10)]] = None


class RecoverIn(In):
    """Also ReplayIn. Timestamps are RFC 3339 text in JSON, so this model is not strict."""

    model_config = ConfigDict(strict=False, extra="ignore",
                              alias_generator=AliasGenerator(validation_alias=to_camel))
    since: datetime
    until: Optional[datetime] = None

    _aware = field_validator("since", "until")(lambda v: check_aware(v))


ReplayIn = RecoverIn


def check_aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("timestamps need a time zone (e.g. 2026-01-01T00:00:00Z)")
    return value


class AppPortalAccessIn(In):
    application: Optional[AppIn] = None
    feature_flags: Optional[list[Name]] = None
    expiry: Optional[Annotated[int, Field(ge=3600, le=604800)]] = None
    session_id: Optional[str] = None
    read_only: Optional[bool] = None
    capabilities: Optional[list[str]] = None


class ApplicationTokenExpireIn(In):
    expiry: Optional[Annotated[int, Field(ge=0, le=259200)]] = None
    session_ids: list[str] = []
