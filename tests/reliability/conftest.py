"""The ``start_emulator`` fixture, and the figures of the reliability tests (faults, retries,
interruptions, bad input, orphans) printed at the end of the pytest run, so that `make test` output
carries them."""

import json
import threading

import pytest

from pulumi_svix.emulator.runner import Emulator


class EmulatorsTornDown(RuntimeError):
    """An emulator was asked for (or finished starting) after its test's teardown had begun."""


@pytest.fixture
def start_emulator(tmp_path):
    """Starts emulators, each in its own directory under ``tmp_path``; request this fixture
    before ``stack_factory`` so that they outlive the stacks (destroyed at its teardown).

    Every emulator it starts is stopped at teardown, whatever the test's outcome, also when jobs
    on other threads (see helpers.run_jobs) are still starting emulators at that moment: an
    emulator whose start completes after teardown began stops itself and raises."""
    lock = threading.Lock()
    started: list[Emulator] = []
    closed = False

    def start(name: str, **options) -> Emulator:
        with lock:
            if closed:
                raise EmulatorsTornDown(f"emulator {name!r} asked for after the test ended")
        directory = tmp_path / name
        directory.mkdir()
        emulator = Emulator(db=directory / "svix-emulator.sqlite3",
                            log_path=directory / "svix-emulator.log", **options)
        try:
            emulator.start()
        except BaseException:
            # start() stops the process on its own failures, not when interrupted (KeyboardInterrupt).
            emulator.stop()
            raise
        with lock:
            if not closed:
                started.append(emulator)
                return emulator
        emulator.stop()
        raise EmulatorsTornDown(f"emulator {name!r} finished starting after the test ended; stopped it")

    try:
        yield start
    finally:
        with lock:
            closed = True
        problems = []
        for emulator in reversed(started):
            try:
                emulator.stop()
            except Exception as error:  # noqa: BLE001 - stop the others first, then report
                problems.append(f"{emulator.db}: {error!r}")
        assert not problems, f"emulators that did not stop: {problems}"


def pytest_terminal_summary(terminalreporter):
    from . import test_bad_input, test_faults, test_interruption, test_orphans

    sections = {"faults (per seed)": test_faults.REPORT,
                "interruption (per seed)": test_interruption.REPORT,
                "bad input": test_bad_input.REPORT,
                "orphans": test_orphans.REPORT}
    if not any(sections.values()):
        return
    terminalreporter.section("reliability figures")
    for title, figures in sections.items():
        if figures:
            terminalreporter.write_line(f"{title}:")
            terminalreporter.write_line(json.dumps(figures, indent=1, sort_keys=True, default=str))
