# The two commands of the README: `make run` and `make test` (`make test-fast` skips the slow tests).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)
SPARK_STAMP := $(VENV)/.spark-installed-$(shell cksum requirements-spark.txt | cut -d' ' -f1)
MESSAGES ?= 2000000

.PHONY: run test test-fast lint venv demo bench bench-ingest bench-compact bench-live loadtest clean

venv: $(STAMP)

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $@

demo: venv
	$(BIN)/python app.py demo --if-missing --messages $(MESSAGES)

# --local: while no users exist, the app serves this computer without log-in (README, "Users and roles").
run: demo
	$(BIN)/python app.py serve --local

# The tests also cover the optional Spark engine (tests/data/test_spark.py): pyspark and sqlglot.
$(SPARK_STAMP): requirements-spark.txt $(STAMP)
	$(BIN)/python -m pip install --quiet -r requirements-spark.txt
	rm -f $(VENV)/.spark-installed-*
	touch $@

# Lint and format checks first (settings in pyproject.toml), then every test.
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: venv $(SPARK_STAMP) lint
	$(BIN)/python -m pytest -q --headless tests

# The same without the tests marked `slow` (faults, load, several processes, Spark).
test-fast: venv $(SPARK_STAMP) lint
	$(BIN)/python -m pytest -q --headless -m "not slow" tests

# The performance benchmark (README, "How it scales"): `make bench MESSAGES=100000000 [DISPATCHES=20000 LABELS=2000]`.
bench: venv
	$(BIN)/python -m bench.run --messages $(MESSAGES) $(if $(DISPATCHES),--dispatches $(DISPATCHES)) \
		$(if $(LABELS),--labels $(LABELS)) $(BENCH_ARGS)

# Ingest speed against DuckDB reading the same files (README, "Importing logs"): inputs made under var/.
INGEST_MESSAGES ?= 1000000
bench-ingest: venv
	$(BIN)/python -m bench.ingest --messages $(INGEST_MESSAGES) $(BENCH_ARGS)

# Compaction of 10,000 provider callbacks into a demo lake of COMPACT_MESSAGES (README, "Live: provider callbacks").
COMPACT_MESSAGES ?= 2000000
bench-compact: venv
	$(BIN)/python -m bench.compaction --messages $(COMPACT_MESSAGES) $(BENCH_ARGS)

# Provider callbacks replayed to `serve` on 127.0.0.1 (README, "Live: provider callbacks"): rate, p95, ack -> lake.
LIVE_RATE ?= 500
LIVE_SECONDS ?= 60
bench-live: venv
	$(BIN)/python -m bench.live --messages $(COMPACT_MESSAGES) --rate $(LIVE_RATE) --duration $(LIVE_SECONDS) $(BENCH_ARGS)

# Load (README, "Serving"): 50 users for 2 minutes against `serve --workers 2` over a demo lake under var/load/;
# `make test` runs a 15-second form (tests/faults/test_load.py).
LOAD_MESSAGES ?= 2000000
loadtest: venv
	$(BIN)/python -m bench.load --users 50 --duration 120 --workers 2 --messages $(LOAD_MESSAGES) $(LOAD_ARGS)

clean:
	rm -rf var/ .pytest_cache .ruff_cache
