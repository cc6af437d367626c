# Rapport: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: lock run test lint types pytest pytest-sqlite pytest-postgres migrate seed openapi serve bench bench-instructions bench-signup-burst bench-scale clean sdk lint-openapi fuzz

# Installs exactly what requirements/dev.txt locks (hashes checked), then the project itself.
$(STAMP): pyproject.toml requirements/dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

## make lock: re-resolve requirements/dev.txt and runtime.txt from pyproject.toml, keeping the
## locked versions that still fit (make lock UPGRADE=--upgrade, or UPGRADE='--upgrade-package X')
# runtime.txt is constrained by dev.txt, so the image runs the versions the tests ran.
UPGRADE ?=
LOCK := $(BIN)/uv pip compile --quiet --universal --generate-hashes --custom-compile-command 'make lock'
lock: $(STAMP)
	$(LOCK) $(UPGRADE) --extra dev -o requirements/dev.txt pyproject.toml
	$(LOCK) -c requirements/dev.txt -o requirements/runtime.txt pyproject.toml

## make run: install, migrate the SQLite file, seed demo data, serve on http://127.0.0.1:8000
run: $(STAMP) migrate seed
	$(BIN)/uvicorn app.main:app --host $(HOST) --port $(PORT) --reload --no-access-log \
		--no-proxy-headers --no-server-header

migrate: $(STAMP)
	$(BIN)/alembic upgrade head

seed: $(STAMP)
	$(BIN)/python -m app.seed

## make test: lint, types, the whole suite on SQLite, schemathesis over the document (make fuzz),
## then the suite on a throwaway PostgreSQL
test: lint types pytest-sqlite fuzz pytest-postgres

lint: $(STAMP) lint-openapi
	$(BIN)/ruff check app tests migrations bench
	$(BIN)/ruff format --check app tests migrations bench

types: $(STAMP)
	$(BIN)/mypy

# tests/rate_limits/ starts Debian's redis-server on a port of its own: installed if missing.
REDIS := /usr/bin/redis-server
$(REDIS):
	@[ "$$(id -u)" = 0 ] && { apt-get update -qq \
		&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; } \
		|| { echo "redis-server is needed: install the redis-server package"; exit 1; }

pytest-sqlite: $(STAMP) sdk $(REDIS)
	env -u DATABASE_URL $(BIN)/pytest -q

# tests/faults/ starts Debian's PgBouncer in front of a cluster of its own: installed if missing.
pytest-postgres: $(STAMP) sdk $(REDIS)
	@test -x /usr/sbin/pgbouncer || { [ "$$(id -u)" = 0 ] && apt-get update -qq \
		&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null; } \
		|| { echo "pgbouncer is needed: install the pgbouncer package"; exit 1; }
	scripts/with-postgres $(BIN)/pytest -q

## make fuzz: schemathesis over every operation, as an owner and as an API key side by side, with
## a fixed seed, all checks and all phases; any finding fails (tests/fuzz/README.md)
fuzz: $(STAMP)
	$(BIN)/python -m tests.fuzz.run

## make sdk: a Python client (build/python-client) and TypeScript types for openapi-fetch
## (build/ts) generated from openapi/openapi.json, unedited; docs/clients.md
# The npm tools are those sdk/package-lock.json pins, installed again only when it changes.
SDK_NPM := sdk/node_modules/.rapport-installed
$(SDK_NPM): sdk/package.json sdk/package-lock.json
	@command -v npm >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq \
		&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; } \
		|| { echo "Node.js and npm are needed: install the nodejs and npm packages"; exit 1; }
	npm ci --prefix sdk --no-audit --no-fund
	@touch $@

# Both generators' warnings are errors: a warning means a part of the API left out or mistyped.
# The Python client's post-hooks run the venv's ruff. build/openapi.json records the document
# the clients came from (tests/sdk/ refuses clients of another document than the app's).
SDK_DOCUMENT ?= openapi/openapi.json
sdk: $(STAMP) $(SDK_NPM)
	rm -rf build/python-client build/ts build/openapi.json
	@mkdir -p build
	@out=$$(PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/openapi-python-client generate \
		--path $(SDK_DOCUMENT) --output-path build/python-client --meta uv \
		--config sdk/openapi-python-client.yaml --fail-on-warning 2>&1); status=$$?; \
		echo "$$out"; test $$status = 0 && ! echo "$$out" | grep -qi 'warning\|not in PATH'
	@out=$$(sdk/node_modules/.bin/openapi-typescript $(SDK_DOCUMENT) \
		--output build/ts/rapport.d.ts --default-non-nullable false 2>&1); status=$$?; \
		echo "$$out"; test $$status = 0 && ! echo "$$out" | grep -qi 'warn'
	cp $(SDK_DOCUMENT) build/openapi.json

## make lint-openapi: the committed document is valid OpenAPI 3.1 and passes Redocly's
## recommended rules (warnings shown, errors fail)
# Redocly CLI 2.77 needs Node.js 20.19 or later (Debian 12's nodejs is 18; Debian 13's is 20.19).
lint-openapi: $(STAMP) $(SDK_NPM)
	$(BIN)/openapi-spec-validator openapi/openapi.json
	@node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a * 100 + b < 2019 ? 1 : 0)' \
		|| { echo "Redocly CLI needs Node.js 20.19 or later, not $$(node --version)"; exit 1; }
	REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
		sdk/node_modules/.bin/redocly lint --extends recommended --format summary \
		--max-problems 1000 openapi/openapi.json

## make openapi: regenerate the committed openapi/openapi.json from the app
openapi: $(STAMP)
	$(BIN)/python -m app.openapi_export openapi/openapi.json

## make serve: production-style serving (uvloop, httptools, no access log; our JSON log line).
# Forwarded headers are the app's to believe or not (RAPPORT_TRUSTED_PROXIES), never uvicorn's.
# The workers' metrics meet in PROMETHEUS_MULTIPROC_DIR (docs/deploy.md), emptied of an earlier
# run's files first (prometheus-client would add them to this run's). By default it is per user
# and port, made for the user alone; a directory someone else owns is refused, not written in.
serve: export PROMETHEUS_MULTIPROC_DIR ?= $(or $(XDG_RUNTIME_DIR),$(TMPDIR),/tmp)/rapport-metrics-$(PORT)
serve: $(STAMP) migrate
	@mkdir -p -m 700 "$$PROMETHEUS_MULTIPROC_DIR" && [ -O "$$PROMETHEUS_MULTIPROC_DIR" ] \
		&& [ ! -L "$$PROMETHEUS_MULTIPROC_DIR" ] && rm -f "$$PROMETHEUS_MULTIPROC_DIR"/*.db \
		|| { echo "PROMETHEUS_MULTIPROC_DIR=$$PROMETHEUS_MULTIPROC_DIR is not a directory of yours"; exit 1; }
	$(BIN)/uvicorn app.main:app --host $(HOST) --port $(PORT) --loop uvloop --http httptools \
		--no-access-log --workers $${WEB_CONCURRENCY:-2} --no-proxy-headers --no-server-header

## make bench: Rapport against a ceiling app with wrk, on PostgreSQL and SQLite (bench/results)
bench: $(STAMP)
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq wrk; } \
		|| { echo "wrk is needed: install the wrk package"; exit 1; }
	scripts/with-postgres $(BIN)/python -m bench.run

## make bench-instructions: instructions per request under callgrind (compare two checkouts)
bench-instructions: $(STAMP)
	@command -v valgrind >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq valgrind; } \
		|| { echo "valgrind is needed: install the valgrind package"; exit 1; }
	scripts/with-postgres $(BIN)/python -m bench.instructions

## make bench-signup-burst: reads alone and during a burst of sign-ups (bench/results/signup_burst.md)
bench-signup-burst: $(STAMP)
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq wrk; } \
		|| { echo "wrk is needed: install the wrk package"; exit 1; }
	scripts/with-postgres $(BIN)/python -m bench.signup_burst

## make bench-scale: 1,000,000 people against 1,000 on PostgreSQL (bench/results/scale.md)
bench-scale: $(STAMP)
	scripts/with-postgres $(BIN)/python -m bench.scale

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
