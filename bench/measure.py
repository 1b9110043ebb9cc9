"""Figures that need no engine run of their own: import time, and sizes read from a stack's state."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

from scripts.engine_env import VENV_PYTHON

# Runs in a fresh interpreter: how long `import pulumi` takes, then what `import pulumi_svix` adds
# (paid by every program run), then what the provider process loads on its first call on top of that.
IMPORT_PROBE = """\
import time
t0 = time.perf_counter()
import pulumi, pulumi.dynamic
t1 = time.perf_counter()
import pulumi_svix
t2 = time.perf_counter()
import pulumi_svix.client, pulumi_svix.validation, pulumi_svix.resources._engine
from pulumi_svix.schema import resource_schema
for kind in ("Application", "Endpoint", "EventType", "Integration"):
    resource_schema(kind)
t3 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2)
"""


def import_times(runs: int) -> dict:
    """Medians over ``runs`` fresh interpreters (the first, cold-cache run is discarded)."""
    samples = []
    for _ in range(runs + 1):
        out = subprocess.run([str(VENV_PYTHON), "-c", IMPORT_PROBE], capture_output=True, text=True, check=True)
        samples.append([float(x) for x in out.stdout.split()])
    samples = samples[1:]
    pulumi_s, svix_s, provider_s = (statistics.median(column) for column in zip(*samples))
    return {"runs": runs, "import_pulumi_s": pulumi_s, "import_pulumi_svix_adds_s": svix_s,
            "provider_first_call_imports_s": provider_s,
            "samples_pulumi_svix_adds_s": [s[1] for s in samples]}


def _is_benchmarked(resource: dict) -> bool:
    return resource.get("type", "").startswith(("pulumi-python:dynamic", "svix:index:"))


def state_sizes(deployment_export: dict) -> dict:
    """``__provider`` bytes and whole-state bytes per resource, from ``pulumi stack export``.

    The state size is the compact JSON of the deployment (secrets encrypted as stored) divided by the
    number of benchmarked resources; it includes the stack and default-provider entries, spread out.
    """
    deployment = deployment_export["deployment"]
    resources = [r for r in deployment.get("resources", []) if _is_benchmarked(r)]
    if not resources:
        raise ValueError("no dynamic resources in the exported state")

    def provider_bytes(resource: dict) -> int:
        value = resource.get("inputs", {}).get("__provider", "")
        return len(value if isinstance(value, str) else json.dumps(value, separators=(",", ":")))

    sizes = [provider_bytes(r) for r in resources]
    compact = len(json.dumps(deployment, separators=(",", ":")).encode())
    return {"resources": len(resources), "provider_bytes_per_resource": statistics.mean(sizes),
            "provider_bytes_max": max(sizes), "state_bytes_per_resource": compact / len(resources),
            "provider_is_secret": any(not isinstance(r.get("inputs", {}).get("__provider", ""), str)
                                      for r in resources)}


def state_breakdown(deployment_export: dict) -> dict:
    """What a resource's entry in the state holds, in compact-JSON bytes per resource (means): its
    inputs, its outputs, the ``__provider`` reference, and the rest (URN, type, parent, dependencies,
    property dependencies, ...). The file backend rewrites all of it at every checkpoint."""
    deployment = deployment_export["deployment"]
    resources = [r for r in deployment.get("resources", []) if _is_benchmarked(r)]
    if not resources:
        raise ValueError("no dynamic resources in the exported state")

    def size(value) -> int:
        return len(json.dumps(value, separators=(",", ":")).encode())

    def provider(resource: dict) -> int:
        return size(resource.get("inputs", {}).get("__provider", ""))

    n = len(resources)
    entry = sum(size(r) for r in resources) / n
    inputs = sum(size(r.get("inputs", {})) - provider(r) for r in resources) / n
    outputs = sum(size(r.get("outputs", {})) - size(r.get("outputs", {}).get("__provider", "")) for r in resources) / n
    providers = sum(provider(r) + size(r.get("outputs", {}).get("__provider", "")) for r in resources) / n
    return {**state_sizes(deployment_export), "entry_bytes": entry, "inputs_bytes": inputs,
            "outputs_bytes": outputs, "provider_ref_bytes": providers,
            "other_bytes": entry - inputs - outputs - providers}


def python_version() -> str:
    return sys.version.split()[0]
