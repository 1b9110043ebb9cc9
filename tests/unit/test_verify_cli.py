"""``pulumi-svix verify``'s command line without a server: its options, and the one-line failures (exit code 2)
that come before anything is sent — no token, a bad --timeout or --payload, an unreachable server."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_svix import cli, client

BIN = Path(sys.executable).parent / "pulumi-svix"


def test_verify_lists_its_options_and_needs_an_app():
    done = subprocess.run([str(BIN), "verify", "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    for option in ("--app", "--event-type", "--timeout", "--payload", "--json", "--server-url"):
        assert option in done.stdout, option
    done = subprocess.run([str(BIN), "verify"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "the following arguments are required: --app" in done.stderr


@pytest.fixture
def no_token(monkeypatch):
    for name in ("SVIX_AUTH_TOKEN", "SVIX_TOKEN", "SVIX_SERVER_URL"):
        monkeypatch.delenv(name, raising=False)


def test_without_a_token_it_says_so_in_one_line(no_token, capsys):
    assert cli.main(["verify", "--app", "acme"]) == 2
    assert capsys.readouterr().err == "pulumi-svix verify: no Svix API token: set SVIX_AUTH_TOKEN\n"


@pytest.mark.parametrize("value", ["0", "-5", "soon"])
def test_a_timeout_must_be_positive_seconds(value, capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["verify", "--app", "acme", "--timeout", value])
    assert stopped.value.code == 2
    assert "is not a positive number of seconds" in capsys.readouterr().err


@pytest.mark.parametrize("content, message", [
    (None, "cannot read it"),
    ("{not json", "not JSON"),
    ("[1, 2]", "must hold a JSON object, not list"),
])
def test_a_bad_payload_file_is_named_before_anything_is_sent(tmp_path, monkeypatch, capsys, content, message):
    monkeypatch.setenv("SVIX_AUTH_TOKEN", "testsk_secret-token")
    path = tmp_path / "payload.json"
    if content is not None:
        path.write_text(content)
    # A server nobody listens on: the payload is checked before any request would fail.
    assert cli.main(["verify", "--app", "acme", "--payload", str(path), "--server-url", "http://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"pulumi-svix verify: --payload {path}: {message}") and err.count("\n") == 1, err


def test_an_unreachable_server_is_one_line_without_the_token(monkeypatch, capsys):
    monkeypatch.setattr(client, "CALL_DEADLINE_SECONDS", 1.0)  # not the 40 s retry budget
    monkeypatch.setenv("SVIX_AUTH_TOKEN", "testsk_secret-token")
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert cli.main(["verify", "--app", "acme", "--server-url", f"http://127.0.0.1:{port}"]) == 2
    out = capsys.readouterr()
    assert out.out == "" and out.err.count("\n") == 1, out
    assert out.err.startswith(f"pulumi-svix verify: could not reach Svix at http://127.0.0.1:{port}")
    assert "testsk_secret-token" not in out.err


def test_an_interrupted_verify_is_one_line(monkeypatch, capsys):
    from pulumi_svix import verify

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setenv("SVIX_AUTH_TOKEN", "testsk_secret-token")
    monkeypatch.setattr(verify, "verify", interrupted)
    assert cli.main(["verify", "--app", "acme", "--server-url", "http://127.0.0.1:9"]) == 130
    assert capsys.readouterr().err == "pulumi-svix verify: interrupted\n"


# A child that runs `pulumi-svix verify` with verify.verify replaced by canned rows (no server needed).
CANNED = """
import sys
from pulumi_svix import cli, verify
from pulumi_svix.verify import Result
ok = sys.argv[1] == "ok"
rows = [Result("acme", "app_1", f"ep{n}", f"ep_{n}", "https://h/…", "invoice.paid", "accepted" if ok else "failed",
               200, 3, f"msg_{n}", "" if ok else "HTTP 500, 3 ms") for n in range(2000)]
verify.verify = lambda *args, **kwargs: rows
sys.exit(cli.main(["verify", "--app", "acme", "--server-url", "http://127.0.0.1:9", *sys.argv[2:]]))
"""


@pytest.mark.parametrize("verdict, code", [("ok", 0), ("failed", 1)])
@pytest.mark.parametrize("mode", [[], ["--json"]])
def test_a_closed_stdout_ends_quietly_with_the_verdicts_exit_code(verdict, code, mode):
    import os

    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| true`: nobody reads
    try:
        done = subprocess.run([sys.executable, "-c", CANNED, verdict, *mode], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=60,
                              env={**os.environ, "SVIX_AUTH_TOKEN": "testsk_secret-token"})
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (code, ""), done.stderr


def test_when_svix_fails_after_sending_the_rows_and_message_ids_known_are_printed(monkeypatch, capsys):
    from pulumi_svix import verify
    from pulumi_svix.verify import Result

    rows = [Result("acme", "app_1", "billing", "ep_1", "https://h/…", "invoice.paid", "accepted", 200, 3, "msg_1"),
            Result("acme", "app_1", "users", "ep_2", "https://h/…", "user.created", "failed", message_id="msg_2",
                   detail="outcome unknown: Svix stopped answering (its attempts, not read)")]

    def unfinished(*args, **kwargs):
        raise verify.Unfinished(client.SvixError("Svix at http://x did not answer within 40 s"), rows)

    monkeypatch.setenv("SVIX_AUTH_TOKEN", "testsk_secret-token")
    monkeypatch.setattr(verify, "verify", unfinished)
    assert cli.main(["verify", "--app", "acme", "--server-url", "http://127.0.0.1:9"]) == 2
    out = capsys.readouterr()
    assert "accepted (HTTP 200, 3 ms)" in out.out and "outcome unknown" in out.out
    assert "did not answer within 40 s" in out.err and "msg_1" in out.err and "msg_2" in out.err


def test_a_rejected_token_points_at_the_environment_not_the_stack_config(monkeypatch, capsys):
    from http.server import BaseHTTPRequestHandler, HTTPServer
    import threading

    class Unauthorized(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(401)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Unauthorized)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("SVIX_AUTH_TOKEN", "testsk_secret-token")
        assert cli.main(["verify", "--app", "acme", "--server-url", f"http://127.0.0.1:{server.server_port}"]) == 2
    finally:
        server.shutdown()
        server.server_close()
    err = capsys.readouterr().err
    assert "rejected the API token" in err and "SVIX_AUTH_TOKEN" in err and "svix:token" not in err, err


def test_an_error_line_from_the_server_cannot_drive_the_terminal(monkeypatch, capsys):
    from pulumi_svix import verify

    def hostile(*args, **kwargs):
        raise client.SvixApiError("GET", "/api/v1/event-type", 500, "error", "\x1b[2Kall fine", None)

    monkeypatch.setenv("SVIX_AUTH_TOKEN", "testsk_secret-token")
    monkeypatch.setattr(verify, "verify", hostile)
    assert cli.main(["verify", "--app", "acme", "--server-url", "http://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\\x1b[2Kall fine" in err
