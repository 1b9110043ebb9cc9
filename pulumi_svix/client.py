"""The HTTP client: one thread-safe session per provider process, retries, idempotency, errors.

Pulumi runs provider methods on several threads, so the client holds no per-request state: a
``requests.Session`` whose urllib3 connection pool is thread-safe, and fixed headers. Retries are
this module's own loop, because each API call has one deadline across all of its attempts and
waits (``CALL_DEADLINE_SECONDS``): urllib3's ``Retry`` bounds each attempt, not the call, and let a
Svix that accepts connections but answers slowly hold one call for 9 read timeouts (~5 minutes).
Every POST carries an ``idempotency-key`` that stays the same across its retries, so a create that
Svix committed before the connection dropped is replayed, not repeated.

The key is random, not derived from the resource: ``create`` does not see the URN, a key made from
the request body would merge two resources declared with identical settings, and Svix keeps keys
for 12 hours, so a deterministic key would replay a since-deleted object after destroy and up.
A create repeated by a later run (after an interrupted deploy) is made safe by uids instead.
"""

from __future__ import annotations

import os
import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from ._version import __version__
from .config import MISSING_TOKEN_HELP, Settings

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Answers that say the server as a whole is down or overloaded (not this request): when one call got
# nothing else for its whole deadline, the calls after it fail at once instead of each spending the same
# ~40 s (a refresh of 60 resources during a Svix outage took 4 minutes).
OUTAGE_STATUSES = frozenset({502, 503, 504})
TIMEOUT = (5, 30)  # connect, read (seconds) of one attempt; never more than what is left of the call
# The retry budget: up to RETRIES more attempts, waiting BACKOFF * 2**(n-1) seconds (at most
# BACKOFF_MAX, plus up to BACKOFF of jitter) before the n-th, none before the first retry; about
# 31 s in all. A 429's Retry-After replaces the wait.
RETRIES = 8
BACKOFF = 0.25
BACKOFF_MAX = 8.0
# One deadline per API call, its attempts and waits included (the README's figure). It leaves room
# for the whole backoff schedule (31.5 s plus jitter) against a server that refuses at once; a
# server that answers too slowly ends the call here ("did not answer within 40 s"), not after 9
# read timeouts. Read at each call, so tests can make it short.
CALL_DEADLINE_SECONDS = 40.0
# Connections kept per Svix server: as many as API calls can be in flight at once (the provider
# host serves up to _servicer.PROVIDER_THREADS calls; an endpoint read sends 3 GETs side by side).
POOL_SIZE = 64
# A failed attempt is retried after these: the connection could not be made or was dropped, or the
# answer did not come in time. (Bad URLs and the like are not retried: they cannot get better.)
_RETRIED_ERRORS = (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                   requests.exceptions.ChunkedEncodingError)


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


def _error_from_response(method: str, path: str, response: requests.Response, note: str = "") -> SvixApiError:
    """Reads Svix's two error shapes: ``{code, detail}`` and ``{detail: [{loc, msg, type}]}``. ``note``
    (how the call was tried) goes after Svix's own detail."""
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
    text = f"{text} ({note})" if note else text
    return SvixApiError(method, path, response.status_code, code, text, None,
                        no_body=not response.content.strip())


def _backoff_seconds(failures: int, backoff: float) -> float:
    """The wait after ``failures`` failed attempts in a row (urllib3's formula): none after the
    first, then ``backoff * 2**(failures-1)`` plus up to ``backoff`` of jitter, at most BACKOFF_MAX."""
    if failures <= 1:
        return 0.0
    return min(BACKOFF_MAX, backoff * 2 ** (failures - 1) + random.random() * backoff)


def _retry_after_seconds(response: requests.Response) -> float | None:
    """A 429's (or 503's) ``Retry-After``, in seconds (a number or an HTTP date), if it has one."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(Retry(0).parse_retry_after(value)))
    except Exception:  # noqa: BLE001 — a malformed header means the usual backoff
        return None


class SvixClient:
    def __init__(self, settings: Settings, *, retries: int = RETRIES, backoff: float = BACKOFF):
        self.server_url = settings.server_url
        self._has_token = bool(settings.token)
        self._attempts = retries + 1
        self._backoff = backoff
        # Set once the server proved unreachable or silent (for a whole call deadline) or rejected the
        # token: every later call of this provider process fails at once with the same message,
        # instead of spending another retry budget or sending the bad token again.
        self._broken: str | None = None
        self._dialect = None  # which Svix this is, once a write needed to know (see dialect.py)
        self._dialect_lock = threading.Lock()
        self.session = _session_for(self.server_url)
        # No retries down there: _send retries every method (POSTs too: their idempotency key makes a
        # repeat safe) within the call's deadline.
        adapter = HTTPAdapter(max_retries=Retry(total=0, read=False, redirect=0, raise_on_status=False),
                              pool_connections=4, pool_maxsize=POOL_SIZE)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self._side_by_side = ThreadPoolExecutor(POOL_SIZE, thread_name_prefix="pulumi-svix-get")
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
        response, attempts = self._send(method, path, json=json, params=params, headers=headers)
        if response.status_code == 404 and missing_ok and response.content.strip():
            return None  # the object is missing; a 404 with no body is a missing route (an error)
        if response.status_code == 401:
            self._broken = (f"Svix at {self.server_url} rejected the API token (HTTP 401); "
                            "check `svix:token` / SVIX_AUTH_TOKEN")
            raise SvixError(self._broken)
        if response.status_code in RETRY_STATUSES:
            raise self._gave_up(method, path, response, attempts)
        if response.status_code >= 400:
            raise _error_from_response(method, path, response)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def _send(self, method: str, path: str, **kwargs: Any) -> tuple[requests.Response, int]:
        """One API call: attempts and waits until an answer that is not retried, or until the call's
        deadline (``CALL_DEADLINE_SECONDS``) or its attempts run out. Returns the answer and the number
        of attempts: a retryable error answer that is the last one is returned (it becomes a
        SvixApiError); no answer at all is a SvixError."""
        deadline = CALL_DEADLINE_SECONDS
        started = time.monotonic()
        ends = started + deadline
        url = self.server_url + path
        attempts = 0
        while True:
            attempts += 1
            left = ends - time.monotonic()
            timeout = (max(0.001, min(TIMEOUT[0], left)), max(0.001, min(TIMEOUT[1], left)))
            failure: Exception | None = None
            try:
                response = self.session.request(method, url, timeout=timeout, **kwargs)
            except _RETRIED_ERRORS as exc:
                failure, response = exc, None
            except requests.exceptions.InvalidJSONError:  # our body (NaN, infinity), not the server
                raise SvixError(f"cannot send {method} {path}: its JSON body holds NaN or an infinite number") \
                    from None
            except requests.exceptions.RequestException as exc:  # a bad URL: retrying cannot help
                self._broken = (f"could not reach Svix at {self.server_url} ({exc.__class__.__name__}); "
                                "check svix:serverUrl")
                raise SvixError(f"{self._broken} [{method} {path}]") from None
            if response is not None and response.status_code not in RETRY_STATUSES:
                return response, attempts
            wait = _backoff_seconds(attempts, self._backoff)
            if response is not None and response.status_code in (429, 503):
                asked = _retry_after_seconds(response)  # Svix says when: that replaces the backoff
                wait = wait if asked is None else asked
            if attempts < self._attempts and time.monotonic() + wait < ends:
                time.sleep(wait)
                continue
            if response is not None:
                return response, attempts  # Svix's last answer, as an error naming its status
            raise self._unreachable(failure, method, path, attempts, deadline)

    def _gave_up(self, method: str, path: str, response: requests.Response, attempts: int) -> SvixError:
        """The error of a call whose every attempt was answered with a retryable status. An outage
        status (502/503/504) also makes the later calls of this process fail at once."""
        asked = _retry_after_seconds(response) if response.status_code in (429, 503) else None
        if asked is not None and asked > CALL_DEADLINE_SECONDS:
            note = f"Svix asked to wait {asked:g} s (Retry-After), longer than this call's {CALL_DEADLINE_SECONDS:g} s"
        else:
            note = f"{attempts} attempts within {CALL_DEADLINE_SECONDS:g} s"
        error = _error_from_response(method, path, response, note)
        if response.status_code in OUTAGE_STATUSES and attempts > 1:
            self._broken = (f"Svix at {self.server_url} answered HTTP {response.status_code} to every attempt of a "
                            f"call for {CALL_DEADLINE_SECONDS:g} s ({attempts} attempts): it is down or overloaded; "
                            "try again later")
        return error

    def _unreachable(self, failure: Exception, method: str, path: str, attempts: int,
                     deadline: float) -> SvixError:
        """The error of a call that got no answer; later calls of this process fail at once with it.
        Only exception class names are used: an exception's text can carry request details."""
        reason = failure.__class__.__name__
        if isinstance(failure, requests.exceptions.Timeout) and \
                not isinstance(failure, requests.exceptions.ConnectTimeout):
            self._broken = (f"Svix at {self.server_url} did not answer within {deadline:g} s "
                            f"({attempts} attempts, the last {reason}); it is overloaded or down: try "
                            "again later, and check svix:serverUrl")
        else:
            self._broken = (f"could not reach Svix at {self.server_url} after {attempts} attempts within "
                            f"{deadline:g} s ({reason}); check svix:serverUrl and your network")
        return SvixError(f"{self._broken} [{method} {path}]")

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

    def get_all(self, paths: list[str], *, missing_ok: bool = False) -> list[Any]:
        """GETs of independent objects sent side by side: one round trip for all of them, not one
        each. Returns the bodies in the order of ``paths``; the first failure (in that order) raises."""
        futures = [self._side_by_side.submit(self.get, path, missing_ok=missing_ok) for path in paths]
        return [future.result() for future in futures]

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.request("POST", path, json=body, **kw)

    def patch(self, path: str, body: Any, **kw: Any) -> Any:
        return self.request("PATCH", path, json=body, **kw)

    def put(self, path: str, body: Any, **kw: Any) -> Any:
        return self.request("PUT", path, json=body, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.request("DELETE", path, missing_ok=True, **kw)

    def list_all(self, path: str, params: dict | None = None, on_page: Any = None) -> list[dict]:
        """Follows Svix's iterator pagination to the end (``on_page(items so far)`` after each page)."""
        items: list[dict] = []
        query = dict(params or {}, limit=250)
        while True:
            page = self.get(path, params=query)
            items.extend(page.get("data", []))
            if on_page is not None:
                on_page(items)
            if page.get("done", True) or not page.get("iterator"):
                return items
            query["iterator"] = page["iterator"]


def _session_for(server_url: str) -> requests.Session:
    """A session whose environment settings are read once, not at every request.

    With ``trust_env`` on (the default), ``requests`` reads the proxy variables, scans ``no_proxy``,
    looks for a ``~/.netrc`` (whose credentials would replace our bearer token) and for a CA bundle
    variable on every single request. The same settings are resolved here once for the Svix URL:
    ``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY`` and ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` are
    honoured as before; ``.netrc`` is not (the token is the only credential we send)."""
    session = requests.Session()
    session.trust_env = False
    proxies = requests.utils.get_environ_proxies(server_url)  # {} when NO_PROXY covers the URL
    session.proxies = {scheme: proxy for scheme, proxy in proxies.items() if scheme != "no"}
    session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    return session


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
