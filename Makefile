# BranchFlow — the two commands of the README, and the tools behind them.
#   make run    set up everything, deploy processes/, load demo data into an empty database,
#               serve on 127.0.0.1:5000 with the background worker
#   make test   lint, then the whole test suite on SQLite and on PostgreSQL

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
FLASK  := $(BIN)/flask --app app

.PHONY: run test lint format translations messages install install-dev bench bench-inbox bench-load \
	bench-replay clean designer-assets

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Marker files make "install" run again only when the pinned requirements change.
$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.runtime-installed
	$(BIN)/pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.runtime-installed
install-dev: $(VENV)/.dev-installed

translations: install
	$(BIN)/pybabel -q compile -d app/translations

run: install translations
	$(FLASK) db upgrade
	$(FLASK) processes sync
	$(FLASK) demo load --if-empty
	@echo "BranchFlow: http://$(HOST):$(PORT)/  (demo logins: see README.md)"
	HOST=$(HOST) PORT=$(PORT) scripts/serve

test: install-dev translations
	scripts/test

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Re-extract UI strings after changing templates or code, then translate the new entries in
# app/translations/zh/LC_MESSAGES/messages.po.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		--ignore-dirs ".* __pycache__" \
		--project BranchFlow -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations -l zh \
		--no-fuzzy-matching --ignore-obsolete

bench: install-dev
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/containment.py

# The inbox with 20,000 branches and 1,000,000 task rows (about three minutes on SQLite);
# ARGS="--database postgresql+psycopg://postgres@127.0.0.1:5432/postgres" for PostgreSQL.
bench-inbox: install-dev
	$(BIN)/python bench/inbox.py $(ARGS)

# HTTP throughput under gunicorn against the bare command path (about a minute and a half);
# DB=postgresql+psycopg://postgres@127.0.0.1:5432/<an empty database>.
bench-load: install-dev
	$(BIN)/python bench/load.py --database $(DB) $(ARGS)

# Rebuild the browser modeler (app/static/designer/, committed) from frontend/designer/: needs
# Node 20 and the npm registry; `make run` and CI use the committed files and never need npm.
designer-assets:
	cd frontend/designer && npm ci --no-audit --no-fund && npm run build

# flask audit replay --all over the demo year and a generated history (2,000 instances; the
# issue's 100,000: ARGS="--instances 100000 --runs 1", most of an hour on two cores);
# ARGS="--database postgresql+psycopg://postgres@127.0.0.1:5432/postgres" for PostgreSQL.
bench-replay: install-dev
	$(BIN)/python bench/replay.py $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
	find . -name __pycache__ -prune -exec rm -rf {} +
