"""`python -m bench --quick` runs end to end through the real engine and writes its files: the loopback
part (tables, JSON, plot) and the latency-bound part (its section, the JSON, its plot).

No benchmark figure is asserted (figures are for reading, not pass/fail); what is checked is that
every part of the benchmark ran and reported: both implementations, every operation, the API-call
counts, state sizes, import time, and a PNG.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from scripts.engine_env import REPO_ROOT

pytestmark = pytest.mark.engine


def test_quick_bench_writes_table_json_and_plot(engine_bin, tmp_path):
    out = tmp_path / "results"
    done = subprocess.run([sys.executable, "-m", "bench", "--quick", "--out", str(out)], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    table = (out / "latest.md").read_text()
    assert "## 1. API calls per object" in table and "## Targets" in table
    assert table.split("\n![")[0].strip() in done.stdout  # the same table went to stdout

    summary = json.loads((out / "latest.json").read_text())
    calls = summary["calls"]["8"]
    assert set(calls) == {"create", "preview", "noop_up", "refresh", "update", "destroy"}
    assert calls["create"]["total"] > 0  # the emulator really saw the creates
    for mode, ops in (("engine", set(calls)), ("default", {"create", "destroy"})):
        rows = summary["times"][mode]["8"]
        assert set(rows) == ops
        for row in rows.values():
            assert row["svix"]["seconds"] > 0 and row["null"]["seconds"] > 0
    assert summary["times"]["engine"]["8"]["create"]["raw_seconds"] > 0
    assert summary["state"]["8"]["svix"]["provider_bytes_per_resource"] > 0
    assert summary["provider_peak_rss"]["svix"] > 0
    assert summary["imports"]["import_pulumi_svix_adds_s"] > 0
    assert {t["target"] for t in summary["targets"]} >= {"__provider bytes per resource"}

    assert (out / "latest.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # the latency-bound part: every implementation and operation ran against the slowed emulator
    assert "# Against a remote Svix" in table and "## Which limit binds" in table
    latency = summary["latency"]
    ran = {(row["impl"], row["op"]) for row in latency["rows"]}
    assert {("svix", op) for op in ("create", "noop_up", "refresh", "destroy")} <= ran
    assert {("null", "create"), ("raw", "create"), ("raw", "refresh"), ("raw", "destroy")} <= ran
    created = next(row for row in latency["rows"] if row["impl"] == "svix" and row["op"] == "create")
    assert created["requests"] > 0 and created["peak_in_flight"] >= 1
    assert latency["round_trips"]["create"]["Endpoint"] > 0
    assert latency["probe"]["svix create"]["requests"] == 8
    assert set(latency["faces"]) == {"svix", "native", "null"}
    assert (out / "latency.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
