"""Prints the figures of the reliability tests (faults, retries, interruptions, bad input) at the
end of the pytest run, so that `make test` output carries them."""

import contextlib
import json

import pytest

from pulumi_svix.emulator.runner import Emulator


@pytest.fixture
def start_emulator(tmp_path):
    """Starts emulators, each in its own directory under ``tmp_path``; request this fixture
    before ``stack_factory`` so that they outlive the stacks (destroyed at its teardown)."""
    with contextlib.ExitStack() as running:
        def start(name: str, **options) -> Emulator:
            directory = tmp_path / name
            directory.mkdir()
            return running.enter_context(Emulator(db=directory / "svix-emulator.sqlite3",
                                                  log_path=directory / "svix-emulator.log", **options))
        yield start


def pytest_terminal_summary(terminalreporter):
    from . import test_bad_input, test_faults, test_interruption

    sections = {"faults (per seed)": test_faults.REPORT,
                "interruption (per seed)": test_interruption.REPORT,
                "bad input": test_bad_input.REPORT}
    if not any(sections.values()):
        return
    terminalreporter.section("reliability figures")
    for title, figures in sections.items():
        if figures:
            terminalreporter.write_line(f"{title}:")
            terminalreporter.write_line(json.dumps(figures, indent=1, sort_keys=True, default=str))
