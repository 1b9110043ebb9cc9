"""Where the provider finds its Svix token and server URL.

Stack config (`svix:token`, `svix:serverUrl`) wins over the environment (`SVIX_AUTH_TOKEN` or
`SVIX_TOKEN`, `SVIX_SERVER_URL`). Without a server URL the region is taken from the token's suffix,
as the official Svix SDKs do.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

REGION_URLS = {
    "us": "https://api.us.svix.com",
    "eu": "https://api.eu.svix.com",
    "in": "https://api.in.svix.com",
    "ca": "https://api.ca.svix.com",
    "au": "https://api.au.svix.com",
}
DEFAULT_SERVER_URL = "https://api.svix.com"
MISSING_TOKEN_HELP = (
    "no Svix API token is configured. Run `pulumi config set --secret svix:token <your-svix-token>` "
    "(or set the SVIX_AUTH_TOKEN environment variable)"
)


def server_url_for_token(token: str | None) -> str:
    """``testsk_abc.eu`` -> the EU API; tokens without a known region suffix use api.svix.com."""
    region = token.rsplit(".", 1)[-1] if token and "." in token else ""
    return REGION_URLS.get(region, DEFAULT_SERVER_URL)


@dataclass(frozen=True)
class Settings:
    server_url: str
    # repr=False: settings end up in error messages and debug logs, the token must not.
    token: str | None = field(default=None, repr=False)

    @classmethod
    def resolve(cls, config_get=lambda key: None, env=os.environ) -> "Settings":
        """Settings from stack config (a ``get(key)`` callable) with environment fallbacks."""
        token = config_get("svix:token") or env.get("SVIX_AUTH_TOKEN") or env.get("SVIX_TOKEN") or None
        url = config_get("svix:serverUrl") or env.get("SVIX_SERVER_URL") or server_url_for_token(token)
        return cls(server_url=str(url).rstrip("/"), token=token)
