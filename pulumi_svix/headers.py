"""Svix's rules for endpoint headers, shared by the provider's checks and the emulator.

Svix refuses header names that would interfere with delivery or that its infrastructure sets
itself, and redacts "sensitive" header values when they are read back.
"""

from __future__ import annotations

import re

# RFC 9110 token characters: anything else is not a header name at all.
HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")

# svix-server's lists (core/types) plus names Svix's delivery sets itself. The emulator enforces the
# same sets, so preview rejects exactly what the emulator would.
FORBIDDEN_NAMES = frozenset({
    "user-agent", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
    "transfer-encoding", "upgrade", "age", "cache-control", "clear-site-data", "expires",
    "pragma", "warning", "content-length", "content-type", "content-encoding",
    "content-language", "content-location",
    "host", "connection", "trailer", "expect", "x-real-ip",
    "svix-id", "svix-timestamp", "svix-signature", "webhook-id", "webhook-timestamp", "webhook-signature",
})
FORBIDDEN_PREFIXES = (
    "x-amz-", "x-amzn-", "x-google", "x-goog-", "x-gfe", "x-azure-", "x-fd-", "x-arr-",
    "x-ms-", "x-forwarded-", "x-svix-", "svix-", "webhook-",
)
# Values of these are never returned by Svix; their names are listed in ``sensitive``.
SENSITIVE_NAMES = frozenset({
    "authorization", "www-authenticate", "x-auth-token", "x-api-key", "api-key", "x-api-token",
    "cookie",
})
# What pulumi-svix records for a sensitive header whose value it never learned (one added outside Pulumi,
# or brought in by ``pulumi import``): Svix shows only the name.
REDACTED = "<redacted by Svix>"


def header_name_problem(name: str) -> str | None:
    """Why Svix would refuse this header name, or None if it is acceptable."""
    if not HEADER_NAME.match(name):
        return f"{name!r} is not a valid HTTP header name"
    lowered = name.lower()
    if lowered in FORBIDDEN_NAMES:
        return f"{name!r} is set by Svix itself and cannot be overridden"
    prefix = next((p for p in FORBIDDEN_PREFIXES if lowered.startswith(p)), None)
    if prefix:
        return f"{name!r} starts with the reserved prefix {prefix!r}"
    return None


MAX_VALUE_BYTES = 4096


def header_value_problem(name: str, value: str) -> str | None:
    """Why Svix would refuse this header's value, or None. Never quotes the value: it may be secret."""
    if any((ord(c) < 32 and c != "\t") or ord(c) == 127 for c in value):
        return f"the value of {name!r} contains a control character (such as a line break)"
    if len(value.encode()) > MAX_VALUE_BYTES:
        return f"the value of {name!r} is longer than {MAX_VALUE_BYTES} bytes"
    return None


def placeholder_problem(name: str, value: str) -> str | None:
    """Why a declared header value may not be sent: it is the placeholder, not a value. Sent, it would replace
    the real value in Svix (a provider-side rule: Svix itself would accept the string)."""
    if value == REDACTED:
        return (f"the value of {name!r} is the placeholder {REDACTED!r} (Svix never shows a sensitive header's "
                "value, so `pulumi import` records this); declare the real value, e.g. from a secret config "
                "value: sent as it is, the placeholder would replace the real value in Svix")
    return None


def is_sensitive(name: str) -> bool:
    return name.lower() in SENSITIVE_NAMES
