"""The ``pulumi-svix`` console script: installed, its options, and its one-line failures."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent / "pulumi-svix"


def test_console_script_is_installed_and_lists_its_options():
    scripts = {e.name: e.value for e in entry_points(group="console_scripts")}
    assert scripts["pulumi-svix"] == "pulumi_svix.cli:main"
    done = subprocess.run([str(BIN), "export", "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    for option in ("--out", "--server-url", "--only", "--app", "--virtualenv"):
        assert option in done.stdout, option


def test_without_a_token_it_says_so_in_one_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SVIX_AUTH_TOKEN", "SVIX_TOKEN")}
    done = subprocess.run([str(BIN), "export", "--out", str(tmp_path / "x")], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode != 0 and done.stderr == "pulumi-svix export: no Svix API token: set SVIX_AUTH_TOKEN\n"
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
def test_an_unreachable_server_is_one_line_after_the_retries(tmp_path):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "SVIX_AUTH_TOKEN": "testsk_x"}
    done = subprocess.run([str(BIN), "export", "--out", str(tmp_path / "x"), "--server-url",
                           f"http://127.0.0.1:{port}"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert done.stderr.count("\n") == 1 and "could not reach Svix at http://127.0.0.1:" in done.stderr, done.stderr
    assert "testsk_x" not in done.stderr and not (tmp_path / "x").exists()
