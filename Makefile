# segdash: `make run` serves the app, `make test` runs lint and every test.
# Both set themselves up on a fresh machine (venv, requirements, Chromium for browser tests).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501
HOST   ?= 127.0.0.1
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint sample bench setup dev-setup chromium engines

run: $(VENV)/.installed
	$(PY) -m segdash serve-check --host $(HOST)
	$(PY) -m streamlit run app.py --server.port $(PORT) --server.address $(HOST) --server.fileWatcherType none

test: $(VENV)/.dev-installed chromium engines
	$(PY) -m ruff check .
	$(PY) -m pytest

lint: $(VENV)/.dev-installed
	$(PY) -m ruff check .

setup: $(VENV)/.installed
dev-setup: $(VENV)/.dev-installed

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { \
	  echo "python3 -m venv failed: installing Debian's python3-venv"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv && \
	  rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

chromium:
	@test -x /usr/bin/chromium || { $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# What the `engines` tests need (issue 15): Debian's Java runtime for Spark (pyspark comes from
# requirements-dev.txt) and Debian's PostgreSQL server programs (the tests start their own server).
engines:
	@{ command -v java >/dev/null && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; } || { \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless postgresql; }

# Regenerate the bundled sample (seeded: the same file every time).
sample: $(VENV)/.installed
	$(PY) sample_data/generate.py --rows 5000 --out sample_data/customers.csv --transactions sample_data/transactions.csv

bench: $(VENV)/.installed
	$(PY) bench/import_bench.py
	$(PY) bench/segment_bench.py
	$(PY) bench/segment_rules_bench.py
	$(PY) bench/profile_bench.py
	$(PY) bench/roi_bench.py
	$(PY) bench/report_bench.py
	$(PY) bench/engines_bench.py
