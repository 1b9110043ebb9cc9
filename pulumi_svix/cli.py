"""``pulumi-svix``: the package's command line. ``pulumi-svix export`` turns a live Svix environment into a
Pulumi program that adopts it with no change (``svix.yaml``, loaded by ``svix.load_config``);
``pulumi-svix verify`` sends test messages to the endpoints of the applications named and reports whether each
accepted them (``verify.py``, docs/guides/verifying-delivery.md).

What is written (docs/guides/exporting.md): every event type (schemas, flags, group, archived, deprecated),
every application with its endpoints (url, filters, channels, throttle rate, uid, metadata without
pulumi-svix's ownership marker, description, disabled, header names and non-sensitive values) and its
integrations (name, flags). Objects with a natural key are declared with ``adopt: true``; the others are
keyed by their id, which makes the program take them over by id (``import_id``). Sensitive header values,
which Svix never returns, become ``{config: …}`` references listed in the README; signing secrets and
integration keys are not declared (adopting rotates nothing). Nothing secret is written: the token stays in
the environment.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from . import __version__

DEFAULT_VIRTUALENV = "venv"
REQUIREMENTS = """\
# pulumi-svix is not published on PyPI. Until it is, pip finds it in ./wheels next to this file:
#   make dist        (in a pulumi-svix checkout: dist/pulumi_svix-<version>-py3-none-any.whl)
#   mkdir -p wheels && cp <checkout>/dist/pulumi_svix-*.whl wheels/
# Or replace the `pulumi-svix` line below with the git URL of your copy of pulumi-svix, e.g.
#   pulumi-svix @ git+https://<your git host>/<you>/pulumi-svix@<tag or commit>
--find-links ./wheels
pulumi>=3.272,<4
pulumi-svix>={version}
"""
MAIN = '''import pulumi_svix as svix

svix.load_config("svix.yaml")
'''


class Progress:
    """Objects fetched, on a terminal (stderr); nothing otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.counts: dict[str, int] = {}
        self.pages = 0

    def page(self, what: str, items: list) -> None:
        self.pages += 1
        self._show(f"{what}: {len(items)}")

    def add(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n
        self._show()

    def _show(self, listing: str = "") -> None:
        if self.enabled:
            text = ", ".join(f"{n} {what}" for what, n in self.counts.items()) or "nothing yet"
            now = f"; listing {listing}" if listing else ""
            sys.stderr.write(f"\rfetched {text} ({self.pages} pages{now})\x1b[K")
            sys.stderr.flush()

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def _declared(kind: str, body: dict, drop: set[str] = frozenset()) -> dict:
    """The object's API properties as the file declares them: snake_case, defaults and empties left out."""
    from .resources._engine import from_api, normalize
    from .schema import resource_schema

    schema = resource_schema(kind)
    out = {}
    for name, value in from_api(schema, body).items():
        prop = schema.input(name)
        if name in drop or normalize(prop, value) == normalize(prop, None):
            continue
        out[name] = value
    return out


def _config_key(used: set[str], *parts: str) -> str:
    base = "-".join(re.sub(r"[^A-Za-z0-9]+", "-", p).strip("-").lower() for p in parts if p)
    key, n = base, 2
    while key in used:
        key, n = f"{base}-{n}", n + 1
    used.add(key)
    return key


def export(api: Any, only: str | None, apps_wanted: list[str] | None, progress: Progress,
           marked: list[str] | None = None) -> tuple[dict, list]:
    """``(document, config keys)``: the svix.yaml document of what ``api``'s Svix holds, and for each
    sensitive header ``(config key, application key, endpoint key, header name)``. ``marked`` receives
    the objects that carry a pulumi-svix ownership marker (another stack manages them)."""
    marked = [] if marked is None else marked
    from .client import SvixApiError
    from .resources._ownership import OWNER_KEY

    doc: dict[str, Any] = {}
    secrets: list[tuple[str, str, str, str]] = []
    declared_types: set[str] = set()
    if only in (None, "event-types"):
        types = api.list_all("/api/v1/event-type", {"include_archived": "true", "with_content": "true"},
                             on_page=lambda items: progress.page("event types", items))
        progress.add("event types", len(types))
        doc["eventTypes"] = {t["name"]: {**_declared("EventType", t, {"name"}), "adopt": True} for t in types}
        declared_types = set(doc["eventTypes"])
    if only == "event-types":
        return doc, secrets

    apps = api.list_all("/api/v1/app", on_page=lambda items: progress.page("applications", items))
    if apps_wanted:
        missing = set(apps_wanted) - {a.get("uid") for a in apps} - {a["id"] for a in apps}
        if missing:
            raise LookupError(f"no application with uid or id {', '.join(sorted(missing))}")
        apps = [a for a in apps if a.get("uid") in apps_wanted or a["id"] in apps_wanted]
    has_integrations = True
    used_keys: set[str] = set()
    referenced: set[str] = set()
    applications: dict[str, Any] = {}
    for app in apps:
        progress.add("applications")
        app_key = app.get("uid") or app["id"]
        entry = _declared("Application", app, {"uid"})
        if OWNER_KEY in (app.get("metadata") or {}):
            marked.append(f"application `{app_key}`")
        metadata = {k: v for k, v in (entry.pop("metadata", None) or {}).items() if k != OWNER_KEY}
        if metadata:
            entry["metadata"] = metadata
        if app.get("uid"):
            entry["adopt"] = True
        endpoints: dict[str, Any] = {}
        for ep in api.list_all(f"/api/v1/app/{app['id']}/endpoint",
                               on_page=lambda items: progress.page("endpoints", items)):
            progress.add("endpoints")
            ep_key = ep.get("uid") or ep["id"]
            ep_entry = _declared("Endpoint", ep, {"uid"})
            if OWNER_KEY in (ep.get("metadata") or {}):
                marked.append(f"endpoint `{ep_key}` of application `{app_key}`")
            metadata = {k: v for k, v in (ep_entry.pop("metadata", None) or {}).items() if k != OWNER_KEY}
            if metadata:
                ep_entry["metadata"] = metadata
            referenced.update(ep_entry.get("event_types") or [])
            live = api.get(f"/api/v1/app/{app['id']}/endpoint/{ep['id']}/headers") or {}
            headers: dict[str, Any] = dict(live.get("headers") or {})
            for name in live.get("sensitive") or []:
                key = _config_key(used_keys, app_key, ep_key, name)
                headers[name] = {"config": key}
                secrets.append((key, app_key, ep_key, name))
            if headers:
                ep_entry["headers"] = dict(sorted(headers.items()))
            if ep.get("uid"):
                ep_entry["adopt"] = True
            endpoints[ep_key] = ep_entry
        if endpoints:
            entry["endpoints"] = endpoints
        if has_integrations:
            try:
                integrations = api.list_all(f"/api/v1/app/{app['id']}/integration",
                                            on_page=lambda items: progress.page("integrations", items))
            except SvixApiError as error:
                if not error.no_route:
                    raise
                has_integrations, integrations = False, []  # the self-hosted svix-server has no Integration API
            if integrations:
                progress.add("integrations", len(integrations))
                entry["integrations"] = {i["id"]: _declared("Integration", i) for i in integrations}
        applications[app_key] = entry
    external = sorted(referenced - declared_types)
    if external:
        doc = {"externalEventTypes": external, **doc}
    doc["applications"] = applications
    return doc, secrets


def _readme(out: Path, settings: Any, secrets: list, venv: str, stats: dict, marked: list) -> str:
    install = (f"python -m venv {venv} && {venv}/bin/pip install -r requirements.txt"
               if venv == DEFAULT_VIRTUALENV else f"{venv}/bin/pip install -r requirements.txt   # the virtualenv of Pulumi.yaml")
    lines = [
        "# Svix environment, exported by `pulumi-svix export`",
        "",
        f"Exported from {settings.server_url}: {stats['eventTypes']} event types, {stats['applications']} "
        f"applications, {stats['endpoints']} endpoints, {stats['integrations']} integrations, declared in "
        "[svix.yaml](svix.yaml) and loaded by [__main__.py](__main__.py) (`svix.load_config`).",
        "",
        "The first `pulumi up` adopts every object: those with a uid or a name are declared with `adopt: true`,",
        "the others are keyed by their id (`app_…`, `ep_…`, `integ_…`), which takes that very object over.",
        "An object that holds exactly what svix.yaml declares is not written at all: the first `up` creates",
        "nothing, deletes nothing and changes nothing on Svix. Signing secrets and integration keys are not",
        "declared, so nothing is rotated (integration `key` outputs stay unset until you set `rotate_key_trigger`).",
        "",
        "## Next commands",
        "",
        "```bash",
        f"cd {out}",
        install,
        "pulumi stack init <stack-name>",
        f"pulumi config set svix:serverUrl {settings.server_url}",
        'pulumi config set --secret svix:token "$SVIX_AUTH_TOKEN"',
    ]
    lines += [f"pulumi config set --secret {key} '<the value of {name} of endpoint {ep} of application {app}>'"
              for key, app, ep, name in secrets]
    lines += [
        "pulumi preview          # every resource is a create: an adoption, nothing is written on Svix",
        "pulumi up",
        "pulumi preview --expect-no-changes",
        "```",
        "",
        "## Config keys to set",
        "",
        "| Key | Secret | What |",
        "|---|---|---|",
        "| `svix:token` | yes | your Svix API token |",
        f"| `svix:serverUrl` | no | `{settings.server_url}` |",
    ]
    lines += [f"| `{key}` | yes | header `{name}` of endpoint `{ep}` of application `{app}`: Svix never returns "
              f"its value, set the one the endpoint has now |" for key, app, ep, name in secrets]
    lines += [
        "",
        "Sensitive header values are not compared on adoption (Svix never shows them): the value you set is",
        "taken to be the one Svix holds. Change it in the config to have `pulumi up` write it.",
        "",
    ]
    if marked:
        lines += [
            "## Objects another pulumi-svix stack manages",
            "",
            "These carry the ownership marker of a resource of another Pulumi stack (`pulumi-svix-owner` in",
            "their metadata). The first `pulumi up` writes each of them once, to move the marker to this stack;",
            "remove them from the other stack first (`pulumi state delete <urn>` there: its `destroy` would",
            "delete them):",
            "",
        ] + [f"- {what}" for what in marked] + [""]
    return "\n".join(lines)


def _settings(command: str, server_url: str | None) -> Any:
    """The Svix to talk to: the token from the environment (never an option: it would show in `ps`), the
    URL from --server-url, SVIX_SERVER_URL or the token's region. None, said on stderr, without a token."""
    from .config import Settings, server_url_for_token

    token = os.environ.get("SVIX_AUTH_TOKEN") or os.environ.get("SVIX_TOKEN")
    if not token:
        print(f"pulumi-svix {command}: no Svix API token: set SVIX_AUTH_TOKEN", file=sys.stderr)
        return None
    url = server_url or os.environ.get("SVIX_SERVER_URL") or server_url_for_token(token)
    return Settings(server_url=url.rstrip("/"), token=token)


# The client's messages name the stack's config; the command line reads the environment and its options.
CLI_NAMES = {"`svix:token` / SVIX_AUTH_TOKEN": "SVIX_AUTH_TOKEN", "svix:serverUrl": "--server-url / SVIX_SERVER_URL"}


def _fail(command: str, error: Exception) -> None:
    """The one stderr line of a command that could not finish. Servers' words are in it: escaped."""
    from .verify import printable

    text = str(error)
    for config_name, cli_name in CLI_NAMES.items():
        text = text.replace(config_name, cli_name)
    print(f"pulumi-svix {command}: {printable(text)}", file=sys.stderr)


def _print_out(text: str) -> None:
    """``text`` on stdout. A reader that went away (``| head -1``, ``| true``) is no error: the rest is
    dropped silently and the exit code stays the command's verdict (not 141/SIGPIPE: ``set -o pipefail``
    scripts piping verify into ``head`` keep its meaning)."""
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)  # so that the flush at exit does not fail again
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def run_export(args: argparse.Namespace) -> int:
    from .client import SvixClient, SvixError

    settings = _settings("export", args.server_url)
    if settings is None:
        return 2
    out = Path(args.out)
    if (out / "svix.yaml").exists() and not args.force:
        print(f"pulumi-svix export: {out / 'svix.yaml'} exists; pass --force to overwrite it", file=sys.stderr)
        return 2
    progress = Progress(sys.stderr.isatty())
    started = time.monotonic()
    try:
        marked: list[str] = []
        doc, secrets = export(SvixClient(settings), args.only, args.app, progress, marked)
    except (SvixError, LookupError) as error:
        progress.done()
        _fail("export", error)
        return 1
    progress.done()
    apps = doc.get("applications") or {}
    stats = {"eventTypes": len(doc.get("eventTypes") or {}), "applications": len(apps),
             "endpoints": sum(len(a.get("endpoints") or {}) for a in apps.values()),
             "integrations": sum(len(a.get("integrations") or {}) for a in apps.values())}
    out.mkdir(parents=True, exist_ok=True)
    header = (f"# Exported by pulumi-svix {__version__} from {settings.server_url}. Reference: "
              "docs/reference/svix-yaml.md of pulumi-svix.\n")
    (out / "svix.yaml").write_text(header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=1000),
                                   encoding="utf-8")
    (out / "__main__.py").write_text(MAIN, encoding="utf-8")
    project = {"name": args.project_name or "svix", "description": f"Svix environment at {settings.server_url}",
               "runtime": {"name": "python", "options": {"toolchain": "pip", "virtualenv": args.virtualenv}}}
    (out / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False), encoding="utf-8")
    (out / "requirements.txt").write_text(REQUIREMENTS.format(version=__version__), encoding="utf-8")
    (out / "README.md").write_text(_readme(out, settings, secrets, args.virtualenv, stats, marked), encoding="utf-8")
    if progress.enabled:
        print(f"wrote {out}/svix.yaml ({stats['eventTypes']} event types, {stats['applications']} applications, "
              f"{stats['endpoints']} endpoints, {stats['integrations']} integrations) in "
              f"{time.monotonic() - started:.1f} s; next: {out}/README.md", file=sys.stderr)
    return 0


def run_verify(args: argparse.Namespace) -> int:
    """Exit code 0: every targeted endpoint accepted its test messages; 1: one did not (or none was targeted);
    2: verify could not run (no token, an unknown application or event type, a bad --payload, Svix
    unreachable or refusing the token), or Svix failed after test messages were sent (what is known is
    printed, and the ids of the messages sent)."""
    from . import verify
    from .client import SvixClient, SvixError

    settings = _settings("verify", args.server_url)
    if settings is None:
        return 2
    progress = verify.Progress(sys.stderr.isatty() and not args.json)
    try:
        fallback = verify.read_payload(args.payload)
        results = verify.verify(SvixClient(settings), args.app, args.event_type, fallback, args.timeout, progress)
    except verify.Unfinished as stopped:
        progress.done()
        _show(args, stopped.results, settings.server_url)
        sent = ", ".join(dict.fromkeys(r.message_id for r in stopped.results if r.message_id)) or "none"
        _fail("verify", f"{stopped}; test messages sent: {sent} (rows saying 'outcome unknown' were not read)")
        return 2
    except (verify.VerifyError, SvixError) as error:
        progress.done()
        _fail("verify", error)
        return 2
    except KeyboardInterrupt:  # the messages already sent are delivered all the same
        progress.done()
        print("pulumi-svix verify: interrupted", file=sys.stderr)
        return 130
    progress.done()
    _show(args, results, settings.server_url)
    return 0 if verify.succeeded(results) else 1


def _show(args: argparse.Namespace, results: list, server_url: str) -> None:
    from . import verify

    if args.json:
        _print_out(verify.render_json(results, server_url))
    else:
        _print_out(f"{verify.render_table(results)}\n\n{verify.summary(results)}")


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pulumi-svix", description="pulumi-svix command line.")
    parser.add_argument("--version", action="version", version=f"pulumi-svix {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    exp = commands.add_parser(
        "export", help="write a Pulumi program (svix.yaml) that adopts a live Svix environment with no change",
        description="Reads the Svix environment of SVIX_AUTH_TOKEN and writes svix.yaml, __main__.py, "
                    "Pulumi.yaml, requirements.txt and README.md (the next commands) into DIR.")
    exp.add_argument("--out", required=True, metavar="DIR", help="directory to write (created if missing)")
    exp.add_argument("--server-url", help="Svix API URL (default: SVIX_SERVER_URL, else the token's region)")
    exp.add_argument("--only", choices=["event-types", "applications"], help="export only these")
    exp.add_argument("--app", action="append", metavar="UID",
                     help="export only this application (uid or id); repeatable")
    exp.add_argument("--virtualenv", default=DEFAULT_VIRTUALENV, metavar="PATH",
                     help=f"the virtualenv option of Pulumi.yaml (default: {DEFAULT_VIRTUALENV})")
    exp.add_argument("--project-name", help="the Pulumi project name (default: svix)")
    exp.add_argument("--force", action="store_true", help="overwrite an existing svix.yaml in DIR")
    ver = commands.add_parser(
        "verify", help="send a test message per event type to the endpoints of applications; report who accepted",
        description="Sends one test message per (application, event type) pair that has at least one enabled "
                    "endpoint subscribed, waits for its delivery attempts and prints, per endpoint and event "
                    "type, the HTTP status and time, or the failure. These are real messages to real endpoints "
                    "(eventId pulumi-svix-verify-...): name each application with --app. The token comes from "
                    "SVIX_AUTH_TOKEN. Exit code 0 only if every targeted endpoint accepted; 1 if one did not "
                    "(or none was targeted); 2 if verify could not run.")
    ver.add_argument("--app", action="append", required=True, metavar="UID",
                     help="application (uid or id) whose endpoints to verify; repeatable, at least one")
    ver.add_argument("--event-type", action="append", metavar="NAME",
                     help="verify only this event type; repeatable (default: every live event type)")
    ver.add_argument("--timeout", type=_positive_seconds, default=60.0, metavar="SECONDS",
                     help="how long to wait for each message's attempts (default: 60)")
    ver.add_argument("--payload", metavar="FILE",
                     help="JSON object sent for event types whose schema has no `examples` (default: {})")
    ver.add_argument("--server-url", help="Svix API URL (default: SVIX_SERVER_URL, else the token's region)")
    ver.add_argument("--json", action="store_true", help="print one JSON document instead of the table")
    args = parser.parse_args(argv)
    return run_export(args) if args.command == "export" else run_verify(args)


if __name__ == "__main__":
    sys.exit(main())
