"""Svix's size measures, shared by the provider's preview checks and the emulator: one measure, one place.

svix-server checks metadata with ``serde_json::to_string(&metadata).len() <= 4096``
(``core/types/metadata.rs``): the length in bytes of compact JSON (no spaces after ``,`` and ``:``),
non-ASCII characters as their UTF-8 bytes, not as ``\\u`` escapes. Python's ``json.dumps`` defaults
differ on both counts (``", "``, ``": "`` and ``ensure_ascii``), which made a 200-key map of 4,001
bytes pass preview and then fail ``up`` against a server measuring 4,400.
"""

from __future__ import annotations

import json
from typing import Any


def json_bytes(value: Any) -> int:
    """The size of ``value`` as svix-server measures it (compact JSON, UTF-8 bytes)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return len(text.encode("utf-8", "surrogatepass"))
