"""The OpenAPI documents ship inside the package: contract checking reads nothing outside it."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests

import pulumi_svix
from pulumi_svix.emulator.contract import SPEC_ENV, SpecNotFound, find_spec
from pulumi_svix.emulator.runner import Emulator

PACKAGE_ROOT = Path(pulumi_svix.__file__).resolve().parent
SPEC_DIR = PACKAGE_ROOT / "emulator" / "openapi"
REPO = PACKAGE_ROOT.parent
DOCUMENTS = {"cloud": ("svix-openapi.json", "1.947.0"),
             "oss": ("svix-server-openapi.json", "1.1.1")}
NO_CACHES = shutil.ignore_patterns("__pycache__")


@pytest.fixture(autouse=True)
def no_spec_override(monkeypatch):
    monkeypatch.delenv(SPEC_ENV, raising=False)


@pytest.mark.parametrize("flavor", DOCUMENTS)
def test_each_flavor_reads_its_document_from_the_package(flavor):
    name, version = DOCUMENTS[flavor]
    path = find_spec(flavor)
    assert path == SPEC_DIR / name
    assert json.loads(path.read_text())["info"]["version"] == version


def test_the_environment_override_and_unknown_flavors(monkeypatch, tmp_path):
    copy = tmp_path / "spec.json"
    shutil.copy(SPEC_DIR / "svix-server-openapi.json", copy)
    monkeypatch.setenv(SPEC_ENV, str(copy))
    assert find_spec("cloud") == find_spec("oss") == copy
    monkeypatch.setenv(SPEC_ENV, str(tmp_path / "missing.json"))
    with pytest.raises(SpecNotFound, match=SPEC_ENV):
        find_spec("oss")
    with pytest.raises(ValueError, match="unknown flavor 'enterprise'"):
        find_spec("enterprise")


def test_the_package_names_no_path_outside_itself():
    needle = "../" + "shared"  # spelt so that this file does not contain it
    offenders = [str(path.relative_to(REPO)) for path in PACKAGE_ROOT.rglob("*")
                 if path.is_file() and path.suffix in (".py", ".md", ".json", ".yaml", ".toml")
                 and needle in path.read_text(errors="replace")]
    assert offenders == []


def test_the_documents_are_package_data(tmp_path):
    """What setuptools puts in a wheel: ``build_py`` of a copy of the project."""
    source = tmp_path / "source"
    shutil.copytree(PACKAGE_ROOT, source / "pulumi_svix", ignore=NO_CACHES)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    subprocess.run([sys.executable, "-c", "import setuptools; setuptools.setup()", "-q",
                    "build_py", "--build-lib", str(tmp_path / "lib")],
                   cwd=source, check=True, capture_output=True, timeout=120)
    built = tmp_path / "lib" / "pulumi_svix" / "emulator" / "openapi"
    assert sorted(path.name for path in built.iterdir()) == [
        "README.md", "svix-openapi.json", "svix-server-openapi.json"]


@pytest.mark.parametrize("flavor", DOCUMENTS)
def test_a_lone_copy_of_the_package_checks_the_contract(flavor, tmp_path, monkeypatch):
    """The package copied away from the repository and run from elsewhere still finds its
    document, and validates with it."""
    site = (tmp_path / "site").resolve()
    shutil.copytree(PACKAGE_ROOT, site / "pulumi_svix", ignore=NO_CACHES)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("PYTHONPATH", str(site))  # ahead of the editable install
    with Emulator(flavor=flavor, validate_contract=True, log_path=tmp_path / "log") as emu:
        contract = emu._admin("GET", "contract")
        assert contract["spec"] == str(site / "pulumi_svix/emulator/openapi" / DOCUMENTS[flavor][0])
        response = requests.post(emu.url + "/api/v1/app", json={"uid": "no-name"},
                                 headers=emu.headers, timeout=10)
        assert response.status_code == 422
        assert any("'name' is a required property" in v["message"]
                   for v in emu.contract_violations())
