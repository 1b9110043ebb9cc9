"""``python -m pulumi_svix.emulator`` / ``pulumi-svix-emulator``: serve the emulator.

Prints exactly one line on stdout, ``listening on http://HOST:PORT``, once it accepts
connections (``--port 0`` picks a free port). Logs go to stderr.
"""

import argparse
import os
import socket
import sys
from pathlib import Path

from . import DEFAULT_FLAVOR, DEFAULT_PORT, DEFAULT_TOKEN, FLAVORS, TOKEN_ENV
from .faults import KINDS, FaultConfig, FaultConfigError


def default_db() -> str:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return str(cache / "pulumi-svix" / "emulator.sqlite3")


EPILOG = f"""\
database:
  The default --db is one file for the whole machine: every stack pointed at an emulator
  started without --db shares its objects (a second stack with the same uids takes over
  the first one's). Give each stack a database of its own, e.g. --db .svix-dev.sqlite3.

admin routes (same bearer token as the API, Authorization: Bearer <token>; 401 without it;
never counted in the stats, never faulted):
  GET    /_emulator/stats      flavor, API requests per "METHOD /route", faults injected
  POST   /_emulator/reset      no data, no counters, faults back to the start-up settings
  GET    /_emulator/faults     the fault configuration in force
  POST   /_emulator/faults     replace it; a JSON object, omitted fields take their defaults:
           rate         probability of a fault per API request, 0 to 1 (default 0: off)
           kinds        list (or comma-separated string) of: {", ".join(KINDS)}
                        (default: all of them)
           latency_ms   milliseconds added before every API request (default 0)
           seed         seed of the fault RNG, or null (default null)
           retry_after  Retry-After seconds of injected 429s (default 1)
         answers the new configuration; an unknown field or a bad value is a 422
  GET    /_emulator/contract   with --validate-contract: exchanges that broke the OpenAPI spec
  DELETE /_emulator/contract   forget them

delivery:
  Messages (POST /api/v1/app/{{app_id}}/msg) are delivered by the emulator's own worker to the
  matching endpoints, signed as Svix signs them (svix-id, svix-timestamp, svix-signature), and
  every call is recorded as a message attempt. Failures are retried on Svix's schedule (5 s,
  5 min, 30 min, 2 h, 5 h, 10 h, 10 h; --retry-schedule compresses it). Only loopback is
  delivered to unless --allow-delivery-to names more networks; any other address gets a failed
  attempt saying so. Pending deliveries are kept in the database across restarts.

example:
  curl -X POST http://127.0.0.1:{DEFAULT_PORT}/_emulator/faults \\
    -H "Authorization: Bearer {DEFAULT_TOKEN}" \\
    -H "Content-Type: application/json" \\
    -d '{{"rate": 0.2, "kinds": ["500", "429", "reset"], "seed": 7}}'
"""


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="pulumi-svix-emulator",
        description="A local, persistent, fault-injecting emulator of the Svix API.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flavor", choices=FLAVORS, default=DEFAULT_FLAVOR,
                        help="which Svix to play: Svix Cloud, or the self-hosted svix-server "
                             "(default: %(default)s)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")
    parser.add_argument("--db", default=default_db(),
                        help="SQLite file (default: %(default)s, shared by every stack on this "
                             "machine: see below); ':memory:' keeps nothing")
    parser.add_argument("--token", default=os.environ.get(TOKEN_ENV) or DEFAULT_TOKEN,
                        help=f"bearer token clients must send (default: ${TOKEN_ENV} or the "
                             "documented dev token)")
    parser.add_argument("--fault-rate", type=float, default=0.0,
                        help="probability of a fault per API request (0-1)")
    parser.add_argument("--fault-kinds", default=",".join(KINDS),
                        help="comma-separated subset of: " + ", ".join(KINDS))
    parser.add_argument("--latency-ms", type=int, default=0, help="added to every API request")
    parser.add_argument("--retry-after", type=int, default=1,
                        help="Retry-After seconds of injected 429s")
    parser.add_argument("--seed", type=int, default=None, help="seed of the fault RNG")
    parser.add_argument("--retry-schedule", default=None, metavar="SECONDS,...",
                        help="seconds between a failed delivery attempt and the next, e.g. "
                             "0.1,0.2,0.4 for tests (default: Svix's 5 s, 5 min, 30 min, 2 h, "
                             "5 h, 10 h, 10 h)")
    parser.add_argument("--allow-delivery-to", action="append", default=None, metavar="CIDR",
                        help="also deliver messages to addresses in CIDR (repeatable; default: "
                             "loopback only, 127.0.0.0/8 and ::1); other URLs get a failed "
                             "attempt saying why")
    parser.add_argument("--validate-contract", action="store_true",
                        help="validate every API exchange against the flavor's OpenAPI spec "
                             "(violations at GET /_emulator/contract)")
    parser.add_argument("--exit-with", type=int, default=None, metavar="PID",
                        help="stop when process PID is gone (tests pass their own pid: a test run "
                             "killed outright leaves no emulator behind)")
    parser.add_argument("--log-level", default="warning")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        faults = FaultConfig(rate=args.fault_rate, kinds=tuple(args.fault_kinds.split(",")),
                             latency_ms=args.latency_ms, seed=args.seed,
                             retry_after=args.retry_after)
    except FaultConfigError as err:
        print(f"pulumi-svix-emulator: {err}", file=sys.stderr)
        return 2

    try:
        delivery = delivery_config(args)
    except ValueError as err:
        print(f"pulumi-svix-emulator: {err}", file=sys.stderr)
        return 2

    import uvicorn

    from .app import create_app
    from .contract import Contract, SpecNotFound, find_spec
    from .flavor import get_flavor
    from .store import Store

    contract = None
    if args.validate_contract:
        try:
            contract = Contract(find_spec(args.flavor))
        except SpecNotFound as err:
            print(f"pulumi-svix-emulator: {err}", file=sys.stderr)
            return 2

    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose
    # proto says TCP, and without it every response waits ~40 ms for a delayed ACK.
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((args.host, args.port))
    except OSError as err:
        print(f"pulumi-svix-emulator: cannot listen on {args.host}:{args.port}: {err}",
              file=sys.stderr)
        return 2
    host, port = sock.getsockname()[:2]
    url_host = f"[{host}]" if ":" in host else host

    store = Store(args.db)
    app = create_app(store=store, token=args.token, faults=faults, contract=contract,
                     flavor=get_flavor(args.flavor), delivery=delivery)
    config = uvicorn.Config(app, log_level=args.log_level, access_log=False,
                            proxy_headers=False, lifespan="off", timeout_graceful_shutdown=2)

    class Server(uvicorn.Server):
        async def startup(self, sockets=None):
            await super().startup(sockets=sockets)
            if not self.should_exit:
                await app.delivery.start()
                print(f"listening on http://{url_host}:{port}", flush=True)

        async def shutdown(self, sockets=None):
            await app.delivery.stop()  # calls in flight stay queued in SQLite for next time
            await super().shutdown(sockets=sockets)

        async def on_tick(self, counter: int) -> bool:
            # uvicorn ticks every 0.1 s; once a second, look for the process we serve.
            if args.exit_with and counter % 10 == 0 and not _alive(args.exit_with):
                print(f"pulumi-svix-emulator: process {args.exit_with} is gone, stopping",
                      file=sys.stderr)
                return True
            return await super().on_tick(counter)

    try:
        Server(config).run(sockets=[sock])
    finally:
        store.close()
    return 0


def delivery_config(args):
    """The delivery worker's settings from ``--retry-schedule`` and ``--allow-delivery-to``."""
    from .delivery import (DEFAULT_ALLOWED_NETWORKS, SVIX_RETRY_SCHEDULE, DeliveryConfig,
                           parse_networks, parse_retry_schedule)

    schedule = (parse_retry_schedule(args.retry_schedule) if args.retry_schedule is not None
                else SVIX_RETRY_SCHEDULE)
    extra = [cidr for value in args.allow_delivery_to or () for cidr in value.split(",") if cidr]
    return DeliveryConfig(retry_schedule=schedule,
                          allowed_networks=parse_networks([*DEFAULT_ALLOWED_NETWORKS, *extra]))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by someone else
        return True
    return True


if __name__ == "__main__":
    sys.exit(main())
