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


def create_all(url: str, token: str, apps: int, parallel: int) -> float:
    """Creates the stack of ``apps`` applications; returns the wall time in seconds."""
    session = requests.Session()
    session.mount("http://", HTTPAdapter(pool_maxsize=parallel))
    session.headers.update({"authorization": f"Bearer {token}", "accept": "application/json"})

    def call(method: str, path: str, body=None) -> dict:
        headers = {"idempotency-key": str(uuid.uuid4())} if method == "POST" else None
        response = session.request(method, url + path, json=body, headers=headers, timeout=30)
        response.raise_for_status()
        return response.json() if response.content else {}

    def event_type(e: int) -> None:
        call("POST", "/api/v1/event-type", {"name": f"bench.event{e}", "description": f"Benchmark event {e}"})

    def application(a: int) -> str:
        return call("POST", "/api/v1/app", {"name": f"Customer {a}", "uid": f"customer-{a}",
                                            "metadata": {"tier": "bench"}})["id"]

    def endpoint(a: int, app_id: str, n: int) -> str:
        base = f"/api/v1/app/{app_id}/endpoint"
        secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()  # sent, so never read back
        call("POST", base, {
            "uid": f"endpoint-{n}", "url": f"https://hooks.example.com/customer-{a}/{n}",
            "description": f"Endpoint {n} of customer {a}", "filterTypes": [f"bench.event{n}", f"bench.event{n + 2}"],
            "channels": ["billing"], "throttleRate": 20, "secret": secret,
            "headers": {"Authorization": f"Bearer token-{a}-{n}", "X-Customer": str(a)}})
        return secret

    def integration(app_id: str) -> str:
        base = f"/api/v1/app/{app_id}/integration"
        created = call("POST", base, {"name": "Zapier"})
        return call("POST", f"{base}/{created['id']}/key/rotate")["key"]

    started = time.perf_counter()
    with ThreadPoolExecutor(parallel) as pool:
        list(pool.map(event_type, range(EVENT_TYPES)))
        app_ids = list(pool.map(application, range(apps)))
        children = [pool.submit(endpoint, a, app_id, n) for a, app_id in enumerate(app_ids) for n in range(2)]
        children += [pool.submit(integration, app_id) for app_id in app_ids]
        for child in children:
            child.result()
    return time.perf_counter() - started
