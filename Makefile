# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8501
# This machine only; ADDRESS=0.0.0.0 serves the network (no sign-in: see README).
ADDRESS ?= 127.0.0.1

# Every install takes the versions the suite was last run with (requirements.lock);
# `make lock` refreshes the lock from the newest releases that pyproject.toml admits.
LOCK := requirements.lock

.PHONY: run test lint bench lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e ".[test]"
	touch $@ $(VENV)/.installed

# The data folder holds the embedded database and its key: owner-only.
DATA_DIR ?= $(or $(QUARTIER_SOLAIRE_DATA_DIR),var)

run: $(VENV)/.installed
	mkdir -p -m 700 $(DATA_DIR)
	QUARTIER_SOLAIRE_DATA_DIR=$(abspath $(DATA_DIR)) $(BIN)/quartier-solaire run --port $(PORT) --address $(ADDRESS)

# Two workers, one test file each at a time (the browser tests share one server in order).
# pytest exits 5 when it collects nothing: report it, do not fail on it alone.
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n 2 --dist loadfile; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: no tests collected"; exit 0; fi; exit $$rc

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(VENV)/.installed-test
	for f in bench/*.py; do $(BIN)/python $$f || exit 1; done

# A fresh environment resolves the newest admitted versions; then run `make test`
# on them before committing the new lock.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet -e ".[test]"
	{ echo "# Versions the suite passes with. Refresh with 'make lock', then 'make test'."; \
	  .lock-venv/bin/python -m pip freeze --exclude-editable; } > $(LOCK)
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) static/leaflet .pytest_cache
