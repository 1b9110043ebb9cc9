"""Pytest fixtures that run the Svix emulator (a real server process on loopback).

Every emulator started here checks the OpenAPI contract of its flavor (Svix Cloud's, or the
self-hosted svix-server's for ``oss``) and is stopped when its fixture ends, even on failure.

- ``emulator``: a fresh Svix Cloud emulator per test, its SQLite file under ``tmp_path``. At
  teardown the test fails if any request or response of the test broke the contract, unless
  it is marked ``@pytest.mark.allow_contract_violations`` (see ``check_contract``).
- ``oss_emulator``: the same, playing the self-hosted svix-server (``flavor="oss"``).
- ``emulator_pool``: the session's shared emulators, one per flavor, started on first use:
  ``emulator_pool.shared("oss")`` resets that flavor's emulator (data, counters, faults,
  violations) and returns it. The caller checks the contract: ``check_contract(request, emu)``.
- ``emulator_session``: the pool's Svix Cloud emulator, as it is (no reset); use it through
  ``shared_emulator``, which resets it before each test and checks the contract after it.
- ``svix_api``: a ``requests`` session for the ``emulator`` fixture (see ``ApiSession``).
"""

from pathlib import Path

import pytest
import requests

from pulumi_svix.emulator.runner import Emulator

ALLOW_MARK = "allow_contract_violations"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", f"{ALLOW_MARK}: the test sends requests that break the Svix OpenAPI "
                   "contract on purpose; the emulator fixtures do not fail it for that")


def check_contract(request, emulator: Emulator) -> None:
    """Fail the test of ``request`` if ``emulator`` recorded contract violations, unless it is
    marked ``allow_contract_violations``."""
    violations = emulator.contract_violations()
    if violations and request.node.get_closest_marker(ALLOW_MARK) is None:
        lines = "\n".join(f"  {v['method']} {v['route']} [{v['direction']}"
                          f"{' ' + str(v['status']) if v['status'] else ''}]: {v['message']}"
                          for v in violations[:50])
        pytest.fail(f"{len(violations)} Svix API contract violation(s) "
                    f"({emulator.flavor} emulator):\n{lines}", pytrace=False)


class EmulatorPool:
    """One contract-checked emulator per flavor, shared by the whole session."""

    def __init__(self, directory: Path):
        self._directory = directory
        self._emulators: dict[str, Emulator] = {}

    def started(self, flavor: str) -> Emulator:
        """The flavor's emulator as it is, started now if it is not running."""
        emulator = self._emulators.get(flavor)
        if emulator is not None and emulator.is_running():
            return emulator
        if emulator is not None:  # it died (a test may kill it): start a new one
            emulator.stop()
        emulator = Emulator(db=self._directory / f"{flavor}.sqlite3", validate_contract=True,
                            log_path=self._directory / f"{flavor}.log", flavor=flavor)
        emulator.start()
        self._emulators[flavor] = emulator
        return emulator

    def shared(self, flavor: str) -> Emulator:
        """The flavor's emulator, reset: no data, counters, violations; start-up faults."""
        emulator = self.started(flavor)
        emulator.reset()
        return emulator

    def stop_all(self) -> None:
        emulators, self._emulators = list(self._emulators.values()), {}
        for emulator in emulators:
            emulator.stop()


@pytest.fixture(scope="session")
def emulator_pool(tmp_path_factory):
    pool = EmulatorPool(tmp_path_factory.mktemp("svix-emulators"))
    try:
        yield pool
    finally:
        pool.stop_all()


def _fresh_emulator(request, directory: Path, flavor: str):
    emu = Emulator(db=directory / f"svix-emulator-{flavor}.sqlite3", validate_contract=True,
                   log_path=directory / f"svix-emulator-{flavor}.log", flavor=flavor)
    emu.start()
    try:
        yield emu
        check_contract(request, emu)
    finally:
        emu.stop()


@pytest.fixture
def emulator(request, tmp_path):
    yield from _fresh_emulator(request, tmp_path, "cloud")


@pytest.fixture
def oss_emulator(request, tmp_path):
    yield from _fresh_emulator(request, tmp_path, "oss")


@pytest.fixture(scope="session")
def emulator_session(emulator_pool):
    return emulator_pool.started("cloud")


@pytest.fixture
def shared_emulator(request, emulator_pool):
    emulator = emulator_pool.shared("cloud")
    yield emulator
    check_contract(request, emulator)


class ApiSession(requests.Session):
    """``requests`` bound to an emulator: ``api.post("/api/v1/app", json=...)``."""

    def __init__(self, emulator: Emulator):
        super().__init__()
        self.base_url = emulator.url
        self.headers["Authorization"] = f"Bearer {emulator.token}"

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", 30)
        return super().request(method, self.base_url + url, *args, **kwargs)


@pytest.fixture
def svix_api(emulator):
    with ApiSession(emulator) as session:
        yield session
