import pytest

from pulumi_svix import client as client_module
from pulumi_svix.config import Settings


@pytest.fixture
def svix_settings(emulator):
    """Points the provider's process-wide client at a fresh emulator (as configure() would)."""
    settings = Settings(server_url=emulator.url, token=emulator.token)
    client_module.configure(settings)
    yield settings
    client_module.configure(None)
