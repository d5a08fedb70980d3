# The two commands of the README: `make dev` and `make test`.
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTHON ?= python3

.PHONY: install dev test lint services bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Embedded mode: SQLite under instance/, an in-process queue and worker, API on 127.0.0.1:5000.
dev: install
	env -u REDIS_URL $(BIN)/socialscalr db upgrade
	@echo "Demo user demo@example.com; its API token is the last line below:"
	@env -u REDIS_URL $(BIN)/socialscalr users create --email demo@example.com --name "Demo User" --plan pro 2>/dev/null \
		|| env -u REDIS_URL $(BIN)/socialscalr tokens rotate --email demo@example.com
	env -u REDIS_URL $(BIN)/socialscalr serve --host 127.0.0.1 --port 5000

services:
	bash .ci/ensure-services

test: install services
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance .pytest_cache
