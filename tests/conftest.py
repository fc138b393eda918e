"""Shared fixtures: paths, AppTest factory, and a real app server + Chromium for browser flows."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_data" / "customers.csv"
TRANSACTIONS = REPO / "sample_data" / "transactions.csv"
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
# In this process (AppTest pages, unit tests) models are fitted here: a worker pool started by one
# test's app.py would change what later tests in the same process measure. Servers that the browser
# tests start (serve_app) run with the default, worker processes on, as a served app does;
# tests/test_workers.py turns the pool on where it is under test.
os.environ.setdefault("SEGDASH_RUN_WORKERS", "0")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]


@pytest.fixture
def make_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., object]:
    """Factory for ``AppTest`` of app.py; ``sample`` is the file a new session loads (None: no data)."""
    from streamlit.testing.v1 import AppTest

    def factory(sample: Path | None = SAMPLE, *, timeout: float = 60, home: Path | None = None) -> AppTest:
        monkeypatch.setenv("SEGDASH_SAMPLE", str(sample) if sample else "none")
        monkeypatch.setenv("SEGDASH_HOME", str(home or tmp_path / "segdash-home"))
        monkeypatch.chdir(REPO)
        return AppTest.from_file(str(REPO / "app.py"), default_timeout=timeout)

    return factory


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve_app(env: dict[str, str], *, log_name: str = "server.log") -> Iterator[str]:
    """Run ``streamlit run app.py`` on a free localhost port with ``env`` added; yields its URL.

    The server's output goes to ``test-artifacts/<log_name>``; a server that does not answer its
    health check within 90 s fails the test with a pointer to that log.
    """
    port = _free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / log_name, "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true",
         "--server.fileWatcherType", "none", "--server.runOnSave", "false"],
        cwd=REPO, env={**{k: v for k, v in os.environ.items() if k != "SEGDASH_RUN_WORKERS"}, **env},
        stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start; see {ARTIFACTS / log_name}")
            time.sleep(0.2)  # polling a server start-up, not waiting in a test
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    """A real ``streamlit run app.py`` on a free localhost port, with the sample data preloaded."""
    home = tempfile.mkdtemp(prefix="segdash-home-")
    env = {"SEGDASH_SAMPLE": str(SAMPLE), "SEGDASH_DATA_DIR": str(SAMPLE.parent), "SEGDASH_HOME": home}
    try:
        with serve_app(env) as url:
            yield url
    finally:
        shutil.rmtree(home, ignore_errors=True)


def full_page_screenshot(page, name: str, *, max_height: int = 12_000) -> None:
    """Save a full-page 1440 px wide screenshot of ``page`` as ``test-artifacts/<name>``."""
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1440, "height": max(1000, min(int(height) + 100, max_height))})
    wait_idle(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    page.set_viewport_size({"width": 1440, "height": 1000})


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless system Chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object, app_url: str, request: pytest.FixtureRequest) -> Iterator[object]:
    """A fresh browser tab (= a fresh app session) at the app's first page, idle and ready."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    tab.goto(app_url)
    wait_idle(tab)
    yield tab
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def wait_idle(tab: object, timeout: float = 60_000) -> None:
    """Wait until the app is connected and no script run is in progress.

    After a click, prefer waiting for the element you expect: a run may not have started yet.
    """
    tab.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    tab.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app && app.getAttribute('data-test-script-state') === 'notRunning'
                && app.getAttribute('data-test-connection-state') === 'CONNECTED';
        }""",
        timeout=timeout,
    )


def leave_for(tab: object, name: str) -> int:
    """Click page ``name`` in the sidebar right after typing into a table, wait until it is open, and return
    the clicks it took (1, or 2 when the first was lost).

    The edit reaches the server a moment after the click; the app saves it and goes on to the page
    clicked. Under a heavy CPU load the browser's page change can still be lost to the edit (the
    edit's run stops the page change's run before it starts: Streamlit's own, measured at about 1
    in 8 with two busy loops on two cores): the edit is kept and a person clicks again, as does this.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    link = tab.get_by_test_id("stSidebarNavItems").get_by_role("link", name=name)
    heading = tab.get_by_role("heading", name=name, exact=True).first
    link.click()
    clicks = 1
    try:
        heading.wait_for(timeout=20_000)
    except PlaywrightTimeout:
        wait_idle(tab)
        link.click()
        clicks = 2
        heading.wait_for()
    wait_idle(tab)
    return clicks


def new_project_with_the_sample(tab: object, name: str) -> None:
    """Create and open project ``name`` holding the loaded sample, for a test that reloads its work.

    Only a server's first session opens the "Sample" project by itself: a test that needs a project
    and is not the first browser test of the run has none without this.
    """
    tab.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Projects").click()
    tab.get_by_label("New project name").fill(name)
    tab.get_by_text("Start it with the data loaded now").click()
    tab.get_by_role("button", name="Create project").click()
    tab.get_by_text(f"Created project '{name}' with the data loaded now.").wait_for()
    wait_idle(tab)


def wait_for_grids(tab: object, count: int) -> None:
    """Wait until ``count`` tables are on the page and each has drawn its grid."""
    tab.wait_for_function(
        """(count) => {
            const grids = [...document.querySelectorAll('[data-testid="stDataFrame"]')];
            return grids.length >= count && grids.every((grid) => {
                const canvas = grid.querySelector('canvas');
                return canvas && canvas.width > 0 && canvas.height > 0;
            });
        }""",
        arg=count,
    )


# -- engines (issue 15): a throw-away PostgreSQL server and a local Spark session -----------------

@pytest.fixture(scope="session")
def postgres_server() -> Iterator[object]:
    """A PostgreSQL server on a free local port for the whole run; fails (never skips) when it cannot start."""
    from tests.engines_helpers import EngineUnavailable, start_postgres

    try:
        server = start_postgres()
    except EngineUnavailable as err:
        pytest.fail(f"PostgreSQL test server: {err}", pytrace=False)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def spark_session() -> Iterator[object]:
    """The run's local-mode Spark session; fails (never skips) when Spark or Java cannot start."""
    from tests.engines_helpers import EngineUnavailable, start_spark

    warehouse = tempfile.mkdtemp(prefix="segdash-spark-")
    try:
        session = start_spark(warehouse)
    except EngineUnavailable as err:
        shutil.rmtree(warehouse, ignore_errors=True)
        pytest.fail(f"Spark: {err}", pytrace=False)
    yield session
    session.stop()
    shutil.rmtree(warehouse, ignore_errors=True)
