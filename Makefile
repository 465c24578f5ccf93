# daigou: `make run` starts the gateway (SQLite + sandbox), `make test` type-checks the code
# (mypy) and runs the whole suite on SQLite and on PostgreSQL 15 servers the tests start
# themselves, in parallel (pytest-xdist: one PostgreSQL server and one SQLite template per
# worker). PYTEST_WORKERS=0 runs it serially; PYTEST_ARGS adds pytest options.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=
# one worker per core (CI has 2); `loadfile` hands out whole test modules (see tests/conftest.py)
PYTEST_WORKERS ?= auto
PYTEST_PARALLEL := $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder)

.PHONY: install run test lint typecheck bench clean postgres-binaries sdk

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "daigou needs Python 3.11+"'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

run: install
	$(BIN)/daigou serve --host $(HOST) --port $(PORT)

# PostgreSQL's server binaries (initdb, pg_ctl) come from Debian's packages on the image; on a
# machine without them, install them when we can (root), else say what is missing.
postgres-binaries:
	@bindir=$$(pg_config --bindir 2>/dev/null); \
	if [ -z "$$bindir" ] || [ ! -x "$$bindir/initdb" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing PostgreSQL server binaries (Debian packages)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql libpq-dev >/dev/null; \
	  else \
	    echo "PostgreSQL 15 server binaries are missing: apt-get install postgresql" >&2; exit 1; \
	  fi; \
	fi

test: install postgres-binaries typecheck
	$(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_PARALLEL) $(PYTEST_ARGS)

# the SDK's TypedDicts (src/daigou_sdk/schemas.py) from the gateway's OpenAPI document;
# the output is checked in (tests/api/test_sdk_schemas.py fails when it is stale)
sdk: install
	$(BIN)/python -m daigou.sdk_schemas

typecheck: install
	$(BIN)/mypy

lint: install typecheck
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports

bench: install
	$(BIN)/python bench/bench_signed_vs_bare.py

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis .mypy_cache
