# Two commands matter: `make run` and `make test`. Everything they need is installed
# from the project's own files (requirements/, package.json).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test lint format messages compilemessages runbot worker beat web install static migrate clean browser

$(STAMP): requirements/base.txt requirements/dev.txt package.json package-lock.json
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.txt
	npm ci --no-audit --no-fund --silent
	touch $(STAMP)

install: $(STAMP)

# Debian's chromium for the browser tests (Playwright's own download cannot work
# here). Installed only when missing, and only where we may (root).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: sudo apt-get install chromium"; exit 1; fi; }

compilemessages: install
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0

static: install
	$(PY) manage.py collectstatic --noinput -v 0

migrate: install
	$(PY) manage.py migrate --noinput -v 0

run: install compilemessages static migrate
	$(PY) manage.py seed_demo
	@echo "Bot-Auction on http://127.0.0.1:$(PORT)  (Ctrl-C stops everything)"
	WEB_PORT=$(PORT) $(BIN)/honcho -f Procfile start web worker $(if $(TELEGRAM_BOT_TOKEN),bot,$(if $(shell grep -s '^TELEGRAM_BOT_TOKEN=.' .env),bot,))

test: install browser compilemessages
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: install
	for l in ru en ar; do $(PY) manage.py makemessages -l $$l --ignore=.venv --ignore=node_modules --ignore=staticfiles --no-obsolete; done

web: install
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

runbot: install
	$(PY) manage.py runbot

worker: install
	$(BIN)/celery -A auction_bot worker -l info

beat: install
	$(BIN)/celery -A auction_bot beat -l info

clean:
	rm -rf $(VENV) node_modules staticfiles .test-db .test-media .pytest_cache
