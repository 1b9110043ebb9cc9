"""The HTTP client: one thread-safe session per provider process, retries, idempotency, errors.

Pulumi runs provider methods on several threads, so the client holds no per-request state: a
``requests.Session`` whose urllib3 connection pool is thread-safe, fixed headers, and urllib3's
``Retry`` for backoff. Every POST carries an ``idempotency-key`` that stays the same across its
retries, so a create that Svix committed before the connection dropped is replayed, not repeated.

The key is random, not derived from the resource: ``create`` does not see the URN, a key made from
the request body would merge two resources declared with identical settings, and Svix keeps keys
for 12 hours, so a deterministic key would replay a since-deleted object after destroy and up.
A create repeated by a later run (after an interrupted deploy) is made safe by uids instead.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from ._version import __version__
from .config import MISSING_TOKEN_HELP, Settings

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
TIMEOUT = (5, 30)  # connect, read (seconds)
# The retry budget: up to RETRIES more attempts, waiting BACKOFF * 2**(n-1) seconds (at most
# BACKOFF_MAX, plus up to BACKOFF of jitter) before the n-th, none before the first retry; about
# 31 s in all. A 429's Retry-After replaces the wait.
RETRIES = 8
BACKOFF = 0.25
BACKOFF_MAX = 8.0


def retry_budget_seconds(retries: int = RETRIES, backoff: float = BACKOFF) -> float:
    """The least time the client spends waiting before it gives up (jitter not counted)."""
    return sum(min(BACKOFF_MAX, backoff * 2 ** (n - 1)) for n in range(2, retries + 1))


class SvixError(Exception):
    """An error the provider reports to the user as a plain message (no Python traceback)."""


class SvixApiError(SvixError):
    """Svix answered with an error status. ``field`` is the Svix JSON field a 422 points at."""

    def __init__(self, method: str, path: str, status: int, code: str, detail: str, field: str | None,
                 *, no_body: bool = False):
        self.method, self.path, self.status = method, path, status
        self.code, self.detail, self.field = code, detail, field
        self.no_body = no_body
        where = f" (field {field})" if field else ""
        super().__init__(f"{method} {path} -> HTTP {status} {code}: {detail}{where}")

    @property
    def no_route(self) -> bool:
        """A 404 with no body: the server has no such route (Svix says which object is missing in
        a JSON body). The self-hosted svix-server answers so for the whole Integration API."""
        return self.status == 404 and self.no_body


def _error_from_response(method: str, path: str, response: requests.Response) -> SvixApiError:
    """Reads Svix's two error shapes: ``{code, detail}`` and ``{detail: [{loc, msg, type}]}``."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, list) and detail:
        first = detail[0] if isinstance(detail[0], dict) else {}
        loc = [str(part) for part in first.get("loc", []) if part != "body"]
        messages = "; ".join(str(d.get("msg", d)) for d in detail if isinstance(d, dict))
        return SvixApiError(method, path, response.status_code, "validation", messages, ".".join(loc) or None)
    code = body.get("code", "error") if isinstance(body, dict) else "error"
    text = detail if isinstance(detail, str) else (response.text[:200] or response.reason or "")
    return SvixApiError(method, path, response.status_code, code, text, None,
                        no_body=not response.content.strip())


class SvixClient:
    def __init__(self, settings: Settings, *, retries: int = RETRIES, backoff: float = BACKOFF):
        self.server_url = settings.server_url
        self._has_token = bool(settings.token)
        self._attempts = retries + 1
        # Set once the server proved unreachable (after the whole retry budget) or rejected the
        # token: every later call of this provider process fails at once with the same message,
        # instead of spending another retry budget or sending the bad token again.
        self._broken: str | None = None
        self._dialect = None  # which Svix this is, once a write needed to know (see dialect.py)
        self._dialect_lock = threading.Lock()
        self.session = requests.Session()
        retry = Retry(
            total=retries,
            backoff_factor=backoff,
            backoff_max=BACKOFF_MAX,
            backoff_jitter=backoff,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=None,  # POSTs too: their idempotency key makes a repeat safe
            respect_retry_after_header=True,
            raise_on_status=False,  # the last error response is turned into a SvixApiError below
        )
        adapter = HTTPAdapter(max_retries=retry, pool_connections=4, pool_maxsize=32)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update(
            {
                "authorization": f"Bearer {settings.token or ''}",
                "user-agent": f"pulumi-svix/{__version__}",
                "accept": "application/json",
            }
        )

    def request(self, method: str, path: str, *, json: Any = None, params: dict | None = None,
                missing_ok: bool = False) -> Any:
        """Sends one API call (with retries); returns the decoded body, or None for 204/missing."""
        if not self._has_token:
            raise SvixError(MISSING_TOKEN_HELP)
        if self._broken:
            raise SvixError(self._broken)
        headers = {"idempotency-key": f"pulumi-svix-{uuid.uuid4()}"} if method == "POST" else None
        url = self.server_url + path
        try:
            response = self.session.request(method, url, json=json, params=params, headers=headers,
                                            timeout=TIMEOUT)
        except requests.exceptions.RetryError as exc:  # retries exhausted on 5xx/429
            raise SvixError(f"{method} {url}: Svix kept failing after {self._attempts} attempts "
                            f"({exc.__class__.__name__})") from None
        except requests.exceptions.RequestException as exc:
            # Only the class name: the exception text can carry request details.
            reason = exc.__class__.__name__
            self._broken = (f"could not reach Svix at {self.server_url} after {self._attempts} attempts "
                            f"({reason}); check svix:serverUrl and your network")
            raise SvixError(f"{self._broken} [{method} {path}]") from None
        if response.status_code == 404 and missing_ok and response.content.strip():
            return None  # the object is missing; a 404 with no body is a missing route (an error)
        if response.status_code == 401:
            self._broken = (f"Svix at {self.server_url} rejected the API token (HTTP 401); "
                            "check `svix:token` / SVIX_AUTH_TOKEN")
            raise SvixError(self._broken)
        if response.status_code >= 400:
            raise _error_from_response(method, path, response)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def dialect(self):
        """Which Svix this server is (Svix Cloud or the self-hosted svix-server): asked of the
        server once per client, and only when a request's form depends on it."""
        from . import dialect

        with self._dialect_lock:
            if self._dialect is None:
                self._dialect = dialect.detect(self)
            return self._dialect

    def get(self, path: str, **kw: Any) -> Any:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.request("POST", path, json=body, **kw)

    def patch(self, path: str, body: Any, **kw: Any) -> Any:
        return self.request("PATCH", path, json=body, **kw)

    def put(self, path: str, body: Any, **kw: Any) -> Any:
        return self.request("PUT", path, json=body, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.request("DELETE", path, missing_ok=True, **kw)

    def list_all(self, path: str, params: dict | None = None) -> list[dict]:
        """Follows Svix's iterator pagination to the end."""
        items: list[dict] = []
        query = dict(params or {}, limit=250)
        while True:
            page = self.get(path, params=query)
            items.extend(page.get("data", []))
            if page.get("done", True) or not page.get("iterator"):
                return items
            query["iterator"] = page["iterator"]


# One client per provider process and settings: the provider object itself must stay free of
# clients and secrets because Pulumi pickles it into every resource's state.
_clients: dict[Settings, SvixClient] = {}
_settings: Settings | None = None
_lock = threading.Lock()


def configure(settings: Settings) -> None:
    global _settings
    with _lock:
        _settings = settings


def client() -> SvixClient:
    with _lock:
        settings = _settings or Settings.resolve()
        if settings not in _clients:
            _clients[settings] = SvixClient(settings)
        return _clients[settings]
