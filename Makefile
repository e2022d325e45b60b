# Two commands do all set-up: `make run` (the app, on SQLite with no servers) and `make test`.
PYTHON ?= python3.11
# Optional overrides in .env (KEY=value lines, see .env.example) reach every command below.
-include .env
export

VENV := .venv
# Tests run in one process per core (pytest-xdist); TEST_PROCESSES=0 runs them in this process.
TEST_PROCESSES ?= auto
BIN := $(VENV)/bin

.PHONY: run test soak install clean-db lint format serve bench

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

run: $(VENV)/.installed
	mkdir -p var
	$(BIN)/python -m oss_inbox.devserver

# The web app as production serves it (gunicorn.conf.py: 2 x cores + 1 sync workers) on 127.0.0.1:$(PORT),
# DEBUG off; give it SECRET_KEY, DATABASE_URL (PostgreSQL) and CACHE_URL (Redis), and migrate first:
#   SECRET_KEY=... DATABASE_URL=postgres://... CACHE_URL=redis://127.0.0.1:6379/1 make serve
serve: $(VENV)/.installed
	DEBUG=0 $(BIN)/python manage.py collectstatic --noinput -v0
	DEBUG=0 $(BIN)/gunicorn -c gunicorn.conf.py oss_inbox.wsgi:application

# worksteal: a process that runs out of tests takes half of the other's queue, so a long test near
# the end (the make run stack, about 40 s) does not leave one core idle (4 min 38 s against 5 min 11 s).
test: $(VENV)/.installed
	$(BIN)/python -m pytest -n $(TEST_PROCESSES) --dist worksteal $(PYTEST_ARGS)

# make run's stack with customers writing ten times as often, checked for crashes, losses and doubles
# (bench/soak.py; the 30-minute figure is in docs/BENCHMARKS.md, CI runs a few minutes).
SOAK_MINUTES ?= 30
soak: $(VENV)/.installed
	$(BIN)/python bench/soak.py --minutes $(SOAK_MINUTES)

# OSS Inbox served as production serves it, timed over HTTP beside django-helpdesk (bench/README.md):
# builds BENCH_DATABASE with BENCH_TICKETS tickets if it does not exist (about five minutes at a
# million), then prints the table; PEER_DATABASE=postgres://... adds the peer's column
# (bench/peer/generate.py fills one).
BENCH_TICKETS ?= 1000000
BENCH_DATABASE ?= oss_bench1m
BENCH_POSTGRES ?= postgres://postgres@127.0.0.1:5432
bench: $(VENV)/.installed
	DATABASE_URL=$(BENCH_POSTGRES)/$(BENCH_DATABASE) $(BIN)/python bench/compare.py \
		--build-tickets $(BENCH_TICKETS) $(if $(PEER_DATABASE),--peer-database $(PEER_DATABASE)) $(BENCH_ARGS)

# Formatting and lint rules (ruff) and the layers, arrows pointing one way (import-linter; both
# configured in pyproject.toml, the layers explained in docs/architecture.md).
lint: $(VENV)/.installed
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports

format: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Start again from an empty demo database (the next `make run` prints new passwords).
clean-db:
	rm -rf var/oss_inbox.sqlite3* var/broker.sqlite3* var/broker var/media
