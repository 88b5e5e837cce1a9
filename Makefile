# FlowerCRM — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# make run PORT=8080 serves on another port.
PORT ?= 8000
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test install lint typecheck check messages migrate seed ci clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): $(PY) pyproject.toml
	$(PIP) install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

## make run: install, migrate, seed the demo shop, serve http://127.0.0.1:$(PORT)/ (embedded defaults;
## PORT=8000 unless given: make run PORT=8080)
run: export DEBUG ?= 1
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@echo "FlowerCRM back office: http://127.0.0.1:$(PORT)/admin/  (log in with a phone and password above)"
	@echo "API docs: http://127.0.0.1:$(PORT)/api/docs/  health: http://127.0.0.1:$(PORT)/health"
	$(VENV)/bin/daphne -b 127.0.0.1 -p $(PORT) --ping-interval 20 config.asgi:application

## make test: the whole suite (PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set)
test: install
	$(VENV)/bin/pytest

## make messages: extract the translatable strings into locale/ru/ and compile the catalog
## (translate the new entries in locale/ru/LC_MESSAGES/django.po, then run it again)
messages: install
	DEBUG=1 $(PY) manage.py makemessages -l ru
	DEBUG=1 $(PY) manage.py compilemessages -l ru --ignore '.venv/*' --ignore 'node_modules/*'

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy

check: lint typecheck
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache staticfiles
