# The README's two commands: `make run` (install, run the example pipelines) and `make test`
# (install the development tools, run every check and the whole test suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_WORKERS ?= 2

.PHONY: run examples test lint typecheck unit bench clean

$(VENV)/.installed-run: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -U pip
	$(BIN)/python -m pip install -q -e '.[ml]'
	$(BIN)/python -m compileall -q src/tradewind  # as a wheel install would: no compiling at each start
	touch $@

$(VENV)/.installed-dev: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -U pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	$(BIN)/python -m compileall -q src/tradewind
	touch $@ $(VENV)/.installed-run

# The standalone server with the example pipelines, unpaused so they run on their schedules.
run: $(VENV)/.installed-run
	TRADEWIND__CORE__DAGS_ARE_PAUSED_AT_CREATION=false $(BIN)/tradewind standalone

# Every example pipeline once, in process, with its task table.
examples: $(VENV)/.installed-run
	$(BIN)/python scripts/run_examples.py

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests bench examples
	$(BIN)/ruff format --check src tests bench examples
	$(BIN)/lint-imports

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

unit: $(VENV)/.installed-dev
	$(BIN)/pytest -n $(PYTEST_WORKERS)

test: lint typecheck unit

bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench run

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
