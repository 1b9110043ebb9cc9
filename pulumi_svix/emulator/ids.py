"""Svix-shaped identifiers and secrets.

Ids are a prefix plus 27 base62 characters of a KSUID with millisecond precision
(4 bytes of seconds since the KSUID epoch, 1 byte of 4 ms ticks, 15 random bytes), like
Svix's ``KsuidMs``. They sort by creation time; within one process they are strictly
increasing, which keeps pagination stable when many objects are created in one ms.
"""

import base64
import secrets
import threading
import time

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_KSUID_EPOCH = 1_400_000_000
_KSUID_LEN = 27

_lock = threading.Lock()
_last = 0


def _base62(value: int, width: int) -> str:
    chars = []
    while value:
        value, digit = divmod(value, 62)
        chars.append(_ALPHABET[digit])
    return "".join(reversed(chars)).rjust(width, "0")


def ksuid() -> str:
    global _last
    now = time.time()
    seconds = int(now) - _KSUID_EPOCH
    ticks = int((now % 1) * 1000) // 4
    value = (seconds << 128) | (ticks << 120) | int.from_bytes(secrets.token_bytes(15), "big")
    with _lock:
        value = max(value, _last + 1)
        _last = value
    return _base62(value, _KSUID_LEN)


def new_id(prefix: str) -> str:
    return prefix + ksuid()


def new_endpoint_secret() -> str:
    """``whsec_`` + base64 of 24 random bytes, as Svix generates them."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def new_integration_key() -> str:
    return "integsk_" + "".join(secrets.choice(_ALPHABET) for _ in range(32))


APP_PREFIX = "app_"
ENDPOINT_PREFIX = "ep_"
INTEGRATION_PREFIX = "integ_"
MESSAGE_PREFIX = "msg_"
ATTEMPT_PREFIX = "atmpt_"
TASK_PREFIX = "qtask_"  # background tasks (recover, replay)
