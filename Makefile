# The two set-up commands: `make run` and `make test`. Both work on a fresh machine with
# Python 3.11+, on the embedded default (SQLite, file-system broker) or on PostgreSQL and
# Redis when DATABASE_URL / REDIS_URL are set.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PYTEST_ARGS ?=
export PORT

.PHONY: install run test lint messages migrate seed lock fuzz bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.lock | $(BIN)/activate
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	touch $@

install: $(VENV)/.installed

messages: install
	$(BIN)/pybabel compile --domain django --directory locale --statistics

migrate: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable

seed: migrate
	$(BIN)/python manage.py seed_demo

run: messages seed
	@echo "Serving on http://127.0.0.1:$(PORT)/ (web, worker and beat; Ctrl-C stops all)"
	$(BIN)/honcho start --procfile Procfile

test: messages
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

# Regenerate requirements.lock after changing the dependencies in pyproject.toml.
lock: install
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 \
		--quiet -o requirements.lock

clean:
	rm -rf $(VENV) var staticfiles
