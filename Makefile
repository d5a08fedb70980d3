# The two commands of the README: `make dev` and `make test`.
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTHON ?= python3
# `make dev PORT=8000` (5000 is AirPlay's on macOS); `make dev VERBOSE=1` logs every job of the embedded worker.
PORT   ?= 5000
VERBOSE ?=
# Parallel test processes (pytest-xdist); each gets its own PostgreSQL database and Redis database.
TEST_WORKERS ?= 4

.PHONY: install dev test lint services bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Embedded mode: SQLite under instance/, an in-process queue and worker, API on 127.0.0.1:$(PORT).
# The demo user's token is printed when the user is created; later runs keep it working and say how to rotate.
dev: install
	env -u REDIS_URL $(BIN)/socialscalr db upgrade
	@env -u REDIS_URL $(BIN)/socialscalr users create --email demo@example.com --name "Demo User" --plan pro \
		--keep-existing
	env -u REDIS_URL $(BIN)/socialscalr serve --host 127.0.0.1 --port $(PORT) $(if $(VERBOSE),--verbose)

services:
	bash .ci/ensure-services

test: install services
	$(BIN)/pytest -n $(TEST_WORKERS)

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance .pytest_cache
