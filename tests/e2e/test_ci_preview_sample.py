"""examples/ci-preview/README.md shows what `pulumi preview --diff` prints: this test makes it so.

As the workflow does (the token and server URL in the environment, ``pulumi preview --diff --non-interactive
--stack prod``), against the emulator: a stack ``prod`` of examples/quickstart is deployed, then

1. ``pulumi config set --secret webhookAuthToken …``: the real preview must print the README's header sample;
2. that config removed again, the README's ```diff``` block applied to the program (each hunk's context and
   ``-`` lines must occur exactly once in examples/quickstart/__main__.py): the real preview must print the
   README's first sample.

Compared after normalising what changes from run to run: Svix ids (``ep_…``), the stack name in URNs and
headings, trailing blanks, and the order of the resource blocks (Pulumi previews resources in parallel).

When the output changes on purpose, regenerate the samples from a real run with
``PULUMI_SVIX_UPDATE_SAMPLES=1 .venv/bin/python -m pytest tests/e2e/test_ci_preview_sample.py`` and review the
README's diff.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from scripts.engine_env import REPO_ROOT, engine_env
from tests.reliability.helpers import stop_run_processes

pytestmark = pytest.mark.engine

README = REPO_ROOT / "examples" / "ci-preview" / "README.md"
QUICKSTART = REPO_ROOT / "examples" / "quickstart"
STACK = "prod"
SAMPLE_START = f"Previewing update ({STACK}):"
UPDATE_ENV = "PULUMI_SVIX_UPDATE_SAMPLES"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
SVIX_ID = re.compile(r"\b(app|ep|integ|msg|evt)_[0-9A-Za-z]{20,}\b")
RESOURCE_HEADER = re.compile(r"^ {2}(?:  [-+~<>]{1,2} )?[\w./:-]+: \([\w -]+\)$")


def blocks(text: str, language: str) -> list[re.Match]:
    return [m for m in FENCE.finditer(text) if m.group(1) == language]


def samples(text: str) -> list[re.Match]:
    """The README's preview samples: the plain ``` blocks that begin like a preview."""
    return [m for m in blocks(text, "") if m.group(2).startswith(SAMPLE_START)]


def apply_diff(source: str, diff: str) -> str:
    """Applies a README diff: hunks separated by `` ...`` lines, each of context (`` ``), removed (``-``) and
    added (``+``) lines; a hunk's context and removed lines must occur exactly once in ``source``."""
    hunks: list[list[str]] = [[]]
    for line in diff.splitlines():
        if line.strip() == "...":
            hunks.append([])
        else:
            hunks[-1].append(line)
    for hunk in hunks:
        old = "".join(line[1:] + "\n" for line in hunk if line[:1] in (" ", "-"))
        new = "".join(line[1:] + "\n" for line in hunk if line[:1] in (" ", "+"))
        assert all(line[:1] in (" ", "-", "+") for line in hunk), hunk
        assert source.count(old) == 1, f"the README's diff does not apply to the quickstart:\n{old}"
        source = source.replace(old, new)
    return source


def normalise(text: str) -> dict:
    """The parts of a preview that do not change from run to run: the heading, the resource blocks (in no
    particular order) and the summary."""
    text = SVIX_ID.sub(r"\1_<id>", text)
    text = re.sub(r"\burn:pulumi:[^:]+::([^:]+)::", r"urn:pulumi:<stack>::\1::", text)
    text = re.sub(rf"::svix-quickstart-{STACK}\]", "::svix-quickstart-<stack>]", text)
    text = text.replace(SAMPLE_START, "Previewing update (<stack>):")
    lines = [line.rstrip() for line in text.strip("\n").splitlines()]
    heading, resources, summary = [], [], []
    for line in lines:
        if summary or line == "Resources:":
            summary.append(line)
        elif RESOURCE_HEADER.match(line):
            resources.append([line])
        elif resources:
            resources[-1].append(line)
        else:
            heading.append(line)
    return {"heading": heading, "resources": sorted("\n".join(r) for r in resources),
            "summary": [line for line in summary if line]}


class Cli:
    """The pulumi CLI as the workflow runs it, in the program directory, with the given environment."""

    def __init__(self, work_dir: Path, env: dict[str, str]) -> None:
        self.work_dir, self.env = work_dir, env

    def __call__(self, *args: str, stdin: str | None = None) -> str:
        result = subprocess.run(["pulumi", *args, "--non-interactive", "--color", "never"], cwd=self.work_dir,
                                env=self.env, input=stdin, text=True, timeout=600,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert result.returncode == 0, f"pulumi {' '.join(args)}:\n{result.stdout}"
        return result.stdout


def test_the_ci_preview_readme_shows_what_a_real_preview_prints(emulator, engine_bin, tmp_path):
    readme = README.read_text()
    [program_diff] = blocks(readme, "diff")
    expected = samples(readme)
    assert len(expected) == 2, "the README should have two preview samples: the program change, the headers"

    infra = tmp_path / "infra"
    shutil.copytree(QUICKSTART, infra, ignore=shutil.ignore_patterns("__pycache__", "Pulumi.*.yaml"))
    project = (infra / "Pulumi.yaml").read_text()
    (infra / "Pulumi.yaml").write_text(project.replace("virtualenv: ../../.venv",
                                                       f"virtualenv: {REPO_ROOT / '.venv'}"))
    # The workflow's environment: the token and the server URL as environment variables, no svix:* config.
    env = {**os.environ, **engine_env(tmp_path / "state"),
           "SVIX_AUTH_TOKEN": emulator.token, "SVIX_SERVER_URL": emulator.url}
    pulumi = Cli(infra, env)
    try:
        pulumi("stack", "init", STACK)
        pulumi("up", "--yes", "--stack", STACK)

        pulumi("config", "set", "--secret", "webhookAuthToken", "--stack", STACK, stdin="a-new-webhook-token")
        headers = pulumi("preview", "--diff", "--stack", STACK)
        pulumi("config", "rm", "webhookAuthToken", "--stack", STACK)

        main = infra / "__main__.py"
        main.write_text(apply_diff(main.read_text(), program_diff.group(2)))
        program = pulumi("preview", "--diff", "--stack", STACK)
        assert "a-new-webhook-token" not in headers + program and emulator.token not in headers + program

        real = [program, headers]
        if os.environ.get(UPDATE_ENV):
            for match, text in sorted(zip(expected, real), key=lambda pair: -pair[0].start()):
                sample = "\n".join(line.rstrip() for line in text.strip("\n").splitlines()) + "\n"
                readme = readme[:match.start(2)] + sample + readme[match.end(2):]
            README.write_text(readme)
            expected = samples(readme)
        for number, (sample, text) in enumerate(zip(expected, real), start=1):
            assert normalise(sample.group(2)) == normalise(text), (
                f"sample {number} of {README.relative_to(REPO_ROOT)} is not what `pulumi preview --diff` prints "
                f"now; real output:\n{text}\n(regenerate: {UPDATE_ENV}=1 pytest {__file__})")
        pulumi("destroy", "--yes", "--stack", STACK)
    finally:
        stop_run_processes(env["PULUMI_HOME"])
