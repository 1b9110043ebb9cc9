pytest_plugins = ["tests.fixtures_emulator", "tests.fixtures_engine"]
