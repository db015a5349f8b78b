# Parley: `make run` (embedded, SQLite + emulator) and `make test` (PostgreSQL + Redis).
SHELL := /bin/bash
# The first supported Python (3.11, 3.12, 3.13) that runs on this machine; PYTHON=... overrides.
PYTHON ?= $(firstword $(foreach v,3.11 3.12 3.13 3,$(shell python$(v) -c \
	'import sys; print(sys.executable if (3, 11) <= sys.version_info[:2] < (3, 14) else "")' 2>/dev/null)))
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
EMULATOR_PORT ?= 9900
export PYTHONPATH := $(CURDIR)

TEST_ENV := PARLEY_ENV=test DATABASE_POOL=false \
	DATABASE_URL=$${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/parley} \
	CELERY_BROKER_URL=$${TEST_BROKER_URL:-redis://127.0.0.1:6379/0} \
	CACHE_URL=$${TEST_CACHE_URL:-redis://127.0.0.1:6379/1}

RUN_ENV := PATH="$(CURDIR)/$(VENV)/bin:$$PATH" PARLEY_ENV=development PARLEY_PORT=$(PORT) EMULATOR_PORT=$(EMULATOR_PORT) \
	PUBLIC_BASE_URL=http://127.0.0.1:$(PORT) \
	BANDWIDTH_MESSAGING_BASE_URL=http://127.0.0.1:$(EMULATOR_PORT)/api/v2 \
	BANDWIDTH_VOICE_BASE_URL=http://127.0.0.1:$(EMULATOR_PORT)/api/v2 \
	BANDWIDTH_NUMBERS_BASE_URL=http://127.0.0.1:$(EMULATOR_PORT)/api \
	BANDWIDTH_OAUTH_TOKEN_URL=http://127.0.0.1:$(EMULATOR_PORT)/api/v1/oauth2/token \
	BANDWIDTH_API_BASE_URL=http://127.0.0.1:$(EMULATOR_PORT) \
	BANDWIDTH_EMULATOR_URL=http://127.0.0.1:$(EMULATOR_PORT)

.PHONY: run manage test lint bench chaos install install-dev browser clean

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Parley needs Python 3.11, 3.12 or 3.13; none was found." >&2; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-local: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[local]'
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: $(VENV)/.installed-local
	mkdir -p var
	$(RUN_ENV) $(PY) manage.py migrate --noinput
	$(RUN_ENV) $(PY) manage.py seed_demo
	$(RUN_ENV) $(PY) manage.py register_demo --later
	$(RUN_ENV) $(VENV)/bin/honcho start -f Procfile.dev

# A management command in make run's environment, e.g.
#   make manage ARGS="create_tenant --name Acme --owner-email a@example.com --json"
manage: install
	@$(RUN_ENV) $(PY) manage.py $(ARGS)

browser:
	@command -v chromium >/dev/null || { \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

test: install-dev browser
	$(TEST_ENV) $(PY) -m config.wait_for_services
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(PY) -m pytest

bench: install-dev
	$(TEST_ENV) $(PY) -m bench

# Fault injection on its own PostgreSQL and Redis (never the machine's); CHAOS_* tune it.
chaos: $(VENV)/.installed-local
	$(PY) -m chaos $(ARGS)

clean:
	rm -rf var
