"""Webhook signatures, as Svix signs them (svix-server ``worker::sign_msg``).

The signed content is ``{msg_id}.{timestamp}.{body}``; the key is the base64-decoded part of
the endpoint secret after ``whsec_``; the signature is HMAC-SHA256, sent as ``v1,<base64>``.
During a rotation's grace period every valid key signs, and the signatures are joined by a
space, so a receiver holding either the old or the new secret accepts the message.
"""

import base64
import hashlib
import hmac

SECRET_PREFIX = "whsec_"


def key_bytes(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(secrets: list[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``svix-signature`` header: one signature per valid secret, newest first."""
    return " ".join(signature(secret, msg_id, timestamp, body) for secret in secrets)


def valid_secrets(endpoint: dict, now: float) -> list[str]:
    """The endpoint's current secret, then the previous ones still in their grace period
    (``api_endpoints.rotate_secret`` keeps them in ``_oldKeys`` with an ``expiresAt``)."""
    old = [item["key"] for item in endpoint.get("_oldKeys", ()) if item["expiresAt"] > now]
    return [endpoint["_secret"], *old]
