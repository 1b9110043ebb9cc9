"""The same creates as the benchmark stack, by a plain ``requests`` script: the API's own cost.

It makes the calls pulumi-svix makes to create the stack and get the same information back (the
endpoint's signing secret, the integration's key), in the same dependency order (event types, then
applications, then their endpoints and integrations) with ``parallel`` threads, like the engine's
``--parallel``.
"""

from __future__ import annotations

import base64
import secrets
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests
from requests.adapters import HTTPAdapter

from .shape import EVENT_TYPES


class RawClient:
    """The minimal calls, with ``threads`` at once; remembers what it created for refresh and destroy."""

    def __init__(self, url: str, token: str, apps: int, threads: int):
        self.url, self.apps, self.threads = url, apps, threads
        self.session = requests.Session()
        self.session.mount("http://", HTTPAdapter(pool_maxsize=threads))
        self.session.headers.update({"authorization": f"Bearer {token}", "accept": "application/json"})
        self.app_ids: list[str] = []
        self.children: list[str] = []  # paths of endpoints and integrations

    def call(self, method: str, path: str, body=None) -> dict:
        headers = {"idempotency-key": str(uuid.uuid4())} if method == "POST" else None
        response = self.session.request(method, self.url + path, json=body, headers=headers, timeout=30)
        response.raise_for_status()
        return response.json() if response.content else {}

    def _event_type(self, e: int) -> None:
        self.call("POST", "/api/v1/event-type", {"name": f"bench.event{e}", "description": f"Benchmark event {e}"})

    def _application(self, a: int) -> str:
        return self.call("POST", "/api/v1/app", {"name": f"Customer {a}", "uid": f"customer-{a}",
                                                 "metadata": {"tier": "bench"}})["id"]

    def _endpoint(self, a: int, app_id: str, n: int) -> str:
        base = f"/api/v1/app/{app_id}/endpoint"
        secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()  # sent, so never read back
        created = self.call("POST", base, {
            "uid": f"endpoint-{n}", "url": f"https://hooks.example.com/customer-{a}/{n}",
            "description": f"Endpoint {n} of customer {a}", "filterTypes": [f"bench.event{n}", f"bench.event{n + 2}"],
            "channels": ["billing"], "throttleRate": 20, "secret": secret,
            "headers": {"Authorization": f"Bearer token-{a}-{n}", "X-Customer": str(a)}})
        return f"{base}/{created['id']}"

    def _integration(self, app_id: str) -> str:
        base = f"/api/v1/app/{app_id}/integration"
        created = self.call("POST", base, {"name": "Zapier"})
        self.call("POST", f"{base}/{created['id']}/key/rotate")
        return f"{base}/{created['id']}"

    def create(self) -> float:
        """Event types, then applications, then their endpoints and integrations (the dependency order)."""
        started = time.perf_counter()
        with ThreadPoolExecutor(self.threads) as pool:
            list(pool.map(self._event_type, range(EVENT_TYPES)))
            self.app_ids = list(pool.map(self._application, range(self.apps)))
            children = [pool.submit(self._endpoint, a, app_id, n)
                        for a, app_id in enumerate(self.app_ids) for n in range(2)]
            children += [pool.submit(self._integration, app_id) for app_id in self.app_ids]
            self.children = [child.result() for child in children]
        return time.perf_counter() - started

    def _paths(self) -> list[str]:
        return ([f"/api/v1/event-type/bench.event{e}" for e in range(EVENT_TYPES)]
                + [f"/api/v1/app/{app_id}" for app_id in self.app_ids] + self.children)

    def refresh(self) -> float:
        """One GET per object, all independent."""
        started = time.perf_counter()
        with ThreadPoolExecutor(self.threads) as pool:
            list(pool.map(lambda path: self.call("GET", path), self._paths()))
        return time.perf_counter() - started

    def destroy(self) -> float:
        """Endpoints and integrations, then applications and event types (expunged)."""
        started = time.perf_counter()
        with ThreadPoolExecutor(self.threads) as pool:
            list(pool.map(lambda path: self.call("DELETE", path), self.children))
            parents = [f"/api/v1/app/{app_id}" for app_id in self.app_ids]
            parents += [f"/api/v1/event-type/bench.event{e}?expunge=true" for e in range(EVENT_TYPES)]
            list(pool.map(lambda path: self.call("DELETE", path), parents))
        return time.perf_counter() - started


def create_all(url: str, token: str, apps: int, parallel: int) -> float:
    """Creates the stack of ``apps`` applications; returns the wall time in seconds."""
    return RawClient(url, token, apps, parallel).create()


def life_cycle(url: str, token: str, apps: int, threads: int) -> dict[str, float]:
    """Seconds for create, refresh (one GET per object) and destroy of the stack."""
    client = RawClient(url, token, apps, threads)
    return {"create": client.create(), "refresh": client.refresh(), "destroy": client.destroy()}
