# Two commands matter: `make demo` and `make test`. Each does all of its own set-up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: all venv engine test test-fast demo bench docs dist clean

all: test

# The project virtualenv: editable install with the emulator and dev extras.
$(STAMP): pyproject.toml
	@test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --upgrade pip
	$(VPY) -m pip install --quiet -e '.[emulator,dev]'
	@touch $(STAMP)

venv: $(STAMP)

# The real Pulumi engine in .tools/bin (linked from PATH or built from the Go module proxy).
engine:
	@scripts/engine.sh

test: venv engine
	$(VPY) -m pytest $(PYTEST_ARGS)

# Unit and emulator tests only (no engine); handy while developing.
test-fast: venv
	$(VPY) -m pytest -m "not engine" $(PYTEST_ARGS)

demo: venv engine
	$(VPY) scripts/demo.py $(DEMO_ARGS)

bench: venv engine
	$(VPY) -m bench $(BENCH_ARGS)

docs: venv
	$(VPY) scripts/gen_docs.py

# The wheel and sdist of pulumi-svix (it is not on PyPI): what a program outside this repository installs.
DIST_DIR ?= dist
dist: venv
	$(VPY) -m build --outdir $(DIST_DIR) .

clean:
	rm -rf .tools .demo $(VENV)
