"""Choosing the flavor: the CLI, the runner, the fixtures; and jsonb key order."""

import pytest

from pulumi_svix.emulator.__main__ import parse_args
from pulumi_svix.emulator.flavor import get_flavor, jsonb_order
from pulumi_svix.emulator.runner import Emulator
from tests.fixtures_emulator import ApiSession

from .helpers import make_app


def test_the_cli_takes_a_flavor_and_defaults_to_cloud(capsys):
    assert parse_args([]).flavor == "cloud"
    assert parse_args(["--flavor", "oss"]).flavor == "oss"
    with pytest.raises(SystemExit):
        parse_args(["--flavor", "enterprise"])
    assert "invalid choice: 'enterprise'" in capsys.readouterr().err


def test_the_runner_passes_the_flavor_and_refuses_unknown_ones():
    assert Emulator().command()[3:5] == ["--flavor", "cloud"]
    assert "oss" in Emulator(flavor="oss").command()
    with pytest.raises(ValueError, match="unknown emulator flavor 'enterprise'"):
        Emulator(flavor="enterprise")
    with pytest.raises(ValueError, match="unknown flavor 'enterprise'"):
        get_flavor("enterprise")


def test_oss_emulator_fixture_is_a_fresh_contract_checked_oss_server(oss_emulator):
    assert oss_emulator.stats() == {"flavor": "oss", "total": 0, "requests": {}, "faults": {}}
    assert oss_emulator._admin("GET", "contract")["enabled"]
    assert oss_emulator.db.startswith(str(oss_emulator.log_path.parent))


def test_the_pool_shares_one_emulator_per_flavor_and_resets_it(emulator_pool):
    oss = emulator_pool.shared("oss")
    with ApiSession(oss) as api:
        make_app(api, uid="acme")
        oss.set_faults(latency_ms=1)
        again = emulator_pool.shared("oss")
        assert again is oss and again.is_running()
        assert oss.stats()["total"] == 0 and oss._admin("GET", "faults")["latency_ms"] == 0
        assert api.get("/api/v1/app").json()["data"] == []
    cloud = emulator_pool.shared("cloud")
    assert cloud is not oss and cloud.stats()["flavor"] == "cloud"
    with pytest.raises(ValueError, match="unknown emulator flavor"):
        emulator_pool.shared("enterprise")


def test_the_pool_replaces_an_emulator_that_died(emulator_pool):
    dead = emulator_pool.shared("oss")
    dead.stop()
    alive = emulator_pool.shared("oss")
    assert alive is not dead and alive.is_running() and alive.stats()["flavor"] == "oss"


def test_shared_emulator_is_the_pools_cloud_emulator(shared_emulator, emulator_pool):
    assert shared_emulator is emulator_pool.started("cloud")


def test_jsonb_order_is_by_byte_length_then_bytes_at_every_depth():
    value = {"zz": 1, "é": {"b": 1, "B": 2, "a": [{"yy": 1, "x": 2}]}, "z": None}
    ordered = jsonb_order(value)
    assert ordered == value
    assert list(ordered) == ["z", "zz", "é"]  # "é" is two bytes, after "zz" bytewise
    assert list(ordered["é"]) == ["B", "a", "b"]
    assert list(ordered["é"]["a"][0]) == ["x", "yy"]
    assert jsonb_order(None) is None and jsonb_order(["b", "a"]) == ["b", "a"]
