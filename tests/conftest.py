"""Shared fixtures: an engine connection per backend and small projects in a temporary folder.

`con` runs a test once per backend named in ``SEGMINT_BACKENDS`` (default ``duckdb,pyspark``;
``SEGMINT_BACKENDS=duckdb`` for a quick local run). A test an engine cannot run yet is
marked ``@pytest.mark.notimpl(["pyspark"], reason=...)``: it is expected to fail there, and
the marker must go once it passes (strict xfail).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
import textwrap
from pathlib import Path

import pytest

from segmint import engine, leftovers
from segmint.config.project import load_project
from segmint.engine import spark as spark_engine

# SQL compiled in this test run is stored for its other processes (segmint.engine.stored_sql:
# xdist's workers inherit the variable), not in the user's cache, and removed when it ends.
if "SEGMINT_CACHE_DIR" not in os.environ:
    leftovers.clear_dead(Path(tempfile.gettempdir()), "segmint-test-cache-")  # runs killed
    os.environ["SEGMINT_CACHE_DIR"] = str(leftovers.remove_at_exit(Path(tempfile.mkdtemp(
        prefix=leftovers.stamped("segmint-test-cache-")))))

BACKENDS = [b.strip() for b in os.environ.get("SEGMINT_BACKENDS", "duckdb,pyspark").split(",")
            if b.strip()]


# The test session's Spark JVM compiles with HotSpot's C1 only (no C2) and collects garbage
# with the serial collector. Neither changes an answer (Java's arithmetic is the same in every
# compiler tier); they cut what the JVM spends compiling Spark's own code and Janino's classes
# for tables of a few rows, which never run long enough to repay C2: the Spark half of
# tests/analyse/test_performance.py took a third less CPU (benchmarks/README.md, "Test suite
# time"). Local sessions only. segmint itself keeps the JVM's defaults: C2's faster code is what
# a long query over many rows needs, and Spark at 100k and 1M rows was not measured with these.
TEST_JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"
spark_engine.SPARK_LOCAL_CONF["spark.driver.extraJavaOptions"] = TEST_JVM_OPTIONS


def backend_params(backends: list[str] = BACKENDS) -> list:
    """Backends as pytest params, each marked with its name (``-m pyspark`` selects Spark)."""
    return [pytest.param(name, id=name, marks=getattr(pytest.mark, name)) for name in backends]


def _connect(request: pytest.FixtureRequest, backend: str):
    if backend == "pyspark":
        missing = ("PySpark is not installed: pip install -e '.[spark]'"
                   if importlib.util.find_spec("pyspark") is None else
                   "no Java runtime for Spark: install openjdk-17-jre-headless"
                   if not (os.environ.get("JAVA_HOME") or shutil.which("java")) else None)
        if missing and "SEGMINT_BACKENDS" in os.environ:  # asked for by name (make test, CI)
            pytest.fail(missing)
        if missing:
            pytest.skip(missing)
    for marker in request.node.iter_markers("notimpl"):
        if backend in marker.args[0]:
            request.applymarker(pytest.mark.xfail(
                strict=True, reason=marker.kwargs.get("reason", f"not implemented on {backend}")))
    # Spark runs as segmint ships it. Interpreted (code generation off) it spent 18% less CPU
    # on one engine-test file, but over a whole suite run its JVM thrashed and died a third of
    # the way in (benchmarks/README.md, "Test suite time").
    return engine.connect(backend)


# A property test on Spark runs this many examples at most (each is a few Spark queries, about
# 2 s); DuckDB runs the number the test asks for. Parity on the demo covers Spark at scale.
SPARK_MAX_EXAMPLES = 10


SPARK_GROUP = "spark"
# Groups named with this prefix are handed out before any other (`FirstTheLongGroups`).
LONG_GROUP = "long: "


def shared_fixture_group(item: pytest.Item) -> str | None:
    """What `item` shares with other tests, if any: the Spark session when it runs on Spark
    (``SPARK_GROUP``), else its session-scoped fixture's name, else its module's path when it
    uses a module-scoped fixture; None for a test on its own. A Spark test marked
    ``spark_apart`` shares its module's run for its parameter only: each parameter's tests are
    a long group of their own (``LONG_GROUP``).

    Under pytest-xdist (``make test``: ``-n 2 --dist loadgroup``) the tests of a group run on
    one worker, so the demo company and each module's shared run are built once, not once per
    worker, and the Spark tests run in one process (one JVM, warmed once) while the other runs
    DuckDB and engine-free tests beside it. The long groups (the demo on both engines, about
    300 s each) go first, one to each worker, so the worker without the Spark tests starts a
    JVM of its own for one of them rather than idling while the other finishes every Spark test
    (the Spark half took 1,440 s of test time against 1,043 s for the rest).
    """
    if item.get_closest_marker("pyspark"):
        if item.get_closest_marker("spark_apart"):
            callspec = getattr(item, "callspec", None)
            return f"{LONG_GROUP}{item.nodeid.split('::')[0]} {callspec.id if callspec else ''}"
        return SPARK_GROUP
    definitions = getattr(item, "_fixtureinfo", None)  # doctests have none
    scopes = {name: defs[-1].scope for name, defs in
              (definitions.name2fixturedefs.items() if definitions else ())
              if defs and defs[-1].baseid}  # the suite's own fixtures, not pytest's or plugins'
    shared_by_session = sorted(name for name, scope in scopes.items() if scope == "session")
    if shared_by_session:
        return shared_by_session[0]
    if "module" in scopes.values():
        return item.nodeid.split("::")[0]
    return None


def pytest_itemcollected(item: pytest.Item) -> None:
    """Tests sharing a result are grouped for pytest-xdist as they are collected: its worker
    names the groups in its own `pytest_collection_modifyitems`, which runs before this
    file's."""
    group = shared_fixture_group(item)
    if group:
        item.add_marker(pytest.mark.xdist_group(group))


def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """`FirstTheLongGroups` for ``--dist loadgroup``; xdist's own scheduler otherwise."""
    if config.getoption("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class FirstTheLongGroups(LoadGroupScheduling):
        """pytest-xdist's group scheduling (groups by number of tests, largest first), except
        that long groups (``LONG_GROUP``) go out before any other: a group's number of tests
        says nothing of its time, and a long group handed out last keeps one worker busy
        while the other has nothing left to do."""

        def _assign_work_unit(self, node) -> None:
            long_groups = [scope for scope in self.workqueue if scope.startswith(LONG_GROUP)]
            for scope in reversed(long_groups):
                self.workqueue.move_to_end(scope, last=False)
            super()._assign_work_unit(node)

    return FirstTheLongGroups(config, log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked pyspark (Spark's own and the parity tests) run only when Spark is asked
    for."""
    if "pyspark" in BACKENDS:
        return
    skip = pytest.mark.skip(reason="SEGMINT_BACKENDS does not include pyspark")
    for item in items:
        if item.get_closest_marker("pyspark"):
            item.add_marker(skip)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """Cap the examples of a hypothesis test while it runs in its Spark parameter."""
    callspec = getattr(item, "callspec", None)
    test = getattr(item, "obj", None)
    chosen = getattr(test, "_hypothesis_internal_use_settings", None)
    if (callspec is None or chosen is None or "pyspark" not in callspec.params.values()
            or chosen.max_examples <= SPARK_MAX_EXAMPLES):
        return (yield)
    from hypothesis import settings

    test._hypothesis_internal_use_settings = settings(chosen, max_examples=SPARK_MAX_EXAMPLES)
    try:
        return (yield)
    finally:
        test._hypothesis_internal_use_settings = chosen


@pytest.fixture(params=backend_params())
def con(request):
    """A connection to each backend in turn (one Spark session serves the whole run)."""
    return _connect(request, request.param)


@pytest.fixture
def make_project(tmp_path: Path):
    """Write files and a segmint.yaml into a fresh folder; return the loaded Project."""

    def make(yaml_text: str, **files: str | bytes):
        for name, content in files.items():
            target = tmp_path / name.replace("__", ".")
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
        (tmp_path / "segmint.yaml").write_text(textwrap.dedent(yaml_text), encoding="utf-8")
        return load_project(tmp_path / "segmint.yaml")

    return make


ONE_SEGMENT = """
segmentation:
  segments: [{name: Everyone, when: "true"}]
"""


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """The 3,000-account demo company (seed 11), generated and run once for the whole session.

    Returns the generator's manifest and the `RunResult` (outputs written, audit included).
    """
    from segmint.config.starter import demo_project
    from segmint.demo.generator import generate_company
    from segmint.pipeline import run

    folder = tmp_path_factory.mktemp("demo_run")
    manifest = generate_company(folder, accounts=3000, seed=11)
    (folder / "segmint.yaml").write_text(demo_project("csv"))
    return manifest, run(load_project(folder / "segmint.yaml"))


@pytest.fixture(scope="module")
def chromium_tab():
    """A function opening a URL in headless Chromium (Debian's, through Playwright), one
    browser per test module: ``open_tab(url, local=prefix)`` returns the page, the answer
    to the navigation and the list its console errors, page errors and any request whose URL
    does not start with `local` (a page fetching off the machine) are written to."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; `make test` installs it")
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])

        def open_tab(url: str, *, local: str):
            problems: list[str] = []
            page = browser.new_page()
            page.on("console", lambda message: message.type == "error"
                    and problems.append(message.text))
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("request", lambda request: request.url.startswith(local)
                    or problems.append(f"the page fetched {request.url}"))
            return page, page.goto(url), problems

        yield open_tab
        browser.close()
