"""The export round trip at size (issue 13): an environment of N objects made through the raw API on the
emulator, `pulumi-svix export`, then the first `pulumi up` of the exported program (which adopts every
object and must write nothing), then `pulumi preview --expect-no-changes`. Prints the timings and writes
them to bench/results/export.json and export.md.

    .venv/bin/python -m bench.export_round_trip                  # 10 event types, 20 apps x 49 endpoints
    .venv/bin/python -m bench.export_round_trip --apps 2 --endpoints 4
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from pulumi_svix.emulator.runner import Emulator
from scripts.engine_env import engine_env

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
WRITES = ("POST ", "PUT ", "PATCH ", "DELETE ")


def populate(url: str, token: str, event_types: int, apps: int, endpoints: int) -> int:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"

    def post(path: str, body: dict) -> dict:
        response = session.post(url + path, json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    names = [f"bench.type{i}" for i in range(event_types)]
    for name in names:
        post("/api/v1/event-type", {"name": name, "description": name, "schemas": {"1": {"type": "object"}}})

    def one_app(a: int) -> None:
        app = post("/api/v1/app", {"name": f"App {a}", "uid": f"app-{a}", "metadata": {"n": str(a)}})
        for e in range(endpoints):
            body = {"url": f"https://hooks.example.com/{a}/{e}", "filterTypes": names[e % 3:e % 3 + 2],
                    "channels": ["c"]}
            if e % 2:
                body["uid"] = f"ep-{e}"
            post(f"/api/v1/app/{app['id']}/endpoint", body)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(one_app, range(apps)))
    return event_types + apps + apps * endpoints


def direct_program(exported: Path, folder: Path) -> None:
    """The exported program with the same resources written out in Python (no svix.yaml): the baseline a
    load_config preview is compared with."""
    from pulumi_svix.declarative import check

    checked = check(str(exported / "svix.yaml"), lambda ref: None)
    lines = ["import pulumi_svix as svix", "", "types = {}"]
    for name, args in checked["eventTypes"].items():
        lines.append(f"types[{name!r}] = svix.EventType({name!r}, name={name!r}, **{args!r})")
    for key, (args, endpoints, integrations) in checked["applications"].items():
        lines.append(f"app = svix.Application({key!r}, **{args!r})")
        for ep_key, ep in endpoints.items():
            types = ep.pop("event_types", None)
            ref = f", event_types=[types[n].name for n in {types!r}]" if types else ""
            lines.append(f"svix.Endpoint({key + '/' + ep_key!r}, app_id=app.id{ref}, **{ep!r})")
        for in_key, integ in integrations.items():
            lines.append(f"svix.Integration({key + '/' + in_key!r}, app_id=app.id, **{integ!r})")
    folder.mkdir()
    (folder / "__main__.py").write_text("\n".join(lines) + "\n")
    (folder / "Pulumi.yaml").write_text((exported / "Pulumi.yaml").read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--event-types", type=int, default=10)
    parser.add_argument("--apps", type=int, default=20)
    parser.add_argument("--endpoints", type=int, default=49, help="endpoints per application")
    parser.add_argument("--no-write", action="store_true", help="do not write bench/results")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pulumi-svix-export-bench-") as tmp, \
            Emulator(log_path=Path(tmp) / "emulator.log") as emulator:
        objects = populate(emulator.url, emulator.token, args.event_types, args.apps, args.endpoints)
        out = Path(tmp) / "exported"
        env = {**os.environ, "SVIX_AUTH_TOKEN": emulator.token}
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "pulumi_svix.cli", "export", "--out", str(out), "--server-url",
                        emulator.url, "--virtualenv", str(REPO / ".venv")], env=env, check=True, cwd=REPO)
        export_seconds = time.monotonic() - started

        pulumi_env = {**engine_env(Path(tmp) / "state"), "PULUMI_CONFIG_PASSPHRASE": "bench"}
        pulumi_env = {**os.environ, **pulumi_env}

        def pulumi(*argv: str) -> float:
            began = time.monotonic()
            subprocess.run(["pulumi", *argv], cwd=out, env=pulumi_env, check=True, stdout=subprocess.DEVNULL)
            return time.monotonic() - began

        pulumi("stack", "init", "bench")
        pulumi("config", "set", "svix:serverUrl", emulator.url)
        subprocess.run(["pulumi", "config", "set", "--secret", "svix:token"], input=emulator.token, text=True,
                       cwd=out, env=pulumi_env, check=True, stdout=subprocess.DEVNULL)
        stats = lambda: requests.get(emulator.url + "/_emulator/stats", timeout=30,  # noqa: E731
                                     headers={"Authorization": f"Bearer {emulator.token}"}).json()["requests"]
        writes_before = {k: v for k, v in stats().items() if k.startswith(WRITES)}
        up_seconds = pulumi("up", "--yes", "--skip-preview")
        writes_after = {k: v for k, v in stats().items() if k.startswith(WRITES)}
        preview_seconds = pulumi("preview", "--expect-no-changes")

        # The cost of svix.yaml itself: a first preview (every resource a create, no API call) of the
        # exported program, and of the same resources written in Python, each on a stack of its own.
        direct = Path(tmp) / "direct"
        direct_program(out, direct)
        first_previews = {}
        for label, folder in (("load_config", out), ("python", direct)):
            env_for = {**pulumi_env, **engine_env(Path(tmp) / f"state-{label}"),
                       "PULUMI_CONFIG_PASSPHRASE": "bench"}
            run = lambda *argv: subprocess.run(["pulumi", *argv], cwd=folder, env=env_for,  # noqa: E731
                                               check=True, stdout=subprocess.DEVNULL)
            run("stack", "init", f"first-{label}")
            run("config", "set", "svix:serverUrl", emulator.url)
            began = time.monotonic()
            run("preview")
            first_previews[label] = round(time.monotonic() - began, 1)
    result = {"objects": objects, "event_types": args.event_types, "applications": args.apps,
              "endpoints": args.apps * args.endpoints, "export_seconds": round(export_seconds, 1),
              "first_up_seconds": round(up_seconds, 1), "no_change_preview_seconds": round(preview_seconds, 1),
              "writes_during_up": sum(writes_after.values()) - sum(writes_before.values()),
              "first_preview_seconds_load_config": first_previews["load_config"],
              "first_preview_seconds_same_resources_in_python": first_previews["python"],
              "cpu_count": os.cpu_count(), "python": platform.python_version()}
    print(json.dumps(result, indent=2))
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "export.json").write_text(json.dumps(result, indent=2) + "\n")
        (RESULTS / "export.md").write_text(
            "# Export round trip (`python -m bench.export_round_trip`)\n\n"
            f"{objects} objects on the emulator ({args.event_types} event types, {args.apps} applications, "
            f"{args.apps * args.endpoints} endpoints; half the endpoints without uid), {os.cpu_count()} cores "
            "(shared with other work while measured).\n\n"
            "| `pulumi-svix export` | first `pulumi up` (adopts all) | `preview --expect-no-changes` | "
            "writes to Svix during the up |\n|---|---|---|---|\n"
            f"| {result['export_seconds']} s | {result['first_up_seconds']} s | "
            f"{result['no_change_preview_seconds']} s | {result['writes_during_up']} |\n\n"
            "The cost of the file itself: a first `pulumi preview` (no state: every resource a create, no API "
            "call) of the exported program, and of a program declaring the same resources in Python "
            "(`direct_program`):\n\n| `svix.load_config(\"svix.yaml\")` | the same resources in Python |\n"
            f"|---|---|\n| {result['first_preview_seconds_load_config']} s | "
            f"{result['first_preview_seconds_same_resources_in_python']} s |\n")
    return 0 if result["writes_during_up"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
