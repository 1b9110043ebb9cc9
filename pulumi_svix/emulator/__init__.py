"""A local, persistent, fault-injecting emulator of the Svix API.

Serve it with ``python -m pulumi_svix.emulator`` (or ``pulumi-svix-emulator``)::

    pulumi-svix-emulator --port 8071 --db ./svix.sqlite3
    # -> listening on http://127.0.0.1:8071

and point pulumi-svix (or any Svix client) at that URL with the token below. It serves
applications, endpoints (with headers and secrets), event types, integrations, messages,
message attempts, app portal access and health as Svix Cloud's OpenAPI document describes
them (vendored in ``openapi/``), stores them in SQLite, delivers messages to endpoints on
loopback, signed as Svix signs them (``delivery``; ``README.md`` lists the operations served),
and adds:

- ``GET /_emulator/stats``: API requests per "METHOD /route/{template}", faults injected;
- ``POST /_emulator/reset``: no data, no counters, faults back to the start-up settings;
- ``GET|POST /_emulator/faults``: ``{"rate", "kinds", "latency_ms", "seed", "retry_after"}``
  (see ``faults``), also settable at start with ``--fault-rate`` & co;
- ``GET|DELETE /_emulator/contract``: with ``--validate-contract``, the exchanges that broke
  the OpenAPI contract (see ``contract``).

``--flavor oss`` plays the self-hosted svix-server v1.100 instead of Svix Cloud (no
integrations, ``featureFlag``, ... see ``flavor``), checked against that server's own document.

From Python, :class:`pulumi_svix.emulator.runner.Emulator` starts one in a child process.
This ``__init__`` stays import-light: FastAPI and uvicorn load only in the server process.
"""

# The documented development token: clients of a default emulator send
# ``Authorization: Bearer testsk_pulumi-svix-emulator-dev-token``. It guards nothing but
# loopback test data; choose another with --token or $SVIX_EMULATOR_TOKEN.
DEFAULT_TOKEN = "testsk_pulumi-svix-emulator-dev-token"
TOKEN_ENV = "SVIX_EMULATOR_TOKEN"
DEFAULT_PORT = 8071

# Which Svix the emulator plays (``--flavor``): Svix Cloud, or the self-hosted svix-server.
FLAVORS = ("cloud", "oss")
DEFAULT_FLAVOR = "cloud"

__all__ = ["DEFAULT_TOKEN", "TOKEN_ENV", "DEFAULT_PORT", "FLAVORS", "DEFAULT_FLAVOR"]
