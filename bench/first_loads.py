"""Benchmark: many people opening the app at once, segdash next to a bare Streamlit app (issue 14).

Run::

    .venv/bin/python bench/first_loads.py [--sessions 10] [--rounds 3]

For each app, each round: a fresh server (warmed by one page view first) and one headless Chromium
(launched as ``bench/load_test.py`` launches it); ``--sessions`` new browser contexts then open the
app at the same moment. Timed per session: from ``goto`` until the page's heading shows and the app
is idle. Also measured: the CPU seconds the browsers and the server used for the round.

The alternative is the floor every Streamlit app pays: a two-page ``st.navigation`` app that shows
one title, written to a temporary folder. Its first load is Streamlit's own front end starting in
the browser (parsing and running its JavaScript), which segdash cannot make cheaper. The last lines
print the ratio, and the shortest time the browsers' CPU alone allows on this machine
(their CPU seconds / the cores): with every browser on the server's machine, no click that ten of
them make at once can be faster than that.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load_test as lt  # noqa: E402
from common import REPO  # noqa: E402

BARE_APP = '''import streamlit as st

pages = [st.Page(lambda: st.title("Data"), title="Data", url_path="data"),
         st.Page(lambda: st.title("Other"), title="Other", url_path="other")]
st.navigation(pages).run()
'''
TARGET = 5.0  # seconds: issue 14's slowest click


async def one_round(app: Path, sessions: int, timeout: float) -> dict[str, float | list[float]]:
    """One server, one browser, ``sessions`` first loads at once."""
    from playwright.async_api import async_playwright

    env = {**os.environ, "SEGDASH_SAMPLE": "none", "SEGDASH_HOME": tempfile.mkdtemp(prefix="segdash-first-")}
    log_path = Path(tempfile.mkdtemp(prefix="segdash-first-log-")) / "server.log"
    server, url = lt.start_server(env, log_path, app=app)
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=lt.CHROMIUM, headless=True,
                                                       args=lt.BROWSER_FLAGS["lean"])

            async def first_load(tab: object) -> float:
                start = time.monotonic()
                await tab.goto(url)
                await tab.get_by_role("heading", name="Data").first.wait_for(timeout=timeout * 1000)
                await lt.wait_idle(tab, timeout * 1000)
                return time.monotonic() - start

            warm = await browser.new_context()
            await first_load(await warm.new_page())  # the server's imports: it is up before people arrive
            await warm.close()
            tabs = []
            for _ in range(sessions):
                context = await browser.new_context(viewport=lt.VIEWPORTS["lean"], reduced_motion="reduce")
                tabs.append(await context.new_page())
            browsers0 = sum(lt.browser_cpu_seconds(exclude=server.pid).values())
            server0 = lt.cpu_seconds(server.pid)
            waits = await asyncio.gather(*(first_load(tab) for tab in tabs))
            browsers = sum(lt.browser_cpu_seconds(exclude=server.pid).values()) - browsers0
            served = lt.cpu_seconds(server.pid) - server0
            await browser.close()
    finally:
        server.terminate()
        server.wait()
    return {"waits": list(waits), "browsers": browsers, "server": served}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=120, help="seconds allowed per first load")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="segdash-bare-app-"))
    bare = folder / "app.py"
    bare.write_text(BARE_APP)
    apps = {"bare Streamlit": bare, "segdash": REPO / "app.py"}
    cores = os.cpu_count() or 1
    print(f"first_loads: {args.sessions} browsers open the app at once, {args.rounds} rounds per app, "
          f"{cores} cores; load average {os.getloadavg()[0]:.1f}")
    print(f"  {'app':15} {'round':>5} {'slowest':>8} {'median':>7} {'browsers CPU':>13} {'server CPU':>11}")
    slowest: dict[str, list[float]] = {}
    browser_cpu: dict[str, list[float]] = {}
    for round_number in range(args.rounds):
        for name, app in apps.items():  # alternated, so both see the same machine
            result = asyncio.run(one_round(app, args.sessions, args.timeout))
            waits = result["waits"]
            slowest.setdefault(name, []).append(max(waits))
            browser_cpu.setdefault(name, []).append(result["browsers"])
            print(f"  {name:15} {round_number + 1:5} {max(waits):7.2f}s {statistics.median(waits):6.2f}s "
                  f"{result['browsers']:12.1f}s {result['server']:10.1f}s", flush=True)
    ours, floor = statistics.median(slowest["segdash"]), statistics.median(slowest["bare Streamlit"])
    print(f"  median slowest first load: segdash {ours:.2f} s, bare Streamlit {floor:.2f} s, ratio {ours / floor:.2f}x")
    for name in apps:
        cpu = statistics.median(browser_cpu[name])
        print(f"  {name}: browsers' CPU {cpu / args.sessions:.2f} s per first load; {args.sessions} at once need at "
              f"least {cpu / cores:.1f} s on {cores} cores (target {TARGET:.0f} s: "
              f"{'reachable' if cpu / cores < TARGET else 'out of reach with the browsers on this machine'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
