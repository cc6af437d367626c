# Rapport: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint types pytest pytest-sqlite pytest-postgres migrate seed openapi serve clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## make run: install, migrate the SQLite file, seed demo data, serve on http://127.0.0.1:8000
run: $(STAMP) migrate seed
	$(BIN)/uvicorn app.main:app --host $(HOST) --port $(PORT) --reload --no-access-log

migrate: $(STAMP)
	$(BIN)/alembic upgrade head

seed: $(STAMP)
	$(BIN)/python -m app.seed

## make test: lint, types, then the whole suite on SQLite and on a throwaway PostgreSQL
test: lint types pytest-sqlite pytest-postgres

lint: $(STAMP)
	$(BIN)/ruff check app tests migrations
	$(BIN)/ruff format --check app tests migrations

types: $(STAMP)
	$(BIN)/mypy

pytest-sqlite: $(STAMP)
	env -u DATABASE_URL $(BIN)/pytest -q

pytest-postgres: $(STAMP)
	scripts/with-postgres $(BIN)/pytest -q

## make openapi: regenerate the committed openapi/openapi.json from the app
openapi: $(STAMP)
	$(BIN)/python -m app.openapi_export openapi/openapi.json

## make serve: production-style serving (uvloop, httptools, no access log; our JSON log line)
serve: $(STAMP) migrate
	$(BIN)/uvicorn app.main:app --host $(HOST) --port $(PORT) --loop uvloop --http httptools \
		--no-access-log --workers $${WEB_CONCURRENCY:-2} --proxy-headers

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
