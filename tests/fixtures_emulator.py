"""Pytest fixtures that run the Svix emulator (a real server process on loopback).

- ``emulator``: a fresh emulator per test, its SQLite file under ``tmp_path``, contract
  checking on. At teardown the test fails if any request or response of the test broke
  the OpenAPI contract, unless it is marked ``@pytest.mark.allow_contract_violations``.
- ``emulator_session``: one emulator for the whole session (contract checking on);
  use it through ``shared_emulator``, which resets it (data, counters, faults, violations)
  before each test and applies the same contract check at teardown.
- ``svix_api``: a ``requests`` session for the ``emulator`` fixture (see ``ApiSession``).
"""

import pytest
import requests

from pulumi_svix.emulator.runner import Emulator

ALLOW_MARK = "allow_contract_violations"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", f"{ALLOW_MARK}: the test sends requests that break the Svix OpenAPI "
                   "contract on purpose; the emulator fixtures do not fail it for that")


def _check_contract(request, emulator: Emulator) -> None:
    violations = emulator.contract_violations()
    if violations and request.node.get_closest_marker(ALLOW_MARK) is None:
        lines = "\n".join(f"  {v['method']} {v['route']} [{v['direction']}"
                          f"{' ' + str(v['status']) if v['status'] else ''}]: {v['message']}"
                          for v in violations[:50])
        pytest.fail(f"{len(violations)} Svix API contract violation(s):\n{lines}",
                    pytrace=False)


@pytest.fixture
def emulator(request, tmp_path):
    emu = Emulator(db=tmp_path / "svix-emulator.sqlite3", validate_contract=True,
                   log_path=tmp_path / "svix-emulator.log")
    emu.start()
    try:
        yield emu
        _check_contract(request, emu)
    finally:
        emu.stop()


@pytest.fixture(scope="session")
def emulator_session(tmp_path_factory):
    directory = tmp_path_factory.mktemp("svix-emulator")
    with Emulator(db=directory / "svix-emulator.sqlite3", validate_contract=True,
                  log_path=directory / "svix-emulator.log") as emu:
        yield emu


@pytest.fixture
def shared_emulator(request, emulator_session):
    emulator_session.reset()
    yield emulator_session
    _check_contract(request, emulator_session)


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
