"""The schema the plugin serves (``GetSchema``): schema.yaml, as JSON.

schema.yaml declares the provider's configuration under ``config.variables``; the explicit provider
resource (``pulumi:providers:svix``) takes the same settings as its inputs, so its ``provider`` block
is derived from them here rather than written down twice.
"""

from __future__ import annotations

import copy
import functools
import json

from ..schema import raw_schema


@functools.lru_cache(maxsize=None)
def schema_json() -> str:
    schema = copy.deepcopy(raw_schema())
    variables = schema.get("config", {}).get("variables", {})
    schema.setdefault("provider", {
        "description": "The provider type for the svix package: one Svix environment (token and server URL).",
        "inputProperties": variables,
        "properties": {name: spec for name, spec in variables.items()},
    })
    return json.dumps(schema)
