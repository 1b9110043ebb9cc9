"""The contract of ``pulumi-svix export`` (issue 13): an environment made through the raw API, exported, then
adopted by ``pulumi up`` of the exported program, creates nothing, deletes nothing and changes nothing on
the server (a full snapshot before and after, timestamps aside; and not one POST, PUT, PATCH or DELETE
reaches the emulator), ``pulumi preview --expect-no-changes`` passes after it, and editing one value of
svix.yaml previews exactly that one change. Both emulator flavors (the self-hosted one has no integrations
and one ``featureFlag`` per event type)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pulumi import automation as auto

from tests.e2e.conftest import Lifecycle

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "pulumi_svix.cli"]
WRITES = ("POST ", "PUT ", "PATCH ", "DELETE ")
AUTH = "Bearer s3cr3t-export-test-value"
API_KEY = "k3y-export-test-value"


def build_environment(target) -> dict:
    """Event types (schemas, archived, deprecated, flags), applications with and without uid, endpoints with
    and without uid (filters, channels, metadata, sensitive and plain headers, disabled), integrations."""
    api = target.api
    names = [target.unique("exp.paid"), target.unique("exp.failed"), target.unique("exp.old")]
    flag = "featureFlag" if target.flavor == "oss" else "featureFlags"
    api.call("POST", "/api/v1/event-type", {
        "name": names[0], "description": "Paid", "schemas": {"1": {"type": "object", "properties": {
            "id": {"type": "string", "maxLength": 5}}, "required": ["id"]}},
        flag: "beta" if target.flavor == "oss" else ["beta"],
        **({} if target.flavor == "oss" else {"groupName": "billing"})})  # svix-server has no groups
    api.call("POST", "/api/v1/event-type", {"name": names[1], "description": "Failed", "deprecated": True})
    api.call("POST", "/api/v1/event-type", {"name": names[2], "description": "Old"})
    api.call("DELETE", f"/api/v1/event-type/{names[2]}")  # archived
    for name in names:
        target.delete_at_teardown(f"/api/v1/event-type/{name}", expunge="true")

    uid = target.unique("exp-acme")
    acme = api.call("POST", "/api/v1/app", {"name": "Acme", "uid": uid, "metadata": {"tier": "gold"},
                                            "throttleRate": 50})
    plain = api.call("POST", "/api/v1/app", {"name": "No uid"})
    for app in (acme, plain):
        target.delete_at_teardown(f"/api/v1/app/{app['id']}")
    billing = api.call("POST", f"/api/v1/app/{acme['id']}/endpoint", {
        "url": "https://hooks.example.com/acme/billing", "uid": "billing", "filterTypes": names[:2],
        "channels": ["billing", "eu"], "metadata": {"team": "payments"}, "description": "Billing",
        "throttleRate": 20})
    api.call("PUT", f"/api/v1/app/{acme['id']}/endpoint/{billing['id']}/headers",
             {"headers": {"Authorization": AUTH, "X-Plain": "visible"}})
    api.call("POST", f"/api/v1/app/{acme['id']}/endpoint", {
        "url": "https://hooks.example.com/acme/paused", "disabled": True})
    other = api.call("POST", f"/api/v1/app/{plain['id']}/endpoint", {"url": "https://hooks.example.com/plain"})
    api.call("PUT", f"/api/v1/app/{plain['id']}/endpoint/{other['id']}/headers", {"headers": {"X-Api-Key": API_KEY}})
    if target.has_integrations:
        api.call("POST", f"/api/v1/app/{acme['id']}/integration", {"name": "Zapier", "featureFlags": ["ff"]})
    return {"uid": uid, "acme": acme["id"], "plain": plain["id"], "types": names}


def snapshot(target) -> dict:
    """Every object the server holds, timestamps aside (headers as the API shows them)."""
    api = target.api
    strip = lambda body: {k: v for k, v in body.items() if k not in ("createdAt", "updatedAt")}  # noqa: E731
    out = {"eventTypes": sorted((strip(t) for t in api.list_all("/api/v1/event-type", include_archived="true",
                                                                with_content="true")), key=lambda t: t["name"])}
    apps = []
    for app in sorted(api.list_all("/api/v1/app"), key=lambda a: a["id"]):
        endpoints = []
        for ep in sorted(api.endpoints(app["id"]), key=lambda e: e["id"]):
            endpoints.append({**strip(ep), "headers": api.endpoint_headers(app["id"], ep["id"]),
                              "secret": api.endpoint_secret(app["id"], ep["id"]),
                              **({"stored headers": target.stored_endpoint_headers(ep["id"])}
                                 if target.is_emulator else {})})
        integrations = ([strip(i) for i in api.integrations(app["id"])] if target.has_integrations else [])
        apps.append({**strip(app), "endpoints": endpoints, "integrations": integrations})
    out["applications"] = apps
    return out


def writes(target) -> dict:
    stats = target.api.get_json("/_emulator/stats")
    return {route: n for route, n in stats["requests"].items() if route.startswith(WRITES)}


def run_export(target, out: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SVIX_AUTH_TOKEN": target.token}
    env.pop("SVIX_SERVER_URL", None)
    return subprocess.run([*CLI, "export", "--out", str(out), "--server-url", target.url,
                           "--virtualenv", str(REPO / ".venv"), *extra],
                          env=env, capture_output=True, text=True, timeout=300, cwd=REPO)


def test_export_then_up_changes_nothing_and_one_edit_previews_one_change(target, stack_factory, tmp_path):
    target.require_emulator("counts the server's write requests")
    made = build_environment(target)
    out = tmp_path / "exported"
    done = run_export(target, out)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr == "", (done.stdout, done.stderr)  # quiet when not a terminal
    assert sorted(p.name for p in out.iterdir()) == ["Pulumi.yaml", "README.md", "__main__.py", "requirements.txt",
                                                    "svix.yaml"]
    assert "load_config" in (out / "__main__.py").read_text()
    for path in out.iterdir():  # never a secret on disk
        text = path.read_text()
        assert AUTH not in text and API_KEY not in text and target.token not in text, path.name

    doc = yaml.safe_load((out / "svix.yaml").read_text())
    acme = doc["applications"][made["uid"]]
    assert acme["adopt"] is True and acme["metadata"] == {"tier": "gold"} and acme["throttle_rate"] == 50
    billing = acme["endpoints"]["billing"]
    assert sorted(billing["event_types"]) == sorted(made["types"][:2]) and billing["adopt"] is True
    assert billing["headers"]["X-Plain"] == "visible" and set(billing["headers"]["Authorization"]) == {"config"}
    assert "secret" not in billing
    assert made["plain"] in doc["applications"]  # keyed by id: taken over by id
    archived = doc["eventTypes"][made["types"][2]]
    assert archived["archived"] is True and archived["adopt"] is True
    assert doc["eventTypes"][made["types"][0]]["feature_flags"] == ["beta"]
    assert doc["eventTypes"][made["types"][0]].get("group_name") == (None if target.flavor == "oss" else "billing")
    assert doc["eventTypes"][made["types"][0]]["schemas"]["1"]["properties"]["id"]["maxLength"] == 5
    assert bool(acme.get("integrations")) == target.has_integrations

    readme = (out / "README.md").read_text()
    keys = {}  # config key -> value, from the README's list
    for ep in (billing, doc["applications"][made["plain"]]["endpoints"][next(iter(
            doc["applications"][made["plain"]]["endpoints"]))]):
        for name, value in ep["headers"].items():
            if isinstance(value, dict):
                assert f"pulumi config set --secret {value['config']} " in readme
                keys[value["config"]] = AUTH if name == "Authorization" else API_KEY
    assert len(keys) == 2

    before, writes_before = snapshot(target), writes(target)
    config = {**target.config(), **{k: auto.ConfigValue(v, secret=True) for k, v in keys.items()}}
    stack = Lifecycle(stack_factory(out, config=config))
    result = stack.up()
    expected = 1 + 3 + 2 + 3 + (1 if target.has_integrations else 0)  # the stack, then the objects
    assert result.summary.resource_changes.get("create") == expected, result.summary.resource_changes
    assert writes(target) == writes_before, "the adopting up wrote to Svix"
    assert snapshot(target) == before
    stack.assert_no_changes()
    stack.stack.preview(expect_no_changes=True, on_output=stack.output.append, color="never")  # the CLI's flag
    stack.assert_no_plain_secrets({"Authorization": AUTH, "X-Api-Key": API_KEY})

    # One edit of svix.yaml: exactly that change.
    work = Path(stack.stack.workspace.work_dir)
    edited = (work / "svix.yaml").read_text().replace("https://hooks.example.com/acme/billing",
                                                      "https://hooks.example.com/acme/billing-v2")
    (work / "svix.yaml").write_text(edited)
    preview = stack.preview()
    assert preview.change_summary.get("update") == 1 and set(preview.change_summary) == {"same", "update"}, \
        preview.change_summary
    changed = [line.strip() for line in preview.stdout.splitlines() if line.strip().startswith(("~ ", "+ ", "- "))
               and "pulumi-python:dynamic" not in line and "to update" not in line]
    assert changed == ['~ url: "https://hooks.example.com/acme/billing" => "https://hooks.example.com/acme/billing-v2"'], \
        preview.stdout


def test_export_only_and_app_filters(target, stack_factory, tmp_path):
    target.require_emulator("counts the server's write requests")
    made = build_environment(target)
    done = run_export(target, tmp_path / "types", "--only", "event-types")
    assert done.returncode == 0, done.stderr
    doc = yaml.safe_load((tmp_path / "types" / "svix.yaml").read_text())
    assert set(doc) == {"eventTypes"} and set(made["types"]) <= set(doc["eventTypes"])

    done = run_export(target, tmp_path / "apps", "--only", "applications", "--app", made["uid"])
    assert done.returncode == 0, done.stderr
    doc = yaml.safe_load((tmp_path / "apps" / "svix.yaml").read_text())
    assert list(doc["applications"]) == [made["uid"]]
    assert sorted(doc["externalEventTypes"]) == sorted(made["types"][:2])  # filters name existing event types
    assert "another pulumi-svix stack" not in (tmp_path / "apps" / "README.md").read_text()

    # That program adopts its application, which filters on event types it does not declare, writing nothing.
    key = doc["applications"][made["uid"]]["endpoints"]["billing"]["headers"]["Authorization"]["config"]
    before, writes_before = snapshot(target), writes(target)
    stack = Lifecycle(stack_factory(tmp_path / "apps", config={**target.config(),
                                                               key: auto.ConfigValue(AUTH, secret=True)}))
    stack.up()
    assert writes(target) == writes_before and snapshot(target) == before
    stack.assert_no_changes()


def test_objects_of_another_stack_are_listed_and_adopted_with_one_write_each(target, stack_factory, tmp_path):
    """An application carrying another stack's ownership marker: exported without the marker, listed in
    the README, and the adopting up writes it once (the marker moves), then converges."""
    from pulumi_svix.resources._ownership import OWNER_KEY

    target.require_emulator("counts the server's write requests")
    uid = target.unique("exp-marked")
    app = target.api.call("POST", "/api/v1/app", {"name": "Marked", "uid": uid,
                                                 "metadata": {OWNER_KEY: "0" * 32, "tier": "x"}})
    target.delete_at_teardown(f"/api/v1/app/{app['id']}")
    done = run_export(target, tmp_path / "marked", "--only", "applications")
    assert done.returncode == 0, done.stderr
    assert yaml.safe_load((tmp_path / "marked" / "svix.yaml").read_text())["applications"][uid]["metadata"] == \
        {"tier": "x"}
    assert f"- application `{uid}`" in (tmp_path / "marked" / "README.md").read_text()
    before = writes(target)
    stack = Lifecycle(stack_factory(tmp_path / "marked", config=target.config()))
    stack.up()
    assert sum(writes(target).values()) == sum(before.values()) + 1
    assert target.api.app(uid)["metadata"]["tier"] == "x"
    assert target.api.app(uid)["metadata"][OWNER_KEY] != "0" * 32
    stack.assert_no_changes()


def test_export_follows_every_page(emulator, tmp_path):
    """Svix lists at most 250 objects a page: 260 event types and 260 applications are all exported."""
    from tests.e2e.conftest import SvixApi

    with SvixApi(emulator.url, emulator.token) as api:
        for n in range(260):
            api.call("POST", "/api/v1/event-type", {"name": f"paged.{n}", "description": "p"})
            api.call("POST", "/api/v1/app", {"name": f"App {n}", "uid": f"paged-{n}"})
    env = {**os.environ, "SVIX_AUTH_TOKEN": emulator.token}
    done = subprocess.run([*CLI, "export", "--out", str(tmp_path / "paged"), "--server-url", emulator.url],
                          env=env, capture_output=True, text=True, timeout=300, cwd=REPO)
    assert done.returncode == 0, done.stderr
    doc = yaml.safe_load((tmp_path / "paged" / "svix.yaml").read_text())
    assert len(doc["eventTypes"]) == 260 and len(doc["applications"]) == 260


def test_progress_on_a_terminal(target, tmp_path):
    """On a terminal: what was fetched, and of how many pages; then where the files are."""
    import pty

    build_environment(target)
    primary, secondary = pty.openpty()
    try:
        env = {**os.environ, "SVIX_AUTH_TOKEN": target.token}
        done = subprocess.run([*CLI, "export", "--out", str(tmp_path / "tty"), "--server-url", target.url],
                              env=env, stdout=subprocess.PIPE, stderr=secondary, timeout=300, cwd=REPO)
        os.close(secondary)
        secondary = None
        shown = b""
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # the terminal's other side is closed: all read
                break
            if not chunk:
                break
            shown += chunk
    finally:
        if secondary is not None:
            os.close(secondary)
        os.close(primary)
    assert done.returncode == 0
    text = shown.decode()
    assert "fetched" in text and "endpoints" in text and "pages" in text, text
    assert f"wrote {tmp_path / 'tty'}/svix.yaml" in text, text


def test_export_with_a_bad_token_says_so_in_one_line(target, tmp_path):
    env = {**os.environ, "SVIX_AUTH_TOKEN": "testsk_wrong"}
    done = subprocess.run([*CLI, "export", "--out", str(tmp_path / "x"), "--server-url", target.url],
                          env=env, capture_output=True, text=True, timeout=120, cwd=REPO)
    assert done.returncode != 0
    assert done.stderr.count("\n") == 1 and "rejected the API token" in done.stderr, done.stderr
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
@pytest.mark.parametrize("flavor", ["cloud", "oss"])
def test_export_round_trip_at_a_thousand_objects(flavor, request, stack_factory, tmp_path):
    """1,010 objects (10 event types, 20 applications, 980 endpoints, half without uid), on both emulator
    flavors: the adopting up writes nothing and converges. bench/export_round_trip.py times the same
    (bench/results/export.md)."""
    from bench.export_round_trip import populate

    from tests.e2e.conftest import SvixApi

    emulator = request.getfixturevalue("emulator" if flavor == "cloud" else "oss_emulator")

    assert populate(emulator.url, emulator.token, 10, 20, 49) == 1010
    out = tmp_path / "exported"
    env = {**os.environ, "SVIX_AUTH_TOKEN": emulator.token}
    done = subprocess.run([*CLI, "export", "--out", str(out), "--server-url", emulator.url,
                           "--virtualenv", str(REPO / ".venv")], env=env, capture_output=True, text=True,
                          timeout=300, cwd=REPO)
    assert done.returncode == 0, done.stderr
    with SvixApi(emulator.url, emulator.token) as api:
        count = lambda: sum(n for route, n in api.get_json("/_emulator/stats")["requests"].items()  # noqa: E731
                            if route.startswith(WRITES))
        before = count()
        stack = Lifecycle(stack_factory(out, config={"svix:serverUrl": emulator.url,
                                                     "svix:token": auto.ConfigValue(emulator.token, secret=True)}))
        result = stack.up()
        assert result.summary.resource_changes.get("create") == 1011
        assert count() == before, "the adopting up wrote to Svix"
    stack.assert_no_changes()
    # The objects are the emulator's, which the test stops: forget them rather than destroy 1,011 resources.
    deployment = stack.stack.export_stack()
    deployment.deployment["resources"] = []
    stack.stack.import_stack(deployment)
