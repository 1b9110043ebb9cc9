"""Every ```python block of README.md, docs/guides/*.md and examples/*/README.md runs as a Pulumi program.

Each block is written to a program directory of its own and run by the real engine against a fresh emulator:
``pulumi up``, then a ``pulumi preview`` that must propose no change, then ``pulumi destroy`` (the stack
fixture's teardown). The conventions of the docs, kept small on purpose:

- ``import pulumi`` and ``import pulumi_svix as svix`` may be left out: the test puts them first.
- A block that builds on objects declared elsewhere says so in its first lines, as comments a reader sees:
  ``# assumes: acme = svix.Application("acme", name="Acme")``. The test runs each such statement (the comment
  marker removed) before the block. Nothing else is added.
- An id written with an ellipsis (``"app_2Zk…"``, ``"ep_3Ab…"``, ``"integ_…"``) stands for an object that
  already exists in Svix: the test creates one such object per distinct placeholder through the Svix API
  (endpoints and integrations in the first placeholder application) and puts its real id in place.
- Stack config the blocks read is set as the guides' own commands set it (``DOC_CONFIG``).

Blocks that are not Python (```bash``, ```diff``, plain output) are not run here.
"""

from __future__ import annotations

import re
import secrets
from base64 import b64encode
from pathlib import Path

import pytest
import requests
from pulumi import automation as auto

from scripts.engine_env import REPO_ROOT, VENV_PYTHON

pytestmark = pytest.mark.engine

DOCS = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs" / "guides").glob("*.md")),
        *sorted((REPO_ROOT / "examples").glob("*/README.md"))]
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)
ASSUMES = re.compile(r"^# assumes: (.+)$")
PLACEHOLDER = re.compile(r"\b(app|ep|integ)_[0-9A-Za-z]*…")
IMPORTS = "import pulumi\nimport pulumi_svix as svix\n"
# `pulumi config set --secret acmeBillingSecret "whsec_$(openssl rand -base64 24)"` (docs/guides/rotating-secrets.md)
DOC_CONFIG = {"acmeBillingSecret": auto.ConfigValue("whsec_" + b64encode(secrets.token_bytes(24)).decode(),
                                                    secret=True)}
PROJECT_FILE = f"""\
name: svix-doc-block
runtime:
  name: python
  options:
    toolchain: pip
    virtualenv: {VENV_PYTHON.parent.parent}
"""


def python_blocks() -> list:
    found = []
    for doc in DOCS:
        text = doc.read_text()
        for match in PYTHON_BLOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            name = f"{doc.relative_to(REPO_ROOT)}:{line}"
            found.append(pytest.param(match.group(1), id=name))
    return found


BLOCKS = python_blocks()


def program_of(block: str) -> tuple[str, list[str]]:
    """The block as a complete program (imports, then its ``# assumes:`` statements, then the block), and its
    placeholder ids in order of appearance."""
    lines = block.splitlines()
    assumed = []
    while lines and ASSUMES.match(lines[0]):
        assumed.append(ASSUMES.match(lines.pop(0)).group(1))
    program = IMPORTS + "".join(f"{statement}\n" for statement in assumed) + "\n".join(lines) + "\n"
    placeholders = list(dict.fromkeys(m.group(0) for m in PLACEHOLDER.finditer(program)))
    return program, placeholders


def create_existing_objects(emulator, placeholders: list[str]) -> dict[str, str]:
    """One object per placeholder id, made through the Svix API as if by someone else: placeholder -> real id."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {emulator.token}"

    def post(path: str, body: dict) -> str:
        response = session.post(f"{emulator.url}/api/v1{path}", json=body, timeout=30)
        response.raise_for_status()
        return response.json()["id"]

    ids: dict[str, str] = {}
    for number, placeholder in enumerate(sorted(placeholders, key=lambda p: not p.startswith("app_")), start=1):
        kind = placeholder.split("_", 1)[0]
        if kind == "app":
            ids[placeholder] = post("/app", {"name": f"Legacy {number}"})
            continue
        app = next((ids[p] for p in placeholders if p.startswith("app_")), None)
        assert app, f"{placeholder}: an endpoint or integration placeholder needs an application placeholder too"
        if kind == "ep":
            ids[placeholder] = post(f"/app/{app}/endpoint", {"url": f"https://hooks.example.com/legacy/{number}"})
        else:
            ids[placeholder] = post(f"/app/{app}/integration", {"name": f"Legacy {number}"})
    return ids


def write_program(directory: Path, program: str) -> Path:
    directory.mkdir()
    (directory / "Pulumi.yaml").write_text(PROJECT_FILE)
    (directory / "__main__.py").write_text(program)
    return directory


def test_the_docs_have_python_blocks():
    names = [param.id for param in BLOCKS]
    assert any(name.startswith("README.md:") for name in names), names
    assert any(name.startswith("docs/guides/adopting-existing-objects.md:") for name in names), names
    assert any(name.startswith("docs/guides/rotating-secrets.md:") for name in names), names


@pytest.mark.parametrize("block", BLOCKS)
def test_the_block_runs_as_a_pulumi_program(block, emulator, svix_config, stack_factory, tmp_path):
    program, placeholders = program_of(block)
    for placeholder, real_id in create_existing_objects(emulator, placeholders).items():
        program = program.replace(placeholder, real_id)
    assert "…" not in program.replace("# ", ""), program
    stack = stack_factory(write_program(tmp_path / "program", program), config={**svix_config, **DOC_CONFIG})
    output: list[str] = []
    up = stack.up(on_output=output.append, color="never")
    assert up.summary.result == "succeeded", up.stdout
    preview = stack.preview(on_output=output.append, color="never")
    assert set(preview.change_summary) == {"same"}, preview.stdout
    assert emulator.token not in "".join(output)


def test_two_gets_of_one_name_fail_as_the_adoption_guide_says(emulator, svix_config, stack_factory, tmp_path):
    """The guide: "two lookups of the same name fail with `Duplicate resource URN`" (what its old snippet did)."""
    [block] = [param.values[0] for param in BLOCKS if "legacy-users" in param.values[0]]
    program, placeholders = program_of(block.replace('"legacy-users"', '"legacy-billing"'))
    for placeholder, real_id in create_existing_objects(emulator, placeholders).items():
        program = program.replace(placeholder, real_id)
    stack = stack_factory(write_program(tmp_path / "program", program), config=svix_config)
    with pytest.raises(auto.CommandError, match="Duplicate resource URN"):
        stack.preview(color="never")
