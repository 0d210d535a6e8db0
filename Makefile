# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.13 2>/dev/null || pyenv which python 2>/dev/null || echo python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test setup messages browser lint format check-python clean

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 13) else "Python 3.13 is needed (see .python-version); found " + sys.version)'

$(VENV)/.installed: requirements/base.txt requirements/dev.txt | check-python
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.txt
	touch $@

setup: $(VENV)/.installed messages

messages: $(VENV)/.installed
	@command -v msgfmt >/dev/null || { echo "msgfmt is missing: apt-get install -y gettext"; exit 1; }
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv -v 0

# The quick start: SQLite, eager tasks, demo data and logins, development keys in var/.
run: setup
	DEBUG=1 $(PY) manage.py migrate --noinput -v 0
	DEBUG=1 $(PY) manage.py load_reference_data
	DEBUG=1 $(PY) manage.py seed_demo
	@echo
	@echo "Depok Cases on http://$(HOST):$(PORT)/  (demo mode: fictional data)"
	@echo "Demo logins, all with the password Depok-Demo-2026:"
	@echo "  admin (administrator), caseworker.uptd, supervisor.uptd, caseworker.polres,"
	@echo "  supervisor.polres, counsellor.puspaga, officer.puspaga, analyst.dp3ap2kb,"
	@echo "  analyst.kemenkopmk, admin.uptd"
	@echo
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

# Browser tests drive Debian's Chromium; install it when we are allowed to.
browser:
	@test -x $(CHROMIUM) || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq chromium >/dev/null; } || true
	@test -x $(CHROMIUM) || { echo "Chromium is missing at $(CHROMIUM): apt-get install -y chromium"; exit 1; }

# The whole suite, on DATABASE_URL when set (PostgreSQL), else on SQLite.
test: setup browser
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run -v 0
	$(PY) -m pytest $(PYTEST_ARGS)

lint:
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format:
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

clean:
	rm -rf $(VENV) var staticfiles
