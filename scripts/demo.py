"""`make demo`: deploy examples/quickstart with the real Pulumi CLI, show its outputs, prove it converged.

By default against a local Svix emulator (database .demo/emulator.sqlite3); with SVIX_AUTH_TOKEN set
(and optionally SVIX_SERVER_URL) against that Svix instead. PULUMI_SVIX_DEMO_DIR moves .demo/ elsewhere
(the tests use it). Steps:

  1. create the stack (file backend under .demo/state) if it is missing
  2. start the emulator on a free port (skipped for a real Svix); point the stack's svix:* config at it
  3. pulumi up --yes --refresh --run-program   (a no-op when nothing changed since the last run)
  4. pulumi stack output                       (secrets masked)
  5. pulumi preview --expect-no-changes
  6. stop the emulator (always, also after a failure)

`--with-receivers` (emulator only) also stands in for the customers: local webhook receivers
(scripts/receivers.py, on 127.0.0.1, where the emulator delivers) get the endpoint URLs (the stack's
`webhookBaseUrl`), check every delivery's Svix signature with the endpoint's signing secret, and after
the preview `pulumi-svix verify` sends each customer a test message per event type and prints who
accepted. `--failing-receiver acme/billing` makes that receiver answer 500 (verify then fails, and so
does the demo: exit code 1; `make demo` then exits 2, make's own code for a failed command). Receivers and emulator are stopped on exit, also after a failure. A later run without
`--with-receivers` points the endpoints back at the example's default URL.

`--refresh` makes the run honest about what is really on the server (an emulator database deleted
in between is simply recreated); `--run-program` makes that refresh use the current svix:* config:
without it Pulumi refreshes with the provider config recorded by the previous run, whose emulator
port is gone.

Re-running is safe: the stack, its state and the emulator database persist under .demo/. The stack's
config file lives in .demo/ too (not in examples/quickstart/), so the example folder stays clean.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from engine_env import REPO_ROOT, TOOLS_BIN, engine_env

# Everything the demo keeps: the stack's state and config file, and the emulator's database and log.
DEMO_DIR = Path(os.environ.get("PULUMI_SVIX_DEMO_DIR") or REPO_ROOT / ".demo").resolve()
STATE_DIR = DEMO_DIR / "state"
EXAMPLE_DIR = REPO_ROOT / "examples" / "quickstart"
EMULATOR_DB = DEMO_DIR / "emulator.sqlite3"
EMULATOR_LOG = DEMO_DIR / "emulator.log"
VERIFY_TIMEOUT_SECONDS = 30
# No retries of failed deliveries (Svix retries after 5 s, 5 min, ...): the demo stops its emulator right after
# verify, and retries left in its database would reach whatever listens on that port at a later run.
RETRY_SCHEDULE = ()


class StepFailed(Exception):
    """A demo step failed; the message names the step."""


class Target:
    """Where the demo deploys: the stack name and the svix:* config that goes with it."""

    def __init__(self, stack: str, description: str, server_url: str | None, token: str | None):
        self.stack = stack
        self.description = description
        self.server_url = server_url  # None: the provider picks it (env, or the token's region)
        self.token = token  # None: the provider reads SVIX_AUTH_TOKEN from the environment

    @property
    def config_file(self) -> Path:
        return DEMO_DIR / f"Pulumi.{self.stack}.yaml"


def shown(path: Path) -> str:
    """A path as the demo prints it: relative to the repository when it lies inside it."""
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)


def say(message: str) -> None:
    print(f"demo: {message}", flush=True)


def heading(number: int, total: int, text: str) -> None:
    print(f"\n==> [{number}/{total}] {text}", flush=True)


def run(step: str, args: list[str], env: dict[str, str], *, stdin: str | None = None,
        capture: bool = False) -> str:
    """Runs a pulumi command in the example directory; its output goes straight to the terminal."""
    result = subprocess.run(args, cwd=EXAMPLE_DIR, env=env, text=True, input=stdin,
                            stdout=subprocess.PIPE if capture else None)
    if result.returncode != 0:
        command = " ".join(["pulumi", *args[1:]])
        raise StepFailed(f"step '{step}' failed: `{command}` exited with code {result.returncode}")
    return result.stdout or ""


def pulumi(target: Target, *args: str, with_config: bool = True) -> list[str]:
    """A pulumi command line for the demo stack (with its config file, which lives in .demo/)."""
    command = [str(TOOLS_BIN / "pulumi"), *args, "--stack", target.stack]
    return command + ["--config-file", str(target.config_file)] if with_config else command


def stack_exists(target: Target, env: dict[str, str]) -> bool:
    listing = run("list stacks", [str(TOOLS_BIN / "pulumi"), "stack", "ls", "--json"], env, capture=True)
    return any(stack["name"].split("/")[-1] == target.stack for stack in json.loads(listing or "[]"))


def forget_emulator_data() -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{EMULATOR_DB}{suffix}").unlink(missing_ok=True)


def ensure_stack(target: Target, env: dict[str, str], *, on_emulator: bool) -> None:
    """Creates the stack if it is missing, its config file moved into .demo/ (before the emulator starts:
    a new stack also means a fresh emulator database)."""
    if stack_exists(target, env) and not target.config_file.exists():
        if not on_emulator:
            raise StepFailed(f"step 'prepare stack' failed: stack {target.stack!r} exists in {STATE_DIR} but its "
                             f"config file {target.config_file} is gone; `pulumi destroy` it or remove .demo/")
        say(f"stack {target.stack!r} has lost its config file: starting over with a fresh stack and emulator")
        run("remove stale stack", pulumi(target, "stack", "rm", "--yes", "--force", with_config=False), env)
    if stack_exists(target, env):
        say(f"stack {target.stack!r} exists (state in {shown(STATE_DIR)}): reusing it")
        return
    if on_emulator:
        forget_emulator_data()  # its objects belonged to a stack that no longer exists
    # `stack init` writes Pulumi.<stack>.yaml (with the secrets salt) next to Pulumi.yaml: move it to .demo/.
    generated = EXAMPLE_DIR / target.config_file.name
    generated.unlink(missing_ok=True)
    run("create stack", [str(TOOLS_BIN / "pulumi"), "stack", "init", target.stack, "--no-select"], env)
    if generated.exists():
        generated.replace(target.config_file)


def configured(target: Target, env: dict[str, str], key: str) -> str | None:
    result = subprocess.run(pulumi(target, "config", "get", key), cwd=EXAMPLE_DIR, env=env, text=True,
                            capture_output=True)
    return result.stdout.strip() if result.returncode == 0 else None


def receiver_port(target: Target, env: dict[str, str]) -> int:
    """The port of the receivers' previous run when it is free (the endpoint URLs stay the same, so `up`
    changes nothing), else 0 (a free one)."""
    previous = urlsplit(configured(target, env, "webhookBaseUrl") or "")
    if previous.hostname != "127.0.0.1" or not previous.port:
        return 0
    with socket.socket() as probe:
        # As the receivers' server binds (SO_REUSEADDR): the last run's closed connections may linger in TIME_WAIT.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", previous.port))
        except OSError:
            return 0
    return previous.port


def configure_webhook_url(target: Target, env: dict[str, str], receivers_url: str | None) -> None:
    """The endpoints' base URL: the receivers', or (without them) the example's default again."""
    if receivers_url:
        run("set webhookBaseUrl", pulumi(target, "config", "set", "webhookBaseUrl", receivers_url), env)
        say(f"config: webhookBaseUrl={receivers_url} (the receivers)")
    elif urlsplit(configured(target, env, "webhookBaseUrl") or "").hostname == "127.0.0.1":
        run("clear webhookBaseUrl", pulumi(target, "config", "rm", "webhookBaseUrl"), env)
        say("config: webhookBaseUrl removed (a --with-receivers run had set it): the example's default URL")


def route_receivers(receivers, target: Target, env: dict[str, str], failing: list[str]) -> list[str]:
    """One receiver per endpoint of the stack, checking signatures with its signing secret (read from the
    stack's outputs, never printed); the customers, whose applications verify then targets."""
    listing = run("read signing secrets", pulumi(target, "stack", "output", "signing_secrets", "--show-secrets",
                                                 "--json", with_config=False), env, capture=True)
    signing_secrets = json.loads(listing)
    for customer, endpoints in signing_secrets.items():
        for name, secret in endpoints.items():
            path = f"{customer}/{name}"
            receivers.route(path, secret=secret, status=500 if path in failing else 204)
    unknown = sorted(set(failing) - {f"{c}/{n}" for c, eps in signing_secrets.items() for n in eps})
    if unknown:
        raise StepFailed(f"step 'route receivers' failed: no endpoint {', '.join(unknown)} "
                         f"(--failing-receiver takes CUSTOMER/billing or CUSTOMER/users)")
    say(f"receivers at {receivers.url}: " + ", ".join(sorted(receivers.routes))
        + (f" ({', '.join(failing)} answering 500)" if failing else ""))
    return list(signing_secrets)


def verify(target: Target, customers: list[str]) -> None:
    """`pulumi-svix verify` against the emulator (its token in the environment, not on the command line)."""
    args = ["verify", "--server-url", target.server_url, "--timeout", str(VERIFY_TIMEOUT_SECONDS)]
    for customer in customers:
        args += ["--app", customer]
    say("pulumi-svix " + " ".join(args))
    result = subprocess.run([sys.executable, "-m", "pulumi_svix.cli", *args], cwd=REPO_ROOT,
                            env={**os.environ, "SVIX_AUTH_TOKEN": target.token}, text=True)
    if result.returncode != 0:
        raise StepFailed(f"step 'verify' failed: `pulumi-svix verify` exited with code {result.returncode} "
                         "(see its table above)")


def report_receivers(receivers) -> None:
    received = receivers.deliveries
    answers: dict[int, int] = {}
    for delivery in received:
        answers[delivery.answered] = answers.get(delivery.answered, 0) + 1
    signed = sum(1 for d in received if d.signature_ok)
    say(f"receivers got {len(received)} deliveries ({signed} with a valid Svix signature); answered "
        + ", ".join(f"{status} x{count}" for status, count in sorted(answers.items())))


def configure_stack(target: Target, env: dict[str, str]) -> None:
    """Points the stack's svix:* config at the target (emptied where the environment should decide)."""
    if target.server_url:
        run("set svix:serverUrl", pulumi(target, "config", "set", "svix:serverUrl", target.server_url), env)
    else:
        run("clear svix:serverUrl", pulumi(target, "config", "rm", "svix:serverUrl"), env)
    if target.token:
        # Through stdin: a token on the command line would show up in `ps`.
        run("set svix:token", pulumi(target, "config", "set", "--secret", "svix:token"), env, stdin=target.token)
    else:
        run("clear svix:token", pulumi(target, "config", "rm", "svix:token"), env)
    say(f"config: svix:serverUrl={target.server_url or '(from the environment)'}, "
        f"svix:token={'[secret]' if target.token else '(from SVIX_AUTH_TOKEN)'}")


def external_target() -> Target | None:
    """A real Svix when SVIX_AUTH_TOKEN is set; its token stays in the environment, never in .demo/."""
    if not os.environ.get("SVIX_AUTH_TOKEN"):
        if os.environ.get("SVIX_SERVER_URL"):
            say("SVIX_SERVER_URL is set but SVIX_AUTH_TOKEN is not: ignoring it, using the emulator")
        return None
    server_url = os.environ.get("SVIX_SERVER_URL") or None
    where = server_url or "the Svix API for the token's region"
    return Target("svix", f"the Svix server at {where} (SVIX_AUTH_TOKEN is set)", server_url, None)


def demo(with_receivers: bool = False, failing: list[str] | None = None) -> None:
    if not os.access(TOOLS_BIN / "pulumi", os.X_OK):
        raise StepFailed(f"step 'find engine' failed: no pulumi in {TOOLS_BIN}; run `make demo` (it runs `make engine`)")
    DEMO_DIR.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **engine_env(STATE_DIR)}
    target = external_target()
    on_emulator = target is None
    if with_receivers and not on_emulator:
        raise StepFailed("--with-receivers needs the local emulator: a Svix server cannot deliver to receivers on "
                         "127.0.0.1 (unset SVIX_AUTH_TOKEN, or run `pulumi-svix verify` against your own endpoints)")
    if on_emulator:
        target = Target("demo", "the local Svix emulator", None, None)
    total = (6 if on_emulator else 4) + (2 if with_receivers else 0)
    number = 0

    def step(text: str) -> None:
        nonlocal number
        number += 1
        heading(number, total, text)

    say(f"target: {target.description}")
    say(f"program: {shown(EXAMPLE_DIR)}, stack {target.stack!r}, "
        f"state in {shown(STATE_DIR)}")
    step(f"Preparing stack {target.stack!r}")
    ensure_stack(target, env, on_emulator=on_emulator)

    emulator = receivers = None
    try:
        if with_receivers:
            from receivers import Receivers

            step("Starting the webhook receivers (the customers' endpoints)")
            receivers = Receivers(port=receiver_port(target, env)).start()
            say(f"receivers listening on {receivers.url}")
        if on_emulator:
            from pulumi_svix.emulator.runner import Emulator, EmulatorError

            step(f"Starting the Svix emulator (database {shown(EMULATOR_DB)})")
            # A fresh random token each run: it only has to match between the emulator and the stack config.
            emulator = Emulator(db=EMULATOR_DB, token=f"testsk_demo-{secrets.token_hex(16)}", port=0,
                                log_path=EMULATOR_LOG, retry_schedule=RETRY_SCHEDULE)
            try:
                emulator.start()
            except EmulatorError as error:
                raise StepFailed(f"step 'start emulator' failed: {error}") from None
            say(f"emulator listening on {emulator.url} (log: {shown(EMULATOR_LOG)})")
            target.server_url, target.token = emulator.url, emulator.token
        configure_stack(target, env)
        if on_emulator:
            configure_webhook_url(target, env, receivers.url if receivers else None)

        step("pulumi up (creates what is missing; a no-op when already converged)")
        run("pulumi up", pulumi(target, "up", "--yes", "--refresh", "--run-program"), env)

        step("Stack outputs (secrets masked; `pulumi stack output --show-secrets` reveals them)")
        run("pulumi stack output", pulumi(target, "stack", "output", with_config=False), env)

        step("pulumi preview --expect-no-changes (the configuration is converged)")
        run("pulumi preview", pulumi(target, "preview", "--expect-no-changes"), env)

        if receivers is not None:
            step("pulumi-svix verify (a test message per customer and event type; who accepted?)")
            customers = route_receivers(receivers, target, env, failing or [])
            try:
                verify(target, customers)
            finally:
                report_receivers(receivers)
    finally:
        if receivers is not None:
            receivers.stop()
            say("receivers stopped")
        if emulator is not None:
            step("Stopping the emulator")
            stats = None
            if emulator.is_running():
                try:
                    stats = emulator.stats()
                except Exception:  # noqa: BLE001 — the numbers are a nicety; stopping is what matters
                    pass
            emulator.stop()
            served = f" after serving {stats['total']} API requests" if stats else ""
            say(f"emulator stopped{served}; its data stays in {shown(EMULATOR_DB)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Deploy examples/quickstart and prove it converged (make demo).")
    parser.add_argument("--with-receivers", action="store_true",
                        help="local receivers stand in for the customers' endpoints; then pulumi-svix verify")
    parser.add_argument("--failing-receiver", action="append", default=[], metavar="CUSTOMER/ENDPOINT",
                        help="this receiver answers 500 (e.g. acme/billing); implies --with-receivers")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        demo(with_receivers=args.with_receivers or bool(args.failing_receiver),
             failing=[path.strip("/") for path in args.failing_receiver])
    except StepFailed as failure:
        print(f"\ndemo: FAILED: {failure}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("\ndemo: interrupted", file=sys.stderr)
        return 130
    print(f"\ndemo: done in {time.monotonic() - started:.1f} s: the stack is deployed and converged "
          f"(run `make demo` again: nothing changes)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
