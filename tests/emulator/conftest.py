"""Fixtures of the emulator's behaviour tests: ``api``, a requests session on the shared
emulator (reset before each test, contract-checked after it). Builders are in helpers.py."""

import pytest

from tests.fixtures_emulator import ApiSession


@pytest.fixture
def api(shared_emulator):
    with ApiSession(shared_emulator) as session:
        yield session
