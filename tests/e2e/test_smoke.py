"""Smoke test through the real engine: `pulumi up`, a no-change `pulumi preview`, `pulumi destroy`.

The program is a directory program run by the CLI, so the whole chain is exercised: the CLI, the Python language
host, the program, and the dynamic-provider launcher, whose provider process must import ``pulumi_svix`` from
the project virtualenv (the program lives in a temporary directory, outside the repository). The resource
really lands in (and leaves) the Svix emulator.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests

from scripts.engine_env import VENV_PYTHON

pytestmark = pytest.mark.engine

EVENT_TYPE = "smoke.tested"

PROJECT_FILE = f"""\
name: svix-smoke
runtime:
  name: python
  options:
    toolchain: pip
    virtualenv: {VENV_PYTHON.parent.parent}
"""

PROGRAM = f"""\
import pulumi
import pulumi_svix as svix

event_type = svix.EventType("smoke", name="{EVENT_TYPE}", description="created by the smoke test")
pulumi.export("name", event_type.name)
pulumi.export("description", event_type.description)
"""


def fetch_event_type(emulator, name: str) -> dict | None:
    """The event type as the emulator's API shows it, or None when it does not exist."""
    response = requests.get(f"{emulator.url}/api/v1/event-type/{name}",
                            headers={"Authorization": f"Bearer {emulator.token}"}, timeout=10)
    if response.status_code == 404:
        return None
    response.raise_for_status()
    return response.json()


@pytest.fixture
def program_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "svix-smoke"
    directory.mkdir()
    (directory / "Pulumi.yaml").write_text(PROJECT_FILE)
    (directory / "__main__.py").write_text(PROGRAM)
    return directory


def test_up_preview_destroy_through_the_cli(stack_factory, svix_config, emulator, program_dir):
    # PYTHONPATH emptied: the provider process can only find pulumi_svix in the virtualenv.
    stack = stack_factory(program_dir, config=svix_config, env={"PYTHONPATH": ""})
    output: list[str] = []

    up = stack.up(on_output=output.append)
    assert up.summary.result == "succeeded"
    assert up.summary.resource_changes == {"create": 2}  # the stack and the event type
    assert up.outputs["name"].value == EVENT_TYPE
    created = fetch_event_type(emulator, EVENT_TYPE)
    assert created is not None and created["description"] == "created by the smoke test"
    assert not created.get("archived")

    # The token was given as secret config: it must not be in the state files or CLI output in plain text.
    # (Not export_stack(): the Automation API exports with --show-secrets.)
    backend = Path(urlparse(stack.workspace.env_vars["PULUMI_BACKEND_URL"]).path)
    state_files = [path for path in backend.rglob("*") if path.is_file()]
    assert state_files
    assert not [path for path in state_files if emulator.token.encode() in path.read_bytes()]
    assert emulator.token not in "".join(output)

    preview = stack.preview()
    assert set(preview.change_summary) == {"same"}, preview.change_summary
    assert preview.change_summary["same"] == 2

    destroy = stack.destroy()
    assert destroy.summary.result == "succeeded"
    assert destroy.summary.resource_changes == {"delete": 2}
    # Svix archives an event type on delete (unless expunged): it is gone or archived, not live.
    remaining = fetch_event_type(emulator, EVENT_TYPE)
    assert remaining is None or remaining["archived"] is True
    assert stack.export_stack().deployment.get("resources") in (None, [])


def test_inline_program_runs_in_the_engine(stack_factory, svix_config, emulator):
    """The inline-program path of stack_factory: the Automation API hosts the program in this process, the
    engine still launches the dynamic provider from the virtualenv (PULUMI_PYTHON_CMD)."""
    import pulumi
    import pulumi_svix as svix

    def program() -> None:
        event_type = svix.EventType("inline", name="smoke.inline", description="inline program")
        pulumi.export("name", event_type.name)

    stack = stack_factory(program, config=svix_config)
    up = stack.up()
    assert up.outputs["name"].value == "smoke.inline"
    assert fetch_event_type(emulator, "smoke.inline")["description"] == "inline program"
    assert stack.destroy().summary.resource_changes == {"delete": 2}
