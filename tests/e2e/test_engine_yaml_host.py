"""scripts/engine.sh provides Pulumi YAML's language host, pulumi-language-yaml, in .tools/bin.

The script is run from a copy of the repository's scripts/ and engine/ (it works on the repository it lies in, so
the real .tools/bin is never touched) on the "pulumi on PATH" path, with a pulumi directory that has the four Python
executables but no pulumi-language-yaml beside them: the script builds just that one (cached in the same place as
`make engine`'s build, so after `make engine` this costs seconds) and links it; with one beside pulumi, it links that
one and builds nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from scripts.engine_env import REPO_ROOT
from tests.fixtures_engine import ENGINE_EXECUTABLES

pytestmark = pytest.mark.engine

YAML_HOST = "pulumi-language-yaml"


def repository_copy(root: Path) -> Path:
    (root / "scripts").mkdir(parents=True)
    shutil.copy2(REPO_ROOT / "scripts" / "engine.sh", root / "scripts" / "engine.sh")
    shutil.copytree(REPO_ROOT / "engine", root / "engine")
    return root


def pulumi_dir(directory: Path, engine_bin: Path, executables: tuple[str, ...]) -> Path:
    """A directory as an installed pulumi would be, its executables scripts that run the real ones (so they do
    not resolve to the engine cache, which the script does not count as "a pulumi on PATH")."""
    directory.mkdir(parents=True)
    directory = directory.resolve()
    for name in executables:
        script = directory / name
        script.write_text(f'#!/bin/sh\nexec "{(engine_bin / name).resolve()}" "$@"\n')
        script.chmod(0o755)
    return directory


def engine_cache(engine_bin: Path) -> str:
    """The cache `make engine` used, when .tools/bin links into it (.../engine/<version>/bin)."""
    built = (engine_bin / YAML_HOST).resolve()
    if built.parent.name == "bin" and built.parent.parent.parent.name == "engine":
        return str(built.parent.parent.parent)
    return str(Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "pulumi-svix" / "engine")


def run_engine_script(repo: Path, path_dirs: list[Path], cache: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "PULUMI_SVIX_ENGINE_BUILD"}
    go = shutil.which("go")  # the script also looks in /usr/local/go/bin
    env["PATH"] = os.pathsep.join([*map(str, path_dirs), *([str(Path(go).parent)] if go else []), "/usr/bin", "/bin"])
    env["PULUMI_SVIX_ENGINE_CACHE"] = cache
    result = subprocess.run(["bash", str(repo / "scripts" / "engine.sh")], env=env, capture_output=True,
                            text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_builds_pulumi_language_yaml_beside_a_pulumi_without_it(engine_bin, tmp_path):
    repo = repository_copy(tmp_path / "repo")
    installed = pulumi_dir(tmp_path / "pulumi-without-yaml", engine_bin, ENGINE_EXECUTABLES)

    first = run_engine_script(repo, [installed], engine_cache(engine_bin))

    tools = repo / ".tools" / "bin"
    for name in ENGINE_EXECUTABLES:  # the Python side comes from that pulumi, unchanged
        assert os.readlink(tools / name) == str(installed / name), first.stdout
    host = (tools / YAML_HOST).resolve()
    assert host.parent != installed and os.access(host, os.X_OK), first.stdout
    assert "v1.25.0" in (host.parent / ".yaml.key").read_text()
    assert f"{YAML_HOST} v1.25.0 ready in .tools/bin" in first.stdout

    # It serves: the language host prints the port of its gRPC server first (then waits for the engine).
    process = subprocess.Popen([str(host)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout.readline().strip().isdigit()
    finally:
        process.kill()
        process.wait(timeout=10)

    # Cached: a second run builds nothing.
    second = run_engine_script(repo, [installed], engine_cache(engine_bin))
    assert "compiling" not in second.stdout and (tools / YAML_HOST).resolve() == host, second.stdout


def test_links_the_pulumi_language_yaml_beside_pulumi(engine_bin, tmp_path):
    repo = repository_copy(tmp_path / "repo")
    installed = pulumi_dir(tmp_path / "pulumi-with-yaml", engine_bin, (*ENGINE_EXECUTABLES, YAML_HOST))

    result = run_engine_script(repo, [installed], str(tmp_path / "unused-cache"))

    assert os.readlink(repo / ".tools" / "bin" / YAML_HOST) == str(installed / YAML_HOST)
    assert "compiling" not in result.stdout
    assert not (tmp_path / "unused-cache").exists()  # nothing built, nothing cached
