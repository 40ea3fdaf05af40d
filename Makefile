# Two commands do everything: `make run` and `make test` (see README).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1
STAMP := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)
DEV_ENV := DJANGO_DEBUG=1
TEST_ENV := DJANGO_SECRET_KEY=test-only-secret-key-not-for-production

.PHONY: setup run serve test screenshots lint format schema graphiql messages bench bench-edge bench-search bench-peer bench-tasks bench-live cluster cluster-stop clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (found: $$($(PYTHON) --version 2>&1))."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@rm -f $(VENV)/.installed-*
	@touch $@

# The API's image addresses and the publisher's logo point at the server `make run` starts
# (unless set).
# The demo site publishes Traditional Chinese too, derived from the Chinese desk
# (CMS_DERIVED_LANGUAGES, docs/operations/settings.md).
run: export CMS_LANGUAGES ?= en,zh-hans,zh-hant
run: export CMS_MEDIA_URL ?= http://$(HOST):$(PORT)/media/
run: export CMS_PUBLISHER_LOGO_URL ?= http://$(HOST):$(PORT)/static/api/logo.png
run: setup
	@$(PY) -c 'import socket, sys; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); \
		r = s.connect_ex(("$(HOST)", $(PORT))); sys.exit(0 if r else 1)' || \
		{ echo "Port $(PORT) on $(HOST) is already in use. Stop whatever serves it, or pick another: PORT=8001 make run"; exit 1; }
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py load_demo
	@$(DEV_ENV) $(PY) manage.py demo_account
	@echo "GraphQL API and GraphiQL: http://$(HOST):$(PORT)/graphql   Admin: http://$(HOST):$(PORT)/admin/"
	@# The task worker (webhook deliveries), the hot ranking (every five minutes) and the sync
	@# log's pruning (hourly) run beside the server and stop with it. runserver serves ASGI
	@# through daphne: the API, the admin and GraphQL subscriptions (WebSocket /graphql).
	$(DEV_ENV) $(PY) manage.py db_worker --no-startup-delay & worker=$$!; \
		$(DEV_ENV) $(PY) manage.py rank_stories --every 300 & ranker=$$!; \
		$(DEV_ENV) $(PY) manage.py prune_sync --every 3600 & pruner=$$!; \
		trap 'kill $$worker $$ranker $$pruner 2>/dev/null' EXIT INT TERM; \
		$(DEV_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

# Production serving: gunicorn workers, DEBUG off (DJANGO_SECRET_KEY must be set).
WORKERS ?= $(shell $(PYTHON) -c 'import os; print(2 * os.cpu_count() + 1)')
serve: setup
	@# Multi-process metrics (docs/operations/metrics.md): start from an empty folder.
	@if [ -n "$$PROMETHEUS_MULTIPROC_DIR" ]; then mkdir -p "$$PROMETHEUS_MULTIPROC_DIR" && \
		find "$$PROMETHEUS_MULTIPROC_DIR" -maxdepth 1 -name '*.db' -delete; fi
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py db_worker & worker=$$!; $(PY) manage.py rank_stories --every 300 & ranker=$$!; \
		$(PY) manage.py prune_sync --every 3600 & pruner=$$!; \
		trap 'kill $$worker $$ranker $$pruner 2>/dev/null' EXIT INT TERM; \
		$(VENV)/bin/gunicorn api.wsgi --config gunicorn.conf.py --bind $(HOST):$(PORT) --workers $(WORKERS) \
		--access-logfile - --max-requests 20000 --max-requests-jitter 2000

test: setup
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS)

# Retake the screenshots of the editor's guide with the browser test: docs/editors-guide/*.png,
# which the English and the Chinese guide beside them (README.md, README.zh-Hans.md) both show.
screenshots: setup
	BROWSER_SCREENSHOTS_FOR_DOCS=1 $(TEST_ENV) $(PY) -m pytest tests/admin/test_browser.py tests/admin/test_browser_guide.py tests/admin/test_browser_guide_live.py tests/admin/test_browser_drafts.py tests/admin/test_browser_kill.py -p no:cacheprovider

# The read-path benchmark (PostgreSQL and Redis on this machine; about fifteen minutes with
# the default BENCH_SIZES=10000,100000). It includes the Directus peer when installed.
bench: setup
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev,bench]"
	$(PY) bench/run.py

# Live subscribers (bench/subscribers.py; `make bench` runs it last): 1,000 WebSocket
# subscribers on the ASGI workers receive new entries (p99 target 1 s), memory per idle
# subscriber, and the front page from ASGI vs WSGI workers (docs/operations/topology.md).
bench-live: setup
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev,bench]"
	$(PY) bench/run.py live

# The production topology on this machine (docs/operations/topology.md): Varnish on 9100,
# two app processes, a streaming replica on 5433, Redis, the task worker. Needs root.
cluster: setup
	deploy/cluster/ctl start

cluster-stop:
	deploy/cluster/ctl stop

# Through Varnish: cached reads, publish-to-edge latency, mixed load (starts the cluster).
bench-edge: setup
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(PY) bench/edge.py

# Search latency at 100,000 stories on PostgreSQL (bench/search.py; the first run generates
# the stories, about ten minutes).
bench-search: setup
	$(PY) bench/search.py

# The Directus peer (../shared/peers/directus/): installs it from npm (minutes the first time),
# loads 10,000 stories and measures it; `make bench` then measures it beside ours.
bench-peer: setup
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(PY) bench/peer.py

# The task queues, one after the other on the same workload (docs/operations/tasks.md): our
# database queue on PostgreSQL and SQLite, RQ, Celery and procrastinate (PostgreSQL and Redis
# db 1 on this machine, BENCH_TASK_REDIS_URL; about ten minutes).
bench-tasks: setup
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev,bench]"
	$(PY) -m bench.task_queues

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

schema: setup
	$(DEV_ENV) $(PY) -m api.export_schema > schema.graphql

# Re-copy GraphiQL's browser files into api/static/graphiql/ (committed) from npm, at the
# versions strawberry's page names; each must have that page's integrity hash. Needs Node.js
# (`make run` does not: the copies are committed).
graphiql: setup
	cd vendor/graphiql && npm ci --no-audit --no-fund
	$(PY) -m api.graphql_http.graphiql vendor/graphiql/node_modules

messages: setup
	$(DEV_ENV) $(PY) manage.py makemessages --locale zh_Hans --no-obsolete --add-location file --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'bench/*'
	cd locale && msgfmt --check -o zh_Hans/LC_MESSAGES/django.mo zh_Hans/LC_MESSAGES/django.po
	@# The Traditional Chinese catalog is the Simplified one converted with OpenCC.
	$(DEV_ENV) $(PY) manage.py derive_catalog

clean:
	rm -rf $(VENV) var .pytest_cache
