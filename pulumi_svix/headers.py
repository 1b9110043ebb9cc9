"""Svix's rules for endpoint headers, shared by the provider's checks and the emulator.

Svix refuses header names that would interfere with delivery or that its infrastructure sets
itself, and redacts "sensitive" header values when they are read back.
"""

from __future__ import annotations

import re

# RFC 9110 token characters: anything else is not a header name at all.
HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")

FORBIDDEN_NAMES = frozenset({
    "host", "user-agent", "content-length", "content-type", "content-encoding",
    "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer", "expect",
    "x-real-ip", "svix-id", "svix-timestamp", "svix-signature",
    "webhook-id", "webhook-timestamp", "webhook-signature",
})
FORBIDDEN_PREFIXES = (
    "x-amz-", "x-amzn-", "x-google", "x-goog-", "x-gfe", "x-azure-", "x-fd-", "x-arr-",
    "x-ms-", "x-forwarded-", "svix-", "webhook-",
)
SENSITIVE_NAMES = frozenset({
    "authorization", "proxy-authorization", "www-authenticate", "proxy-authenticate",
    "x-auth-token", "x-api-key",
})


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


def is_sensitive(name: str) -> bool:
    return name.lower() in SENSITIVE_NAMES
