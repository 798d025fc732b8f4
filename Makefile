# tierslieux — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# The first Python >= 3.12: python3.13, python3.12, python3 on PATH, then pyenv's versions.
find_python = for p in python3.13 python3.12 python3 \
	  $$(ls -d "$$(pyenv root 2>/dev/null || echo $$HOME/.pyenv)"/versions/3.*/bin/python3 2>/dev/null | sort -t. -k2 -nr); do \
	  "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { command -v "$$p"; exit 0; }; \
	done; exit 1

.PHONY: help install run test lint format migrations-check bench bench-engine loadtest capacity clean

help:
	@echo "make run    - install, migrate, load the demo and serve on http://127.0.0.1:8000"
	@echo "make test   - install if needed and run the whole test suite"
	@echo "make lint | format | migrations-check | bench | bench-engine | loadtest | capacity | clean"

$(PY):
	@python=$$($(find_python)) || { echo "No Python >= 3.12 found (tried python3.13, python3.12, python3 and pyenv's versions). Install one, e.g. 'pyenv install 3.13'." >&2; exit 1; }; \
	echo "Creating $(VENV) with $$python"; "$$python" -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade "pip>=25.1"
	$(PY) -m pip install --quiet --group dev
	@touch $(STAMP)

install: $(STAMP)

run: export DJANGO_DEBUG = 1
run: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_demo
	@echo
	@echo "  tierslieux: http://127.0.0.1:8000/  (log in as 'demo', password 'demo-tierslieux')"
	@echo
	$(PY) manage.py runserver 127.0.0.1:8000

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrations-check: export DJANGO_DEBUG = 1
migrations-check: install
	$(PY) manage.py makemigrations --check --dry-run

bench-engine: install
	$(PY) bench/engine.py

bench: install
	$(PY) bench/run.py

# Load and faults against gunicorn + PostgreSQL on loopback (restarts PostgreSQL once).
loadtest: install
	$(PY) -m pip install --quiet --group load
	$(PY) loadtest/run.py

# Managers on one server, step by step until p95 passes 200 ms (loadtest/CAPACITY.md).
capacity: install
	$(PY) -m pip install --quiet --group load
	$(PY) loadtest/capacity.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .hypothesis
