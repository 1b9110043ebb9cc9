"""Pytest fixtures that run the real Pulumi engine (from `make engine`, in .tools/bin) offline.

- ``engine_bin``: the .tools/bin directory; the test FAILS (never skips) with "run `make engine`" if it is missing.
- ``stack_factory``: a fresh Automation API stack on a file backend in a temporary directory, with a private
  PULUMI_HOME, for a program directory (copied first) or an inline program (a Python callable). At teardown,
  any process of its stacks' runs still alive (recognised by that PULUMI_HOME) is killed, then the stacks are
  destroyed.
- ``svix_config``: stack config pointing the provider at the ``emulator`` fixture (the token as a secret).

Tests using these fixtures are marked ``engine`` automatically (``pytest -m "not engine"`` leaves them out).
"""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path
from typing import Callable, Mapping, Union

import psutil
import pytest
import yaml
from pulumi import automation as auto

from scripts.engine_env import TOOLS_BIN, engine_env

ENGINE_EXECUTABLES = ("pulumi", "pulumi-language-python", "pulumi-language-python-exec",
                      "pulumi-resource-pulumi-python")
ENGINE_FIXTURES = {"engine_bin", "pulumi_command", "stack_factory"}

# A config value is a plain string or auto.ConfigValue(value, secret=True) for a secret.
ConfigValues = Mapping[str, Union[str, auto.ConfigValue]]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if ENGINE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.engine)


@pytest.fixture(scope="session")
def engine_bin() -> Path:
    missing = [name for name in ENGINE_EXECUTABLES if not os.access(TOOLS_BIN / name, os.X_OK)]
    if missing:
        pytest.fail(f"the Pulumi engine is not installed ({', '.join(missing)} missing from {TOOLS_BIN}): "
                    "run `make engine`", pytrace=False)
    return TOOLS_BIN


@pytest.fixture(scope="session")
def pulumi_command(engine_bin: Path) -> auto.PulumiCommand:
    """The Automation API's handle on .tools/bin/pulumi (it checks the CLI version once)."""
    return auto.PulumiCommand(root=str(engine_bin.parent))


@pytest.fixture
def svix_config(emulator) -> dict[str, Union[str, auto.ConfigValue]]:
    """Stack config that points pulumi_svix at the emulator, its token stored as a secret."""
    return {"svix:serverUrl": emulator.url, "svix:token": auto.ConfigValue(emulator.token, secret=True)}


def _absolute_virtualenv(original_dir: Path, copied_project_file: Path) -> None:
    """A relative `virtualenv` option in Pulumi.yaml is relative to the original directory: keep it pointing
    there after the program was copied elsewhere."""
    project = yaml.safe_load(copied_project_file.read_text())
    runtime = project.get("runtime")
    options = runtime.get("options") if isinstance(runtime, dict) else None
    venv = options.get("virtualenv") if isinstance(options, dict) else None
    if venv and not Path(venv).is_absolute():
        options["virtualenv"] = str((original_dir / venv).resolve())
        copied_project_file.write_text(yaml.safe_dump(project, sort_keys=False))


class StackFactory:
    """Creates stacks for one test; ``destroy_all`` runs at teardown (best effort)."""

    def __init__(self, tmp_path: Path, pulumi_command: auto.PulumiCommand) -> None:
        self._tmp = tmp_path
        self._command = pulumi_command
        self._stacks: list[auto.Stack] = []
        self._numbers = itertools.count(1)

    def __call__(self, program: Union[str, os.PathLike[str], Callable[[], None]], *,
                 config: ConfigValues | None = None, env: Mapping[str, str] | None = None,
                 project_name: str = "pulumi-svix-test", stack_name: str | None = None) -> auto.Stack:
        """A new stack for ``program``: a directory with Pulumi.yaml (copied to a temporary directory first)
        or an inline program function. ``config`` is set on the stack; ``env`` overrides the engine
        environment (see scripts/engine_env.py) for every CLI call of this stack."""
        number = next(self._numbers)
        base = self._tmp / f"stack-{number}"
        env_vars = {**engine_env(base / "state"), **(env or {})}
        stack_name = stack_name or f"test{number}"
        opts = dict(env_vars=env_vars, pulumi_home=env_vars["PULUMI_HOME"], pulumi_command=self._command)

        if callable(program):
            work_dir = base / "inline"
            work_dir.mkdir(parents=True)
            settings = auto.ProjectSettings(name=project_name, runtime="python",
                                            backend=auto.ProjectBackend(env_vars["PULUMI_BACKEND_URL"]))
            stack = auto.create_stack(stack_name, project_name=project_name, program=program,
                                      opts=auto.LocalWorkspaceOptions(work_dir=str(work_dir),
                                                                      project_settings=settings, **opts))
        else:
            source = Path(program).resolve()
            if not (source / "Pulumi.yaml").is_file():
                raise FileNotFoundError(f"{source} is not a Pulumi program directory (no Pulumi.yaml)")
            work_dir = base / source.name
            shutil.copytree(source, work_dir, ignore=shutil.ignore_patterns("__pycache__", ".venv", "Pulumi.*.yaml"))
            _absolute_virtualenv(source, work_dir / "Pulumi.yaml")
            stack = auto.create_stack(stack_name, work_dir=str(work_dir),
                                      opts=auto.LocalWorkspaceOptions(**opts))

        self._stacks.append(stack)
        if config:
            stack.set_all_config({key: value if isinstance(value, auto.ConfigValue) else auto.ConfigValue(value)
                                  for key, value in config.items()})
        return stack

    def stop_leftover_processes(self) -> list[str]:
        """SIGKILL to every live process of this factory's runs: those whose PULUMI_HOME (private to each
        stack, passed on by the CLI to its language host, program and plugins) lies under this test's
        directory. A test that kills or times out a CLI leaves its plugins to stop by themselves (they do,
        within seconds: engine/langhost), and a test that fails half-way may leave a CLI it started; neither
        may outlive the test. Returns the processes as "pid command"."""
        prefix = str(self._tmp.resolve()) + os.sep
        found = []
        for proc in psutil.process_iter():
            if proc.pid == os.getpid():  # never this test process, whatever its environment says
                continue
            try:
                if (proc.status() != psutil.STATUS_ZOMBIE
                        and proc.environ().get("PULUMI_HOME", "").startswith(prefix)):
                    found.append((proc, " ".join(proc.cmdline())[:160]))
            except psutil.Error:  # gone meanwhile, or not ours to inspect
                continue
        for proc, _ in found:
            try:
                proc.kill()
            except psutil.Error:
                pass
        psutil.wait_procs([proc for proc, _ in found], timeout=10)
        return [f"{proc.pid} {command}" for proc, command in found]

    def destroy_all(self) -> list[str]:
        """Destroy what the test left behind and remove its stacks; returns the problems instead of raising,
        so a teardown never hides the test's own failure."""
        problems = []
        for stack in reversed(self._stacks):
            try:
                if stack.export_stack().deployment.get("resources"):
                    stack.destroy()
                stack.workspace.remove_stack(stack.name)
            except Exception as error:  # noqa: BLE001 - reported below, best effort by design
                problems.append(f"{stack.name}: {error}")
        return problems


@pytest.fixture
def stack_factory(request: pytest.FixtureRequest, tmp_path: Path, pulumi_command: auto.PulumiCommand):
    if "emulator" in request.fixturenames:
        # Set the emulator up first so that it is torn down after the stacks it serves are destroyed.
        request.getfixturevalue("emulator")
    factory = StackFactory(tmp_path, pulumi_command)
    yield factory
    # (pytest runs this teardown whatever the test's outcome.) Leftovers first: a run still going would hold
    # the stack's lock and make its destroy fail.
    for leftover in factory.stop_leftover_processes():
        print(f"stack_factory teardown: killed a leftover process of the test's runs: {leftover}")
    for problem in factory.destroy_all():
        print(f"stack_factory teardown: {problem}")
