"""Load test: many browser sessions at once on one segdash server (issue 14). Not a unit test.

Each session (a headless Chromium context on one shared browser) opens the app, uploads its own
generated customer file, clusters with automatic k, then opens every page. Per click, the time
from the click until the page shows what was asked and the app is idle is recorded. At the end:
median and slowest per click, the server's peak memory (VmHWM of the server process) and a leak
check (no session shows another session's file name or segment sizes).

    .venv/bin/python bench/load_test.py                       # 10 sessions x 5,000 customers
    .venv/bin/python bench/load_test.py --sessions 3 --rows 100000 --session-memory 1GB

The server runs with ``SEGDASH_SAMPLE=none`` (nothing preloaded), its own ``SEGDASH_HOME`` and
``SEGDASH_SESSION_MEMORY`` when given; other settings (``SEGDASH_HEAVY_RUNS``) come from the
environment.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DATA_DIR, REPO, load_generator  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic"]
IDLE_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return app && app.getAttribute('data-test-script-state') === 'notRunning'
        && app.getAttribute('data-test-connection-state') === 'CONNECTED';
}"""


def session_file(index: int, rows: int) -> Path:
    """``bench/data/load_<rows>_<index>.csv``: a distinct file per session (seed = index)."""
    path = DATA_DIR / f"load_{rows}_shop{index:02d}.csv"
    if not path.exists():
        gen = load_generator()
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        frame, _ = gen.generate_customers(rows, 100 + index)
        tmp = path.with_suffix(f".tmp{time.time_ns()}")
        gen.write_customers(frame, tmp)
        tmp.replace(path)
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) of a process and its children, in MB, from /proc."""
    def read(one: int) -> tuple[float, float]:
        fields = {}
        try:
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                key, _, value = line.partition(":")
                fields[key] = value
        except OSError:
            return 0.0, 0.0
        kb = lambda name: float(fields.get(name, "0 kB").split()[0])  # noqa: E731
        return kb("VmRSS") / 1024, kb("VmHWM") / 1024
    return read(pid)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by a process (/proc/<pid>/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def browser_cpu_seconds(*, exclude: int) -> float:
    """CPU seconds used so far by this script's descendants (Playwright's driver and Chromium), less ``exclude``."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    mine, total = os.getpid(), 0.0
    for pid in parents:
        ancestor, depth = parents.get(pid), 0
        while ancestor not in (None, 0, 1, mine) and depth < 50:
            ancestor, depth = parents.get(ancestor), depth + 1
        if ancestor == mine and pid != exclude:
            try:  # its own CPU and that of its children already gone (closed tabs' renderers)
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += sum(int(fields[i]) for i in (11, 12, 13, 14)) / os.sysconf("SC_CLK_TCK")
    return total


class Sampler(threading.Thread):
    """Samples the server's RSS every 0.2 s (the peak is also read from VmHWM at the end)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0.0, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, rss_mb(self.pid)[0])
            self.stop.wait(0.2)


async def wait_idle(tab: object, timeout: float) -> None:
    await tab.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    await tab.wait_for_function(IDLE_JS, timeout=timeout)


async def run_session(index: int, browser: object, url: str, path: Path, rows: int, timings: dict,
                      seen: dict, timeout: float, start_gate: asyncio.Event) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    tab = await context.new_page()
    tab.set_default_timeout(timeout)

    async def timed(name: str, action: object, expect: object) -> None:
        started = time.perf_counter()
        await action()
        await expect()
        await wait_idle(tab, timeout)
        timings.setdefault(name, []).append(time.perf_counter() - started)

    nav = lambda name: tab.get_by_test_id("stSidebarNavItems").get_by_role("link", name=name)  # noqa: E731
    await start_gate.wait()
    try:
        await timed("first page load", lambda: tab.goto(url),
                    lambda: tab.get_by_role("heading", name="Data").first.wait_for())
        await timed("upload file", lambda: tab.locator('input[type="file"]').set_input_files(str(path)),
                    lambda: tab.get_by_text(f"{rows:,} rows in the file").first.wait_for())
        await timed("open Segments", lambda: nav("Segments").click(),
                    lambda: tab.get_by_role("heading", name="Segments").first.wait_for())
        await timed("choose Clustering", lambda: tab.get_by_text("Clustering", exact=True).first.click(),
                    lambda: tab.get_by_text("Choose for me").first.wait_for())
        await timed("cluster (automatic k)", lambda: tab.get_by_role("button", name="Find segments").click(),
                    lambda: tab.get_by_text("Your segments").wait_for())
        status = await tab.get_by_text(re.compile(r"^Done: ")).first.inner_text()
        sizes = await tab.get_by_text(re.compile(r"segments of [\d,]+ customers")).first.inner_text()
        await timed("open Profiles", lambda: nav("Profiles").click(),
                    lambda: tab.get_by_role("heading", name="Profiles").first.wait_for())
        await timed("open Acquisition & ROI", lambda: nav("Acquisition & ROI").click(),
                    lambda: tab.get_by_role("heading", name="Acquisition & ROI").first.wait_for())
        await timed("back to Data", lambda: nav("Data").click(),
                    lambda: tab.get_by_role("heading", name="Data").first.wait_for())
        text = await tab.locator('[data-testid="stMain"]').inner_text()
        seen[index] = {"file": path.name, "data_page": text, "status": status, "sizes": sizes}
    except Exception as err:  # a failed session is reported, not hidden
        seen[index] = {"file": path.name, "error": f"{type(err).__name__}: {str(err).splitlines()[0]}"}
        await tab.screenshot(path=str(REPO / "test-artifacts" / f"load_session_{index}.png"), full_page=True)
    finally:
        await context.close()


async def drive(url: str, files: list[Path], rows: int, timeout: float, *, server_pid: int) -> tuple[dict, dict, float]:
    from playwright.async_api import async_playwright

    timings: dict[str, list[float]] = {}
    seen: dict[int, dict] = {}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        gate = asyncio.Event()
        tasks = [asyncio.create_task(run_session(i, browser, url, path, rows, timings, seen, timeout, gate))
                 for i, path in enumerate(files)]
        gate.set()  # every session starts at once
        await asyncio.gather(*tasks)
        browser_cpu = browser_cpu_seconds(exclude=server_pid)  # before the browser's processes exit
        await browser.close()
    return timings, seen, browser_cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--session-memory", help="SEGDASH_SESSION_MEMORY for the server (e.g. 1GB)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed per click")
    args = parser.parse_args()

    files = [session_file(i, args.rows) for i in range(args.sessions)]
    port = free_port()
    home = tempfile.mkdtemp(prefix="segdash-load-home-")
    env = {**os.environ, "SEGDASH_SAMPLE": "none", "SEGDASH_HOME": home}
    if args.session_memory:
        env["SEGDASH_SESSION_MEMORY"] = args.session_memory
    (REPO / "test-artifacts").mkdir(exist_ok=True)
    log_path = REPO / "test-artifacts" / "load_server.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"), "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none",
             "--server.runOnSave", "false"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 120
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"server did not start; see {log_path}")
                time.sleep(0.2)
            idle_rss = rss_mb(server.pid)[0]
            cpu_before = cpu_seconds(server.pid)
            sampler = Sampler(server.pid)
            sampler.start()
            load_start = os.getloadavg()
            started = time.perf_counter()
            timings, seen, browser_cpu = asyncio.run(drive(url, files, args.rows, args.timeout * 1000,
                                                           server_pid=server.pid))
            wall = time.perf_counter() - started
            sampler.stop.set()
            current, hwm = rss_mb(server.pid)
            server_cpu = cpu_seconds(server.pid) - cpu_before
            load = os.getloadavg()
            alive = server.poll() is None
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()

    print(f"segdash load test: {args.sessions} sessions x {args.rows:,} customers, one server, "
          f"{os.cpu_count()} cores, SEGDASH_SESSION_MEMORY={env.get('SEGDASH_SESSION_MEMORY', '(default)')}, "
          f"SEGDASH_HEAVY_RUNS={env.get('SEGDASH_HEAVY_RUNS', '(default: cores)')}")
    print(f"wall time {wall:.1f} s; server alive at the end: {alive}; server CPU {server_cpu:.1f} s "
          f"({server_cpu / max(args.sessions, 1):.1f} s per session); browser CPU {browser_cpu:.1f} s; "
          f"machine load average at the start {load_start[0]:.1f}, at the end "
          f"{load[0]:.1f} (other work on the machine shares its {os.cpu_count()} cores)")
    print(f"{'click':<26}{'n':>4}{'median s':>10}{'slowest s':>11}")
    slowest_all = 0.0
    for name, values in timings.items():
        slowest_all = max(slowest_all, max(values))
        print(f"{name:<26}{len(values):>4}{statistics.median(values):>10.1f}{max(values):>11.1f}")
    print(f"slowest click overall: {slowest_all:.1f} s (target < 5 s)")
    print(f"server memory: {idle_rss:.0f} MB idle before, peak {max(hwm, sampler.peak):.0f} MB (VmHWM), "
          f"{current:.0f} MB at the end")
    failures = {i: s["error"] for i, s in seen.items() if "error" in s}
    leaks = []
    names = {i: s["file"] for i, s in seen.items()}
    for i, record in seen.items():
        if "error" in record:
            continue
        if record["file"] not in record["data_page"]:
            leaks.append(f"session {i} does not show its own file {record['file']}")
        for j, other in names.items():
            if j != i and other in record["data_page"]:
                leaks.append(f"session {i} shows session {j}'s file {other}")
    for i, record in sorted(seen.items()):
        if "error" not in record:
            print(f"  session {i}: {record['status'].strip()} | {record['sizes'].strip()}")
    print(f"sessions failed: {len(failures)}" + "".join(f"\n  session {i}: {e}" for i, e in failures.items()))
    print("no-leak check: " + ("passed (each session shows only its own file)" if not leaks else "FAILED"))
    for leak in leaks:
        print(f"  {leak}")
    return 0 if alive and not failures and not leaks else 1


if __name__ == "__main__":
    sys.exit(main())
