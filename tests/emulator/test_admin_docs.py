"""The emulator's admin routes as README.md ("The local Svix emulator") and ``pulumi-svix-emulator --help``
document them: every field of ``POST /_emulator/faults`` and every fault kind named in both; the README's curl
example, run as written (only the URL pointed at this test's emulator), answers the new configuration; the
same request without the token is a 401, an unknown field a 422, ``{}`` switches faults off; admin requests
are never counted. And every emulator command line in the docs gives the stack a database of its own."""

import dataclasses
import json
import re
import shlex
import subprocess
import sys

import requests

from pulumi_svix.emulator import DEFAULT_TOKEN
from pulumi_svix.emulator.faults import KINDS, FaultConfig
from scripts.engine_env import REPO_ROOT

README = REPO_ROOT / "README.md"
FIELDS = [field.name for field in dataclasses.fields(FaultConfig)]
DOCS = [README, *sorted((REPO_ROOT / "docs").rglob("*.md")), *sorted((REPO_ROOT / "examples").glob("*/README.md"))]


def emulator_section() -> str:
    text = README.read_text()
    return text[text.index("### The local Svix emulator"):text.index("## Recovering from an interrupted deploy")]


def readme_curl() -> list[str]:
    """The README's `curl … /_emulator/faults` command, as its words."""
    [block] = [b for b in re.findall(r"^```bash\n(.*?)^```$", emulator_section(), re.MULTILINE | re.DOTALL)
               if "/_emulator/faults" in b]
    return shlex.split(block.replace("\\\n", " "))


def test_help_documents_the_admin_routes_their_auth_and_every_fault_field():
    result = subprocess.run([sys.executable, "-m", "pulumi_svix.emulator", "--help"], capture_output=True,
                            text=True, timeout=60, check=True)
    text = result.stdout
    for route in ("/_emulator/stats", "/_emulator/reset", "/_emulator/faults", "/_emulator/contract"):
        assert route in text, route
    assert "Authorization: Bearer" in text and "401" in text
    for field in FIELDS:
        assert re.search(rf"^\s+{field}\s+\S", text, re.MULTILINE), field
    for kind in KINDS:
        assert kind in text, kind
    assert "shared by every stack" in text  # the default --db


def test_the_readme_documents_every_fault_field_and_kind():
    section = emulator_section()
    for field in FIELDS:
        assert f"| `{field}` |" in section, field
    for kind in KINDS:
        assert f"`{kind}`" in section, kind
    assert "same bearer token" in section and "401" in section


def test_the_readmes_curl_example_works_as_written(emulator):
    words = readme_curl()
    assert words[:3] == ["curl", "-X", "POST"]
    url = words[3]
    headers = dict(words[i + 1].split(": ", 1) for i, word in enumerate(words) if word == "-H")
    body = json.loads(words[words.index("-d") + 1])
    assert headers["Authorization"] == f"Bearer {DEFAULT_TOKEN}" == f"Bearer {emulator.token}"
    url = url.replace("http://127.0.0.1:8071", emulator.url)
    admin_url = f"{emulator.url}/_emulator/faults"
    assert url == admin_url

    before = emulator.stats()["total"]
    answer = requests.post(url, headers=headers, data=json.dumps(body), timeout=30)
    assert answer.status_code == 200, answer.text
    assert {k: answer.json()[k] for k in body} == body
    assert requests.get(admin_url, headers=headers, timeout=30).json() == answer.json()

    assert requests.post(url, headers={"Content-Type": "application/json"}, data=json.dumps(body),
                         timeout=30).status_code == 401
    assert requests.post(url, headers=headers, json={"rate": 0.1, "colour": "red"}, timeout=30).status_code == 422
    assert requests.post(url, headers=headers, json={"rate": 2}, timeout=30).status_code == 422
    off = requests.post(url, headers=headers, json={}, timeout=30)
    assert off.status_code == 200 and off.json()["rate"] == 0
    assert emulator.stats()["total"] == before  # admin requests are not counted


def test_every_emulator_command_in_the_docs_gives_the_stack_its_own_database():
    commands = []
    for doc in DOCS:
        for line in doc.read_text().splitlines():
            if re.search(r"(-m pulumi_svix\.emulator|^\s*pulumi-svix-emulator)\s+--", line):
                commands.append((doc.relative_to(REPO_ROOT), line))
    assert commands, "the docs show no emulator command line"
    assert [(doc, line) for doc, line in commands if "--db " not in line] == []
