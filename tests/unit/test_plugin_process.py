"""The plugin process: it prints its port and serves, and it does not outlive the engine that started it."""

from __future__ import annotations

import subprocess
import sys
import time

import psutil

from scripts.engine_env import VENV_PYTHON

PLUGIN = VENV_PYTHON.parent / "pulumi-resource-svix"

# A stand-in for the engine: starts the plugin, reads its port, prints the plugin's pid, and dies without
# stopping it (as a SIGKILLed CLI would).
PARENT = f"""
import subprocess, sys
plugin = subprocess.Popen([{str(PLUGIN)!r}, "127.0.0.1:1"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
port = plugin.stdout.readline().decode().strip()
print(plugin.pid, port, flush=True)
"""


def test_the_plugin_stops_once_its_parent_is_gone():
    parent = subprocess.run([sys.executable, "-c", PARENT], capture_output=True, text=True, timeout=60)
    pid, port = parent.stdout.split()
    assert int(port) > 0
    plugin = psutil.Process(int(pid))
    try:
        gone, _ = psutil.wait_procs([plugin], timeout=15)
        assert gone, "pulumi-resource-svix still runs after the process that started it exited"
    finally:
        if plugin.is_running():
            plugin.kill()
