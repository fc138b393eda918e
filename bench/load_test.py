"""Load test: many browser sessions at once on one segdash server (issue 14). Not a unit test.

Each session (a headless Chromium context on one shared browser) opens the app, uploads its own
generated customer file, clusters with automatic k, then opens every page. Per click, the time
from the click until the page shows what was asked and the app is idle is recorded. At the end:
median and slowest per click, the server's peak memory (VmHWM of the server process), the CPU
seconds of the server and of the browsers (and each page's renderer work per click, from the
browser's own Performance metrics), what the status box said against what the user waited, and a
leak check (no session shows another session's file name or segment sizes).

    .venv/bin/python bench/load_test.py                       # 10 sessions x 5,000 customers, all at once
    .venv/bin/python bench/load_test.py --think 2-6           # people reading: 2-6 s between clicks (seeded)
    .venv/bin/python bench/load_test.py --both                # both of the above, one after the other
    .venv/bin/python bench/load_test.py --pages core          # only Data, Segments, Profiles, ROI (the old run)
    .venv/bin/python bench/load_test.py --browser-flags standard   # the browser as the tests launch it
    .venv/bin/python bench/load_test.py --sessions 3 --rows 100000     # the 100k check (issue 14)
    .venv/bin/python bench/load_test.py --browser-nice idle   # the browsers get only the CPU the server leaves
    .venv/bin/python bench/load_test.py --cold                # the clock starts on a fresh server

Before the clock starts, one page view warms the server (its imports, its model worker processes)
and the script waits until it is quiet: a team's server is up before people arrive. The server's
share of each click comes from its run log (``SEGDASH_RUN_LOG``): from the start of the first run
the click caused to the end of its last; the rest of the click is the browser. After the load, one
session alone does the same clicks on the same server (``--no-solo`` skips it): its browser part of
each click, added to the server's share under the load, estimates the click for people whose
browsers run on their own computers.

The server runs with ``SEGDASH_SAMPLE=none`` (nothing preloaded), its own ``SEGDASH_HOME`` and
``SEGDASH_SESSION_MEMORY`` when given; other settings (``SEGDASH_HEAVY_RUNS``) come from the
environment.

The browsers run on the server's machine only because this is a test: each person's browser is on
their own computer. ``--browser-flags lean`` (the default) launches Chromium without what a test
does not need (images, extensions, background networking, a GPU process, a large window); the
server receives exactly the same requests. ``standard`` is the launch of the browser tests.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
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
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import DATA_DIR, REPO, load_generator  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic"]
#: What a load test's browser can do without (the server sees the same requests): no images (the
#: app shows none a user needs here), no extensions, no shared
#: memory in /dev/shm (small in containers), no translation or media-router services.
LEAN_ARGS = [*CHROMIUM_ARGS, "--disable-dev-shm-usage", "--disable-extensions",
             "--blink-settings=imagesEnabled=false", "--disable-features=Translate,MediaRouter,OptimizationHints",
             "--mute-audio", "--hide-scrollbars"]
BROWSER_FLAGS = {"standard": CHROMIUM_ARGS, "lean": LEAN_ARGS}
#: Window of each session: a laptop screen (``standard``) or a smaller one (``lean``): less to paint.
VIEWPORTS = {"standard": {"width": 1280, "height": 900}, "lean": {"width": 1280, "height": 720}}
#: The system setting "reduce motion" (``lean``): Streamlit then skips its entrance animations.
MOTION = {"standard": "no-preference", "lean": "reduce"}
#: Pages opened after clustering: ``core`` (the first load test) or ``all`` (every page, as the issue asks).
CORE_PAGES = ["Profiles", "Acquisition & ROI"]
ALL_PAGES = [*CORE_PAGES, "Playbook", "Survey", "Report & exports", "Over time", "Projects"]
DONE = re.compile(r"Done: [\d,]+ segments? in ([\d.]+) s")
CARD_SIZE = re.compile(r"([\d,]+) customers · \d+% of all")
#: Up to this many customers, each session's segments are checked against its own file clustered
#: alone after the run (the page's default features, automatic k, seed 0).
VERIFY_ROWS = 20_000


def own_segment_sizes(path: Path) -> list[int]:
    """Segment sizes (ascending) of ``path`` clustered alone as the Segments page does by default."""
    from segdash.act.multivalue import flag_choices
    from segdash.segment import cluster_feature_choice
    from segdash.segment.cluster import cluster_customers
    from segdash.workspace import Workspace

    ws = Workspace()
    ws.load(path, fingerprint=False)
    types = ws.column_types()
    offered = [*ws.modelling_columns(),
               *(f for flags in flag_choices(ws.data, roles=ws.roles, types=types).values() for f in flags)]
    choice, _ = cluster_feature_choice(ws.data, roles=ws.roles, types=types)
    seg = cluster_customers(ws.data, features=[c for c in choice if c in offered], types=types, k="auto",
                            k_range=(2, 10), random_state=0)
    return sorted(int(n) for n in seg.sizes.values())
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


def chromium_at(nice: str) -> str:
    """The Chromium to launch: the system one, or a wrapper that starts it at a lower priority.

    In a real deployment each person's browser runs on their own computer; here the ten browsers
    share the server's cores, and a browser waiting for a run animates its spinners all along
    (about 0.1 s of CPU per second of waiting, measured). A positive ``nice`` (e.g. ``"10"``) gives
    the server the CPU first; ``"idle"`` runs the browsers under Linux's idle scheduling class
    (``chrt --idle 0``): they get only the CPU the server leaves, the nearest this one machine
    comes to browsers on other computers. The browsers still draw every page, only later.
    """
    if nice == "idle":
        command = f'exec chrt --idle 0 {CHROMIUM} "$@"'
        group = 19
    elif int(nice) > 0:
        command = f'exec nice -n {int(nice)} {CHROMIUM} "$@"'
        group = min(int(nice), 19)
    else:
        return CHROMIUM
    # Playwright starts the browser in a session of its own, and Linux's scheduler (with autogroup on,
    # as on most desktops and this machine) shares the CPU between sessions first, then between the
    # processes inside each: a niced or idle-class browser still got half the cores while the server
    # waited. Lowering the browser session's own weight (/proc/self/autogroup) makes the priority hold.
    # Only in a session of its own (field 6 of stat: the session id): never the caller's group.
    command = (f"read -r _ _ _ _ _ sid _ < /proc/$$/stat\n"
               f'if [ "$sid" = "$$" ]; then echo {group} > /proc/self/autogroup; fi\n{command}')
    wrapper = Path(tempfile.gettempdir()) / f"segdash-load-chromium-{nice}.sh"
    wrapper.write_text(f"#!/bin/sh\n{command}\n")
    wrapper.chmod(0o755)
    return str(wrapper)


def browser_group() -> str:
    """The scheduling group (autogroup) of this script's browser, e.g. ``"nice 19"``; ``"unknown"`` if not found."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            command = cmdline.read_bytes().split(b"\0")
            main = command[0].endswith(b"/chromium") and not any(part.startswith(b"--type=") for part in command)
            if main and os.getsid(int(cmdline.parent.name)) != os.getsid(0):  # in a session of its own
                return " ".join((cmdline.parent / "autogroup").read_text().split()[1:]) or "unknown"
        except (OSError, ValueError):
            continue
    return "unknown"


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


def browser_cpu_seconds(*, exclude: int) -> dict[str, float]:
    """CPU seconds used so far by this script's descendants (Playwright's driver and Chromium), less ``exclude``.

    By kind of process: ``renderer`` (the pages), ``gpu-process`` (compositing, software here),
    ``utility`` (network, storage), ``browser`` (Chromium's main process) and ``driver`` (Playwright).
    """
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    mine, totals = os.getpid(), {}
    for pid in parents:
        ancestor, depth = parents.get(pid), 0
        while ancestor not in (None, 0, 1, mine) and depth < 50:
            ancestor, depth = parents.get(ancestor), depth + 1
        if ancestor == mine and pid != exclude:
            try:  # its own CPU and that of its children already gone (closed tabs' renderers)
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                # Chromium rewrites its children's command lines as one string: split on spaces too
                command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").split()
            except OSError:
                continue
            kind = next((part.split(b"=", 1)[1].decode() for part in command if part.startswith(b"--type=")),
                        "browser" if command and b"chrom" in command[0] else "driver")
            used = sum(int(fields[i]) for i in (11, 12, 13, 14)) / os.sysconf("SC_CLK_TCK")
            totals[kind] = totals.get(kind, 0.0) + used
    return totals


def children(pid: int) -> list[int]:
    """The processes ``pid`` started (the model workers of segdash.workers, multiprocessing's helper)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


class Sampler(threading.Thread):
    """Samples the server's RSS and its worker processes' every 0.2 s (the server's peak also from VmHWM)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0.0, threading.Event()
        self.workers_peak, self.workers = 0.0, 0

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, rss_mb(self.pid)[0])
            kids = children(self.pid)
            self.workers = max(self.workers, len(kids))
            self.workers_peak = max(self.workers_peak, sum(rss_mb(kid)[0] for kid in kids))
            self.stop.wait(0.2)


async def wait_idle(tab: object, timeout: float) -> None:
    await tab.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    await tab.wait_for_function(IDLE_JS, timeout=timeout)


def think_seconds(think: tuple[float, float] | None, rng: random.Random) -> float:
    """Seconds a person reads a page before the next click (0 without ``think``)."""
    return rng.uniform(*think) if think else 0.0


async def run_session(index: int, browser: object, url: str, path: Path, rows: int, record: dict,
                      seen: dict, timeout: float, start_gate: asyncio.Event, *, pages: list[str],
                      think: tuple[float, float] | None, seed: int, viewport: dict, motion: str) -> object:
    context = await browser.new_context(viewport=viewport, reduced_motion=motion)
    tab = await context.new_page()
    tab.set_default_timeout(timeout)
    cdp = await context.new_cdp_session(tab)
    await cdp.send("Performance.enable")
    rng = random.Random(seed * 1000 + index)  # the same reading times on every run with this seed

    async def renderer_seconds() -> float:
        metrics = (await cdp.send("Performance.getMetrics"))["metrics"]
        return next((m["value"] for m in metrics if m["name"] == "TaskDuration"), 0.0)

    async def timed(name: str, action: object, expect: object) -> float:
        pause = think_seconds(think, rng)
        if pause:
            await asyncio.sleep(pause)  # a person reading the page, not a wait for the app
        before = await renderer_seconds()
        started, wall_started = time.perf_counter(), time.time()
        await action()
        await expect()
        await wait_idle(tab, timeout)
        took = time.perf_counter() - started
        record["windows"].setdefault(index, []).append((name, wall_started, time.time()))
        record["timings"].setdefault(name, []).append(took)
        record["renderer"].setdefault(name, []).append(await renderer_seconds() - before)
        return took

    nav = lambda name: tab.get_by_test_id("stSidebarNavItems").get_by_role("link", name=name)  # noqa: E731
    heading = lambda name: tab.get_by_role("heading", name=name).first.wait_for()  # noqa: E731
    await start_gate.wait()
    try:
        await timed("first page load", lambda: tab.goto(f"{url}/?client={index}"), lambda: heading("Data"))
        await timed("upload file", lambda: tab.locator('input[type="file"]').set_input_files(str(path)),
                    lambda: tab.get_by_text(f"{rows:,} rows in the file").first.wait_for())
        await timed("open Segments", lambda: nav("Segments").click(), lambda: heading("Segments"))
        await timed("choose Clustering", lambda: tab.get_by_text("Clustering", exact=True).first.click(),
                    lambda: tab.get_by_text("Choose for me").first.wait_for())
        waited = await timed("cluster (automatic k)", lambda: tab.get_by_role("button", name="Find segments").click(),
                             lambda: tab.get_by_text("Your segments").wait_for())
        status = await tab.get_by_text(re.compile(r"^Done: ")).first.inner_text()
        sizes = await tab.get_by_text(re.compile(r"segments of [\d,]+ customers")).first.inner_text()
        cards: list[int] = []
        for page_name in pages:
            await timed(f"open {page_name}", lambda n=page_name: nav(n).click(), lambda n=page_name: heading(n))
            if page_name == "Profiles":  # the cards' sizes: this session's segments
                shown = await tab.locator('[data-testid="stMain"]').inner_text()
                cards = sorted(int(n.replace(",", "")) for n in CARD_SIZE.findall(shown))
        await timed("back to Data", lambda: nav("Data").click(), lambda: heading("Data"))
        text = await tab.locator('[data-testid="stMain"]').inner_text()
        said = DONE.search(status)
        seen[index] = {"file": path.name, "data_page": text, "status": status, "sizes": sizes,
                       "status_seconds": float(said.group(1)) if said else None, "waited": waited,
                       "memory_message": "needs more memory than one session may use" in text, "cards": cards}
    except Exception as err:  # a failed session is reported, not hidden
        seen[index] = {"file": path.name, "error": f"{type(err).__name__}: {str(err).splitlines()[0]}"}
        await tab.screenshot(path=str(REPO / "test-artifacts" / f"load_session_{index}.png"), full_page=True)
    return context  # closed by drive() once the browser's CPU is read (a closed tab's renderer is gone)


async def drive(url: str, files: list[Path], rows: int, timeout: float, *, server_pid: int, pages: list[str],
                think: tuple[float, float] | None, seed: int, flags: str, nice: str,
                first: int = 0) -> tuple[dict, dict, dict[str, float]]:
    """Run one session per file at once (numbered from ``first``); returns (timings, what each saw, browser CPU)."""
    from playwright.async_api import async_playwright

    record: dict[str, dict] = {"timings": {}, "renderer": {}, "windows": {}}
    seen: dict[int, dict] = {}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_at(nice), args=BROWSER_FLAGS[flags],
                                                   headless=True)
        record["browser_group"] = browser_group()
        gate = asyncio.Event()
        tasks = [asyncio.create_task(run_session(i, browser, url, path, rows, record, seen, timeout, gate, pages=pages,
                                                 think=think, seed=seed, viewport=VIEWPORTS[flags],
                                                 motion=MOTION[flags]))
                 for i, path in enumerate(files, start=first)]
        gate.set()  # every session starts at once
        contexts = await asyncio.gather(*tasks)
        browser_cpu = browser_cpu_seconds(exclude=server_pid)  # before the browser's processes exit
        for context in contexts:
            await context.close()
        await browser.close()
    return record, seen, browser_cpu


async def warm(url: str, server_pid: int) -> float:
    """One page view before the clock starts, then wait until the server is quiet; returns the seconds.

    A team's server is up before people arrive: its first run has imported the libraries and started
    the model worker processes. Quiet means the server and its workers used under 0.05 s of CPU in
    the last second (at most 90 s).
    """
    from playwright.async_api import async_playwright

    started = time.perf_counter()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=LEAN_ARGS, headless=True)
        tab = await browser.new_page()
        await tab.goto(url)
        await tab.get_by_role("heading", name="Data").first.wait_for(timeout=120_000)
        await wait_idle(tab, 120_000)
        await browser.close()

    def used() -> float:
        return cpu_seconds(server_pid) + sum(cpu_seconds(kid) for kid in children(server_pid))

    before = used()
    while time.perf_counter() - started < 90:
        await asyncio.sleep(1.0)  # a bench's settling pause, before any timing
        now = used()
        if now - before < 0.05:
            break
        before = now
    return time.perf_counter() - started


def start_server(env: dict[str, str], log_path: Path, *, app: Path = REPO / "app.py") -> tuple[subprocess.Popen, str]:
    """``streamlit run app.py`` (or another ``app``) on a free port; returns the process and its URL once it answers."""
    port = free_port()
    log = open(log_path, "w")  # noqa: SIM115 - the server's output, closed with the process
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none",
         "--server.runOnSave", "false"], cwd=app.parent, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return server, url
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise SystemExit(f"server did not start; see {log_path}")
        time.sleep(0.2)  # polling a server start-up


def run_once(args: argparse.Namespace, files: list[Path], *, think: tuple[float, float] | None) -> dict:
    """One load test on a fresh server; returns what :func:`report` prints."""
    home = tempfile.mkdtemp(prefix="segdash-load-home-")
    run_log = Path(home) / "runs.jsonl"
    env = {**os.environ, "SEGDASH_SAMPLE": "none", "SEGDASH_HOME": home, "SEGDASH_RUN_LOG": str(run_log)}
    if args.session_memory:
        env["SEGDASH_SESSION_MEMORY"] = args.session_memory
    (REPO / "test-artifacts").mkdir(exist_ok=True)
    server, url = start_server(env, REPO / "test-artifacts" / "load_server.log")
    try:
        # the memory limit each session's DuckDB gets, as the server computes it (same environment)
        probe = subprocess.run([sys.executable, "-c", "from segdash import limits; print(limits.session_memory_bytes())"],
                               cwd=REPO, env=env, capture_output=True, text=True, check=False)
        session_limit = int(probe.stdout.strip()) if probe.returncode == 0 else 0
        warmed = None if args.cold else asyncio.run(warm(url, server.pid))
        idle_rss = rss_mb(server.pid)[0]
        cpu_before = cpu_seconds(server.pid)
        sampler = Sampler(server.pid)
        sampler.start()
        load_start = os.getloadavg()
        started = time.perf_counter()
        pages = ALL_PAGES if args.pages == "all" else CORE_PAGES
        record, seen, browser_cpu = asyncio.run(drive(url, files, args.rows, args.timeout * 1000, server_pid=server.pid,
                                                      pages=pages, think=think, seed=args.seed,
                                                      flags=args.browser_flags, nice=args.browser_nice))
        wall = time.perf_counter() - started
        sampler.stop.set()
        current, hwm = rss_mb(server.pid)
        server_cpu = cpu_seconds(server.pid) - cpu_before
        workers_cpu = sum(cpu_seconds(kid) for kid in children(server.pid))
        load = os.getloadavg()
        alive = server.poll() is None
        solo = None
        if alive and not args.no_solo:  # the same clicks by one person alone, on the same warm server
            solo, solo_seen, _ = asyncio.run(drive(url, files[:1], args.rows, args.timeout * 1000, server_pid=server.pid,
                                           pages=pages, think=None, seed=args.seed, flags=args.browser_flags,
                                           nice=args.browser_nice, first=len(files)))
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
    return {"think": think, "wall": wall, "alive": alive, "server_cpu": server_cpu, "browser_cpu": browser_cpu,
            "load_start": load_start, "load": load, "record": record, "warmed": warmed, "seen": seen, "idle_rss": idle_rss,
            "peak_rss": max(hwm, sampler.peak), "current_rss": current, "session_limit": session_limit,
            "workers": sampler.workers, "workers_peak": sampler.workers_peak, "workers_cpu": workers_cpu,
            "env": env, "server_clicks": server_clicks(run_log, record["windows"]),
            "solo": solo and {"timings": solo["timings"], "server": server_clicks(run_log, solo["windows"]),
                              "error": next((r["error"] for r in solo_seen.values() if "error" in r), None)}}


def own_computer_estimate(timings: dict[str, list[float]], server: dict[str, list[tuple[float, float]]],
                          solo: dict) -> dict[str, list[float]]:
    """Per click, each session's wait if its browser had a computer of its own (an estimate, in seconds).

    The server's share of the click under load, plus the browser's own part of the same click measured
    with one session alone (that click's time less its server share, at least 0). A click drawn by the
    browser alone (no server run) counts its time alone.
    """
    out: dict[str, list[float]] = {}
    for name, values in timings.items():
        alone = solo["timings"].get(name)
        if not alone:
            continue
        alone_server = [s for s, _ in solo["server"].get(name, [])]
        browser_part = max(0.0, statistics.median(alone) - (statistics.median(alone_server) if alone_server else 0.0))
        shares = [s for s, _ in server.get(name, [])]
        out[name] = [share + browser_part for share in shares] if shares else [statistics.median(alone)] * len(values)
    return out


def server_clicks(run_log: Path, windows: dict[int, list[tuple[str, float, float]]]) -> dict[str, list[tuple[float, float]]]:
    """Per click: (seconds from the first to the end of the last server run it caused, their CPU).

    The server's run log (``SEGDASH_RUN_LOG``) has one line per script run; a session's first run
    carries its ``?client=`` label, which ties the log's session to the browser session. A run
    belongs to the click whose window (from the click to the page being idle) holds its start.
    This is the server's share of the click: what the person's browser adds (receiving the page
    and drawing it, on their own computer in a real deployment) is not in it.
    """
    import json

    runs: dict[str, list[dict]] = {}
    label: dict[str, int] = {}
    if run_log.exists():
        for line in run_log.read_text().splitlines():
            run = json.loads(line)
            runs.setdefault(run["session"], []).append(run)
            if "client" in run:
                label[run["session"]] = int(run["client"])
    out: dict[str, list[tuple[float, float]]] = {}
    for session, index in label.items():
        for name, start, end in windows.get(index, []):
            mine = [r for r in runs[session] if start - 0.05 <= r["start"] <= end]
            if mine:
                out.setdefault(name, []).append((max(r["end"] for r in mine) - min(r["start"] for r in mine),
                                                 sum(r["cpu"] for r in mine)))
    return out


def report(args: argparse.Namespace, result: dict, files: list[Path]) -> bool:
    """Print one run's figures; returns whether it passed (server alive, no failure, no leak)."""
    sessions, env, think = args.sessions, result["env"], result["think"]
    timings, renderer = result["record"]["timings"], result["record"]["renderer"]
    pace = f"think time {think[0]:g}-{think[1]:g} s between clicks (seed {args.seed})" if think else \
        "all at once, no think time"
    print(f"segdash load test: {sessions} sessions x {args.rows:,} customers, one server, {os.cpu_count()} cores, "
          f"{pace}; pages: {args.pages}; browser flags: {args.browser_flags}, nice {args.browser_nice} "
          f"(the browser's scheduling group: {result['record'].get('browser_group', 'unknown')}); "
          f"SEGDASH_SESSION_MEMORY={env.get('SEGDASH_SESSION_MEMORY', '(default)')}, "
          f"SEGDASH_HEAVY_RUNS={env.get('SEGDASH_HEAVY_RUNS', '(default: cores)')}")
    server_cpu, by_kind = result["server_cpu"], result["browser_cpu"]
    browser_cpu = sum(by_kind.values())
    warmed = result["warmed"]
    print("server: " + ("cold (the sessions' first runs import the libraries and start the workers)" if warmed is None
                        else f"warm (one page view, then quiet, {warmed:.0f} s before the clock started: people "
                             "arrive at a running server; --cold for a fresh one)"))
    print(f"wall time {result['wall']:.1f} s; server alive at the end: {result['alive']}; "
          f"CPU: server {server_cpu:.1f} s ({server_cpu / max(sessions, 1):.2f} s per session), "
          f"browsers {browser_cpu:.1f} s ({browser_cpu / max(sessions, 1):.1f} s per session); "
          f"machine load average at the start {result['load_start'][0]:.1f}, at the end {result['load'][0]:.1f} "
          f"(other work on the machine shares its {os.cpu_count()} cores)")
    print("browser CPU by process: " + ", ".join(f"{kind} {seconds:.1f} s" for kind, seconds in
                                                 sorted(by_kind.items(), key=lambda item: -item[1])))
    server = result["server_clicks"]
    if result["workers"]:
        print(f"model worker processes (SEGDASH_RUN_WORKERS={env.get('SEGDASH_RUN_WORKERS', '(default)')}): "
              f"{result['workers']} processes started by the server, {result['workers_cpu']:.1f} s of CPU, "
              f"peak {result['workers_peak']:.0f} MB together")
    print(f"{'click':<28}{'n':>4}{'median s':>10}{'slowest s':>11}{'renderer s':>12}"
          f"{'server median s':>17}{'server slowest s':>18}{'server CPU s':>14}")
    slowest_all = slowest_server = 0.0
    for name, values in timings.items():
        slowest_all = max(slowest_all, max(values))
        served = server.get(name, [])
        if served:
            seconds = [s for s, _ in served]
            slowest_server = max(slowest_server, max(seconds))
            shares = (f"{statistics.median(seconds):>17.2f}{max(seconds):>18.2f}"
                      f"{statistics.median([c for _, c in served]):>14.2f}")
        else:  # drawn in the browser alone (a tab, a form's radio): no server run
            shares = f"{'-':>17}{'-':>18}{'-':>14}"
        print(f"{name:<28}{len(values):>4}{statistics.median(values):>10.1f}{max(values):>11.1f}"
              f"{statistics.median(renderer.get(name, [0.0])):>12.2f}{shares}")
    print(f"slowest click overall: {slowest_all:.1f} s in the browser (target < 5 s); the server's share of the "
          f"slowest: {slowest_server:.1f} s (from the start of the first run a click caused to the end of its last, "
          f"SEGDASH_RUN_LOG; the rest is the browsers on this machine receiving and drawing)")
    if result["solo"]:
        estimate = own_computer_estimate(timings, server, result["solo"])
        print("one session alone afterwards, per click (s): " + ", ".join(
            f"{name} {statistics.median(values):.1f}" for name, values in result["solo"]["timings"].items())
            + (f"; it FAILED after that: {result['solo']['error']}" if result["solo"]["error"] else ""))
        if estimate:
            name, worst = max(((n, max(v)) for n, v in estimate.items()), key=lambda item: item[1])
            every = [x for v in estimate.values() for x in v]
            print(f"if each browser had a computer of its own (estimate: the server's share under this load plus the "
                  f"browser's own part of the same click measured with one session alone afterwards): median click "
                  f"{statistics.median(every):.1f} s, slowest {worst:.1f} s ({name}; target < 5 s)")
    limit = result["session_limit"]
    budget = result["idle_rss"] + sessions * limit / 1024**2
    within = result["peak_rss"] + result["workers_peak"] <= budget
    print(f"server memory: {result['idle_rss']:.0f} MB idle before, peak {result['peak_rss']:.0f} MB (VmHWM), "
          f"{result['current_rss']:.0f} MB at the end; configured: {limit / 1024**2:.0f} MB per session's DuckDB, "
          f"so idle + {sessions} x that = {budget:.0f} MB: peak with the model workers' "
          f"({result['peak_rss'] + result['workers_peak']:.0f} MB) {'within' if within else 'ABOVE'} it")
    seen = result["seen"]
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
    if args.rows <= VERIFY_ROWS:  # after the run: no CPU taken from the sessions
        for i, record in seen.items():
            if "error" not in record and "Profiles" in (ALL_PAGES if args.pages == "all" else CORE_PAGES):
                own = own_segment_sizes(Path(files[i]))
                if record["cards"] != own:
                    leaks.append(f"session {i}'s Profiles cards show segments of {record['cards']} customers; "
                                 f"its own file gives {own}")
        signatures = [tuple(r["cards"]) for r in seen.values() if "error" not in r]
        segments_note = (f"each session's Profiles cards match its own file clustered alone; "
                         f"{len(set(signatures))} different sets of sizes across {len(signatures)} sessions")
    else:
        segments_note = f"segments not re-computed (more than {VERIFY_ROWS:,} customers)"
    for i, record in sorted(seen.items()):
        if "error" not in record:
            said = record["status_seconds"]
            honest = "" if said is None else (f"; the click took {record['waited']:.1f} s, the status box said "
                                              f"{said:.1f} s")
            memory = "; OUT-OF-MEMORY message shown" if record["memory_message"] else ""
            print(f"  session {i}: {record['status'].strip()} | {record['sizes'].strip()}{honest}{memory}")
    print(f"sessions failed: {len(failures)}" + "".join(f"\n  session {i}: {e}" for i, e in failures.items()))
    print("no-leak check: " + (f"passed (each session shows only its own file; {segments_note})" if not leaks
                                else "FAILED"))
    for leak in leaks:
        print(f"  {leak}")
    return result["alive"] and not failures and not leaks


def parse_think(text: str | None) -> tuple[float, float] | None:
    """``"2-6"`` -> (2.0, 6.0); ``None`` or ``"0"`` -> no think time."""
    if not text or text.strip() in ("0", "none"):
        return None
    low, _, high = text.partition("-")
    low_s, high_s = float(low), float(high or low)
    if low_s < 0 or high_s < low_s:
        raise SystemExit(f"--think {text!r}: write it as MIN-MAX seconds, e.g. 2-6")
    return low_s, high_s


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--session-memory", help="SEGDASH_SESSION_MEMORY for the server (e.g. 1GB)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed per click")
    parser.add_argument("--think", help="seconds a person reads each page before the next click, MIN-MAX "
                                        "(seeded random, e.g. 2-6); default: none, every click at once")
    parser.add_argument("--both", action="store_true",
                        help="run twice on fresh servers: all at once, then with --think (default 2-6)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the think times")
    parser.add_argument("--pages", choices=("all", "core"), default="all",
                        help="after clustering open every page (all) or Profiles and ROI only (core)")
    parser.add_argument("--browser-flags", choices=tuple(BROWSER_FLAGS), default="lean")
    parser.add_argument("--cold", action="store_true",
                        help="start the clock on a fresh server (default: one page view first, then wait until quiet)")
    parser.add_argument("--browser-nice", default="0",
                        help="run the browsers at this nice level (e.g. 10), so the server gets the CPU first, or "
                             "'idle' (Linux's idle scheduling class: only the CPU the server leaves)")
    parser.add_argument("--no-solo", action="store_true",
                        help="skip the one-session run after the load (the browser's own part of each click)")
    args = parser.parse_args()

    files = [session_file(i, args.rows) for i in range(args.sessions)]
    think = parse_think(args.think)
    paces = [None, think or (2.0, 6.0)] if args.both else [think]
    passed = True
    for number, pace in enumerate(paces):
        if number:
            print()
        passed = report(args, run_once(args, files, think=pace), files) and passed
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
