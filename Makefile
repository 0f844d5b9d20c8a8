# Space Cooperation Registry — developer tasks (GNU make >= 4.3).
# Everything runs through .venv/bin/* explicitly; no activation needed.
# The database is SQLite (./db.sqlite3) unless DATABASE_URL is set.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PORT ?= 8000
PYTEST_ARGS ?=

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Interpreter used to create the venv: python3.11 if present, else python3 (must be 3.11).
BOOTSTRAP_PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)

export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help venv migrate seed run test lint check clean schema

help: ## List the available targets
	@echo "Usage: make <target>   (PORT=$(PORT), PYTEST_ARGS='$(PYTEST_ARGS)')"
	@echo
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-9s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

venv: $(STAMP) ## Create .venv (Python 3.11) and install requirements.txt when it changes

# The venv itself: created once, checked to be Python 3.11.
$(PY):
	@if [ -z "$(BOOTSTRAP_PYTHON)" ]; then echo "error: neither python3.11 nor python3 found on PATH" >&2; exit 1; fi
	@$(BOOTSTRAP_PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || \
		{ echo "error: $(BOOTSTRAP_PYTHON) is not Python 3.11 (set BOOTSTRAP_PYTHON=/path/to/python3.11)" >&2; exit 1; }
	$(BOOTSTRAP_PYTHON) -m venv $(VENV)

# Re-install only when requirements.txt is newer than the stamp.
$(STAMP): requirements.txt | $(PY)
	@$(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || \
		{ echo "error: $(VENV) is not Python 3.11; run 'make clean' and retry" >&2; exit 1; }
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -r requirements.txt
	@touch $@

migrate: venv ## Apply database migrations
	$(PY) manage.py migrate --noinput

seed: migrate ## Migrate, then load the seed fixtures (idempotent)
	$(PY) manage.py seed

run: seed ## Install, migrate, seed and serve on http://127.0.0.1:PORT (default 8000)
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: venv ## Run the test suite (extra pytest args via PYTEST_ARGS)
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: venv ## ruff check + ruff format --check
	@rc=0; \
	echo "$(VENV)/bin/ruff check ."; $(VENV)/bin/ruff check . || rc=1; \
	echo "$(VENV)/bin/ruff format --check ."; $(VENV)/bin/ruff format --check . || rc=1; \
	exit $$rc

check: venv ## Django system checks and missing-migrations check
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

clean: ## Remove the venv, the SQLite database and caches
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles
	rm -f db.sqlite3 db.sqlite3-journal db.sqlite3-wal db.sqlite3-shm
	find . -type d -name __pycache__ -prune -exec rm -rf {} +

schema: venv ## Regenerate the committed OpenAPI schema (openapi.yaml), validating it
	$(PY) manage.py spectacular --validate --fail-on-warn --file openapi.yaml
