"""The one place for the offline Pulumi engine settings used by the Makefile, the demo, the tests and examples.

Importable (from the repository root, as the tests do): ``from scripts.engine_env import engine_env``;
from another script in scripts/: ``from engine_env import engine_env``.
Runnable: ``python scripts/engine_env.py --shell [STATE_DIR]`` prints ``export K=V`` lines for a shell,
e.g. ``eval "$(.venv/bin/python scripts/engine_env.py --shell .demo/state)"``.

The engine then works without network or account: state goes to a local file backend, secrets are encrypted
with a fixed passphrase (development only), the engine never checks for updates nor downloads plugins, and it
finds the four executables of `make engine` in .tools/bin and the project's virtualenv python.
"""

from __future__ import annotations

import argparse
import os
import shlex
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
TOOLS_BIN = REPO_ROOT / ".tools" / "bin"
VENV_PYTHON = REPO_ROOT / ".venv" / "bin" / "python"
# Development-only passphrase for the file backend's secrets provider; never used against real state.
DEV_PASSPHRASE = "pulumi-svix-local-development"


def engine_env(state_dir: str | os.PathLike[str], *, path: str | None = None) -> dict[str, str]:
    """Environment variables for running the engine offline with its state under ``state_dir``.

    Returns only the variables to set (merge them over ``os.environ``); ``PATH`` is ``path`` (default: the
    current PATH) with .tools/bin and the venv's bin directory in front. ``state_dir`` is created: it holds the
    file backend (``backend/``) and a private PULUMI_HOME (``home/``) so nothing in ~/.pulumi is read or written.
    """
    state = Path(state_dir).resolve()
    backend = state / "backend"
    home = state / "home"
    backend.mkdir(parents=True, exist_ok=True)
    home.mkdir(parents=True, exist_ok=True)
    current_path = os.environ.get("PATH", "") if path is None else path
    return {
        "PATH": os.pathsep.join([str(TOOLS_BIN), str(VENV_PYTHON.parent), current_path]),
        "PULUMI_HOME": str(home),
        "PULUMI_BACKEND_URL": backend.as_uri(),
        "PULUMI_CONFIG_PASSPHRASE": DEV_PASSPHRASE,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        # Interpreter for Automation API inline programs and the dynamic-provider launcher when Pulumi.yaml
        # names no virtualenv.
        "PULUMI_PYTHON_CMD": str(VENV_PYTHON),
        # Never stop for an interactive confirmation (CI has no stdin).
        "PULUMI_SKIP_CONFIRMATIONS": "true",
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("state_dir", nargs="?", default=str(REPO_ROOT / ".demo" / "state"),
                        help="where the file backend and PULUMI_HOME live (default: .demo/state)")
    parser.add_argument("--shell", action="store_true", help="print `export K=V` lines (the default output)")
    args = parser.parse_args(argv)
    for key, value in engine_env(args.state_dir).items():
        print(f"export {key}={shlex.quote(value)}")


if __name__ == "__main__":
    main()
