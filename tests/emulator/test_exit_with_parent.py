"""An emulator started through the runner stops by itself when the process that started it dies
without stopping it (a test run killed outright runs no teardown)."""

import subprocess
import sys
import textwrap
import time

import psutil

PARENT = textwrap.dedent("""
    import sys, time
    from pulumi_svix.emulator.runner import Emulator
    emulator = Emulator().start()
    print(emulator.pid, flush=True)
    time.sleep(600)
""")


def test_the_emulator_stops_when_the_process_that_started_it_is_killed():
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    emulator = None
    try:
        emulator = psutil.Process(int(parent.stdout.readline()))
        assert emulator.is_running()
        parent.kill()  # SIGKILL: no finally, no atexit in the parent
        parent.wait()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and emulator.is_running() and emulator.status() != "zombie":
            time.sleep(0.1)
        assert not emulator.is_running() or emulator.status() == "zombie", "the emulator outlived its parent"
    finally:
        parent.kill()
        if emulator is not None and emulator.is_running():
            emulator.kill()
