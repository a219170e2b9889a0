# Pantau: `make demo` and `make test` set everything up themselves.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup native demo test lint typecheck unit bench eval clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

# The optional mypyc build of the hot processing modules (build/native/, see
# processing/native.py): rebuilt only when its sources changed; a failure prints
# one line and everything runs as pure Python.
setup: $(STAMP)
	@$(BIN)/python tools/build_native.py --auto || echo "native: build step crashed; using pure Python"

native: $(STAMP)
	$(BIN)/python tools/build_native.py

demo: setup
	$(BIN)/pantau demo

lint: setup
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: setup
	$(BIN)/mypy

# Coverage is measured on the pure-Python modules (compiled ones report 0%); the
# text-processing tests then run again on the native build when it is active.
unit: setup
	PANTAU_PURE=1 $(BIN)/pytest --cov --cov-report=term
	$(BIN)/pytest -q tests/processing tests/test_dedup_loop.py

test: lint typecheck unit

bench: setup
	$(BIN)/python benchmarks/throughput.py

eval: setup
	$(BIN)/python -m processing.evaluate

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache demo-output build/native build/native-*
