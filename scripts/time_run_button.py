#!/usr/bin/env python3
"""Time the Run button: from the click to the block's output, in headless Chromium.

Serves a built site on 127.0.0.1 (every other host refused), opens a page and
clicks Run on its first runnable block:

  * cold: a fresh browser profile, so Python and NumPy come over the network;
  * warm: the same profile, a new page: they come from the browser's cache,
    but the interpreter starts again (each page has its own).

Prints the median and the range of --repeat runs of each, in seconds.

    mkdocs build --site-dir site && python scripts/time_run_button.py --site site [--page dhnext/]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

CHROMIUM = "/usr/bin/chromium"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@contextlib.contextmanager
def site_in_chromium(site: Path, name: str):
    """The built `site` served on 127.0.0.1 and a headless Chromium: yields (base URL, a function
    that makes a fresh browser context refusing every other host). `name` is the script's, for the
    one-line error when the site has no Python runtime."""
    if not (site / "pyodide" / "pyodide.asm.wasm").is_file():
        raise SystemExit(f"{name}: {site} has no pyodide/: build it first")
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )

            def offline_context():
                context = browser.new_context()
                context.route(
                    lambda u: urlparse(u).hostname != "127.0.0.1", lambda route: route.abort()
                )
                return context

            yield f"http://127.0.0.1:{server.server_address[1]}/", offline_context, browser
            browser.close()
    finally:
        server.shutdown()


def time_run(context, url: str) -> float:
    """Seconds from the click on the first Run button of `url` to the end of the run."""
    page = context.new_page()
    page.goto(url, wait_until="load")
    bar = page.locator(".run-bar").first
    start = time.perf_counter()
    bar.get_by_role("button", name="Run this block").click()
    page.wait_for_function(
        "el => /^(Ran|Failed|Could)/.test(el.textContent)",
        arg=bar.locator(".run-status").element_handle(),
        timeout=300_000,
    )
    seconds = time.perf_counter() - start
    status = bar.locator(".run-status").text_content()
    page.close()
    if not status.startswith("Ran in"):
        raise SystemExit(f"time_run_button: the block did not run: {status}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, required=True, help="a built site (mkdocs build)")
    parser.add_argument("--page", default="", help="the page, relative to the site (default: home)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    cold, warm = [], []
    with site_in_chromium(args.site, "time_run_button") as (base, offline_context, _):
        for _ in range(args.repeat):
            context = offline_context()
            cold.append(time_run(context, base + args.page))
            warm.append(time_run(context, base + args.page))
            context.close()
    for name, times in [("cold", cold), ("warm", warm)]:
        print(
            f"{name}: median {statistics.median(times):.1f} s, "
            f"range {min(times):.1f}-{max(times):.1f} s ({args.repeat} runs, /{args.page})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
