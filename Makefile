# Ordertalk — the two commands are `make run` and `make test` (see README.md).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/ordertalk_test
PIP_FLAGS := --quiet --disable-pip-version-check
export PORT

.PHONY: run test test-sqlite test-postgres lint assets install install-dev worker clean \
	cluster cluster-down

## run: install, build assets, migrate, seed the demo data if empty, serve on 127.0.0.1:$PORT
## (gunicorn replaces the shell with `exec`, so a SIGTERM to make's child stops the server;
## it ends its start-up with a banner: the URL, the demo logins, the dev outbox)
run: install assets
	@$(BIN)/flask --app app db upgrade
	@$(BIN)/flask --app app seed-demo --if-empty
	@exec env NOTIFY_DISPATCHER=thread ORDERTALK_BANNER=http://127.0.0.1:$(PORT) \
		$(BIN)/gunicorn --worker-class gthread --workers 1 --threads 100 \
		--bind 127.0.0.1:$(PORT) --graceful-timeout 5 --access-logfile - 'app:create_app()'

## test: the whole suite on SQLite, and on PostgreSQL when it is reachable (CI requires it);
## both run even when the first fails, and it fails at the end if either did
test: install-dev assets
	@status=0; \
	$(MAKE) --no-print-directory test-sqlite || status=1; \
	$(MAKE) --no-print-directory test-postgres || status=1; \
	if [ $$status -ne 0 ]; then echo "make test: a run failed (see above)"; fi; \
	exit $$status

test-sqlite:
	$(BIN)/pytest -q

test-postgres:
	@if $(BIN)/python scripts/postgres_reachable.py "$(TEST_POSTGRES_URL)"; then \
		TEST_DATABASE_URL="$(TEST_POSTGRES_URL)" $(BIN)/pytest -q; \
	elif [ -n "$$REQUIRE_POSTGRES" ]; then \
		echo "PostgreSQL is not reachable at $(TEST_POSTGRES_URL) and REQUIRE_POSTGRES is set"; \
		exit 1; \
	else \
		echo "PostgreSQL not reachable: skipped the PostgreSQL run (set TEST_POSTGRES_URL)"; \
	fi

lint: install-dev
	$(BIN)/ruff check .

## worker: the notification dispatcher alone
worker: install
	$(BIN)/flask --app app worker

## cluster: nginx in front of 2 web processes and a worker on PostgreSQL and Redis
## (scripts/cluster.sh: CLUSTER_WEB, CLUSTER_WORKERS, CLUSTER_PORT, ...); cluster-down stops it
cluster: install assets
	bash scripts/cluster.sh up

cluster-down:
	bash scripts/cluster.sh down

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install $(PIP_FLAGS) -e . 2>&1 | grep -v "^WARNING: Location" || true
	@$(BIN)/python -c "import flask_socketio, gunicorn" && touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install $(PIP_FLAGS) -e '.[dev]' 2>&1 | grep -v "^WARNING: Location" || true
	@$(BIN)/python -c "import pytest, playwright, ruff" && touch $@

assets: node_modules/.package-lock.json
	bash scripts/vendor-assets.sh

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

clean:
	rm -rf $(VENV) node_modules static/vendor test-artifacts
