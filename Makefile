# The two set-up commands: `make run` and `make test`. Both work on a fresh machine with
# Python 3.11+, on the embedded default (SQLite, file-system broker) or on PostgreSQL and
# Redis when DATABASE_URL / REDIS_URL are set.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PYTEST_ARGS ?=
export PORT

.PHONY: install run test lint messages migrate seed lock fuzz bench attack clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.lock | $(BIN)/activate
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	touch $@

install: $(VENV)/.installed

# English is the source language: its catalogue holds only a few plural forms, so only the
# Malay catalogues' statistics say anything.
messages: install
	$(BIN)/pybabel compile --domain django --directory locale --locale ms --statistics
	$(BIN)/pybabel -q compile --domain django --directory locale --locale en
	$(BIN)/pybabel compile --domain django --directory accounts/allauth_locale --statistics

migrate: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable

seed: migrate
	$(BIN)/python manage.py seed_demo

# The links in emails point at the port served: the worker and the scheduler get SITE_URL
# too (honcho gives each process a PORT of its own).
run: export SITE_URL ?= http://127.0.0.1:$(PORT)
run: messages seed
	@echo "Serving on http://127.0.0.1:$(PORT)/ (web, worker and beat; Ctrl-C stops all)"
	$(BIN)/python -m config.run_all

test: messages
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# A long run of the API fuzzing that `make test` runs briefly (FUZZ_EXAMPLES generated
# cases per operation, input mode and caller).
FUZZ_EXAMPLES ?= 200
fuzz: messages
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest tests/reliability/test_schema_fuzz.py \
		--timeout=7200 $(PYTEST_ARGS)

# Style (ruff) and the layering of DESIGN.md section 2 (import-linter's contracts in
# pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

# Regenerate requirements.lock after changing the dependencies in pyproject.toml.
lock: install
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 \
		--quiet -o requirements.lock

# The benchmark (DESIGN.md section 10) in its own database: `<name>_bench` on the PostgreSQL
# server DATABASE_URL names (created when missing), else bench.sqlite3. Prints one JSON
# object on stdout and fails when a budget is missed; a copy goes to var/bench/.
#   make bench SCALE=1000000 COMPARE=var/bench/result-100000.json   growth against a run
#   make bench PEER=<folder of the peer harness>    the peer runs first, side by side
#   make bench PEER_RESULT=<file>                   side by side with a saved peer result
SCALE ?= 100000
PEER ?=
PEER_RESULT ?=
COMPARE ?=
BENCH_ARGS ?=
bench: install
	@$(MAKE) -s --no-print-directory messages >&2
	@command -v wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk) >&2 \
		|| echo "wrk could not be installed: the throughput part is skipped" >&2
	@url="$$($(BIN)/python -m bench.common)" || exit 1; \
	export DATABASE_URL="$$url" DEBUG=false CACHE_KEY_PREFIX=bench; \
	$(BIN)/python manage.py migrate --noinput >&2 && \
	$(BIN)/python manage.py createcachetable >&2 && \
	$(BIN)/python manage.py seed_bench --requests $(SCALE) >&2 && \
	$(BIN)/python manage.py bench --save var/bench/result-$(SCALE).json \
		$(if $(PEER),--peer "$(PEER)") $(if $(PEER_RESULT),--peer-result "$(PEER_RESULT)") \
		$(if $(COMPARE),--compare "$(COMPARE)") $(BENCH_ARGS)

# The attack from outside (docs/security.md): the portal served by gunicorn under production
# settings, with the demo data and a second tenant of each kind, in its own throwaway
# database `<name>_attack` on the PostgreSQL server DATABASE_URL names (dropped afterwards).
# Prints one JSON summary and fails on any failure, server error or leak.
#   make attack SHORT=1     a bounded run of about three minutes (CI)
SHORT ?=
attack: install
	@$(MAKE) -s --no-print-directory messages >&2
	@$(BIN)/python -m attack $(if $(SHORT),--short)

clean:
	rm -rf $(VENV) var staticfiles
