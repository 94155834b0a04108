# One command to set up and run the demo, one to set up and run the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Backends the tests run on (see tests/conftest.py); SEGMINT_BACKENDS=duckdb make test skips Spark.
# The 25 slowest tests are listed at the end: where the suite's time goes, run after run.
SEGMINT_BACKENDS ?= duckdb,pyspark
# Test processes (pytest-xdist): two by default. Every Spark test runs in one of them (one JVM,
# warmed once) while the other runs the DuckDB and engine-free tests, so the two halves of the
# suite share the machine's two cores; tests sharing a session's or a module's run stay in one
# process (tests/conftest.py). TEST_WORKERS=0 runs everything in this process, as on a machine
# with one idle core (benchmarks/README.md, "Test suite time").
TEST_WORKERS ?= 2

.PHONY: demo test bench bench-territories bench-workbench clean browser java

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,spark,serve]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/segmint demo demo-company

# The report is checked in a real headless browser: Debian's chromium (as root, installed here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium for the report's browser test"; \
	    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium not found: install it to run the report's browser test"; fi; }

# engine: spark and its tests need a Java runtime (17 or 21): Debian's, as root, installed here.
java:
	@command -v java >/dev/null 2>&1 || [ -n "$$JAVA_HOME" ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing a Java runtime for engine: spark"; \
	    export DEBIAN_FRONTEND=noninteractive; apt-get update -qq >/dev/null && \
	    { apt-get install -y -qq openjdk-17-jre-headless || apt-get install -y -qq openjdk-21-jre-headless; } >/dev/null; \
	  else echo "java not found: install a Java 17 runtime for engine: spark and its tests"; fi; }

test: $(STAMP) browser java
	SEGMINT_BACKENDS=$(SEGMINT_BACKENDS) $(BIN)/python -m pytest -q --durations=25 \
	  -n $(TEST_WORKERS) --dist loadgroup

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# 100k accounts x 200 territories: ours, a greedy cut and a MIP on the same input
bench-territories: $(STAMP)
	$(BIN)/python benchmarks/territories.py

# segmint serve: p50 / p95 latency per edit of the workbench at 5k accounts
bench-workbench: $(STAMP)
	$(BIN)/python benchmarks/workbench.py

clean:
	rm -rf $(VENV) demo-company .pytest_cache
