"""examples/quickstart outside this repository, as its README ("Using it outside this repository") says:

``make dist`` builds the wheel and the sdist; the example is copied to a directory outside the repository, the
wheel into its ``wheels/``; a fresh virtualenv gets ``pip install -r requirements.txt`` (pulumi and the other
dependencies from PyPI, pulumi-svix from ``./wheels``); ``Pulumi.yaml`` is pointed at that virtualenv; then the
real engine runs ``pulumi up`` against the emulator and a ``pulumi preview --expect-no-changes``.

Nothing of the repository's virtualenv is reachable by the program or the provider: PATH leaves it out, the
interpreter is the fresh virtualenv's, PYTHONPATH is empty, and the test checks that pulumi_svix is imported
from the installed wheel. pip's download cache (~/.cache/pip) makes repeated runs fast.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scripts.engine_env import REPO_ROOT, TOOLS_BIN, VENV_PYTHON, engine_env
from tests.reliability.helpers import stop_run_processes

pytestmark = pytest.mark.engine

QUICKSTART = REPO_ROOT / "examples" / "quickstart"
DECLARED = 4 + 3 * 4  # four event types; per default customer: application, 2 endpoints, integration


def run(args: list, cwd: Path, env: dict, *, timeout: float, stdin: str | None = None) -> str:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, input=stdin, text=True, timeout=timeout,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=None if stdin is not None else subprocess.DEVNULL)
    assert result.returncode == 0, f"{' '.join(map(str, args))} exited with {result.returncode}:\n{result.stdout}"
    return result.stdout


def test_the_quickstart_runs_from_the_built_wheel_outside_the_repository(emulator, engine_bin, tmp_path):
    timings = {}
    started = time.monotonic()
    # make dist (into a directory of the test's own, not the repository's dist/)
    dist = tmp_path / "dist"
    run(["make", "--no-print-directory", "dist", f"DIST_DIR={dist}"], REPO_ROOT, os.environ, timeout=600)
    wheels = sorted(dist.glob("pulumi_svix-*-py3-none-any.whl"))
    assert len(wheels) == 1 and len(list(dist.glob("pulumi_svix-*.tar.gz"))) == 1, sorted(dist.iterdir())
    timings["make dist"] = time.monotonic() - started

    # The user's copy of the example, outside the repository, with the wheel in wheels/.
    infra = tmp_path / "svix-infra"
    shutil.copytree(QUICKSTART, infra, ignore=shutil.ignore_patterns("__pycache__", "Pulumi.*.yaml", "README.md"))
    assert not infra.resolve().is_relative_to(REPO_ROOT)
    (infra / "wheels").mkdir()
    shutil.copy(wheels[0], infra / "wheels")

    # python -m venv venv && venv/bin/pip install -r requirements.txt
    clean_env = {k: v for k, v in os.environ.items()
                 if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PULUMI_PYTHON_CMD", "PYTHONHOME")}
    clean_env["PATH"] = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep)
                                        if Path(p).resolve() != VENV_PYTHON.parent.resolve())
    clean_env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    step = time.monotonic()
    run([sys.executable, "-m", "venv", "venv"], infra, clean_env, timeout=300)
    python = infra / "venv" / "bin" / "python"
    run([python, "-m", "pip", "install", "--quiet", "-r", "requirements.txt"], infra, clean_env, timeout=900)
    timings["venv + pip install -r requirements.txt"] = time.monotonic() - step
    imported = run([python, "-c", "import pulumi_svix; print(pulumi_svix.__file__)"], tmp_path, clean_env,
                   timeout=60).strip()
    assert Path(imported).is_relative_to(infra / "venv"), imported  # the wheel's copy, not the repository's

    # sed -i 's#virtualenv: ../../.venv#virtualenv: venv#' Pulumi.yaml
    project = (infra / "Pulumi.yaml").read_text()
    assert "virtualenv: ../../.venv" in project
    (infra / "Pulumi.yaml").write_text(project.replace("virtualenv: ../../.venv", "virtualenv: venv"))

    # The real engine, offline, with the fresh virtualenv's interpreter only.
    state = tmp_path / "state"
    env = {**clean_env, **engine_env(state), "PYTHONPATH": "", "PULUMI_PYTHON_CMD": str(python),
           "PATH": os.pathsep.join([str(TOOLS_BIN), clean_env["PATH"]])}
    try:
        step = time.monotonic()
        pulumi = [engine_bin / "pulumi"]
        run([*pulumi, "stack", "init", "dev"], infra, env, timeout=120)
        run([*pulumi, "config", "set", "svix:serverUrl", emulator.url], infra, env, timeout=120)
        run([*pulumi, "config", "set", "--secret", "svix:token"], infra, env, timeout=120, stdin=emulator.token)
        up = run([*pulumi, "up", "--yes", "--non-interactive", "--color", "never"], infra, env, timeout=600)
        assert f"{DECLARED + 1} created" in up, up
        preview = run([*pulumi, "preview", "--expect-no-changes", "--non-interactive", "--color", "never"],
                      infra, env, timeout=600)
        assert f"{DECLARED + 1} unchanged" in preview, preview
        timings["pulumi up + preview"] = time.monotonic() - step
        assert emulator.token not in up + preview
        run([*pulumi, "destroy", "--yes", "--non-interactive", "--color", "never"], infra, env, timeout=600)
    finally:  # every process of these runs (the CLI's plugins stop by themselves; this is the safety net)
        stop_run_processes(env["PULUMI_HOME"])
    print("timings: " + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in timings.items()))
