#!/usr/bin/env python3
"""Time the live figures in headless Chromium, and training there against native NumPy.

Serves a built site on 127.0.0.1 (every other host refused) and measures:

  * each widget's time to first result: from the click on Start to the figure,
    cold (a fresh browser profile: Python and NumPy come over the network) and
    warm (the same profile, a new page: from the browser's cache, but the
    interpreter starts again);
  * "Train it here" for --train-seconds of wall time after the click on Train:
    its curve, the last validation bpc, and its characters per second;
  * the same Trainer, settings and slices in CPython (native NumPy, one thread:
    WebAssembly has one), and one matrix product of the recurrence,
    (H, H) @ (H, B) in float32, in both.

The machine's load average is recorded with the numbers: on a shared machine
every figure here is slower than on an idle one.

Writes --out (data/runs/widgets.json) with the command that produced it.

    mkdocs build --site-dir site && python scripts/time_widgets.py --site site
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

from time_run_button import site_in_chromium

WIDGETS = {"sampling": "sampling/", "inside": "inside/", "train": "inside/", "decay": "dhnext/"}

# The recurrence's product, timed the same way here and in the page.
MATMUL = """
import json, time
import numpy as np
from threadpoolctl import threadpool_limits
threadpool_limits(1)
from rnn.inside import BROWSER
H, B = BROWSER["hidden_size"], BROWSER["batch_size"]
rng = np.random.default_rng(0)
W = rng.standard_normal((H, H)).astype(np.float32)
h = rng.standard_normal((H, B)).astype(np.float32)
times = []
for _ in range(25):
    start = time.perf_counter()
    for _ in range(100):
        W @ h
    times.append((time.perf_counter() - start) / 100)
print(json.dumps(sorted(times)[len(times) // 2]))
"""


def first_result(context, url: str, kind: str) -> float:
    """Seconds from the click on the widget's Start button to its first figure."""
    page = context.new_page()
    page.goto(url, wait_until="load")
    widget = page.locator(f'.clear-rnn-widget[data-widget="{kind}"]')
    start = time.perf_counter()
    widget.get_by_role("button", name="Start").click()
    page.wait_for_function("el => el.dataset.ready !== undefined", arg=widget.element_handle(),
                           timeout=300_000)
    seconds = time.perf_counter() - start
    page.close()
    return seconds


def train_in_browser(context, url: str, seconds: float) -> dict:
    page = context.new_page()
    page.goto(url, wait_until="load")
    widget = page.locator('.clear-rnn-widget[data-widget="train"]')
    widget.get_by_role("button", name="Start").click()
    page.wait_for_function("el => el.dataset.ready !== undefined", arg=widget.element_handle(),
                           timeout=300_000)
    matmul = json.loads(page.evaluate("code => clearRnn.run(code).then((r) => r.stdout)", MATMUL))
    widget.get_by_role("button", name="Train").click()
    page.wait_for_timeout(seconds * 1000)
    widget.get_by_role("button", name="Stop").click()
    status = widget.locator("p.widget-status").last
    page.wait_for_function("el => el.textContent.startsWith('Stopped')", arg=status.element_handle())
    speed = page.evaluate("code => clearRnn.run(code).then((r) => r.stdout)",
                          "import __main__, json\nt = __main__.trainer\n"
                          "print(json.dumps([t.chars, t.seconds]))")
    chars, trained = json.loads(speed)
    curve = json.loads(widget.get_attribute("data-curve"))
    page.close()
    return {"curve": curve, "chars_per_s": chars / trained, "matmul_s": matmul}


def train_natively(seconds: float) -> dict:
    import subprocess

    out = subprocess.run([sys.executable, "-c", MATMUL], capture_output=True, text=True, check=True)
    from threadpoolctl import threadpool_limits

    from rnn.inside import BROWSER, Trainer

    trainer = Trainer(**BROWSER)
    with threadpool_limits(1):
        while trainer.seconds < seconds:
            trainer.train_for(0.4)  # the page's slice
    return {"chars_per_s": trainer.chars / trainer.seconds, "matmul_s": json.loads(out.stdout)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, required=True, help="a built site (mkdocs build)")
    parser.add_argument("--repeat", type=int, default=3, help="cold and warm starts per widget")
    parser.add_argument("--train-seconds", type=float, default=120)
    parser.add_argument("--native-seconds", type=float, default=20)
    parser.add_argument("--out", type=Path, default=Path("data/runs/widgets.json"))
    args = parser.parse_args(argv)
    from rnn.inside import BROWSER

    load = [os.getloadavg()[0]]
    starts = {kind: {"cold": [], "warm": []} for kind in WIDGETS}
    with site_in_chromium(args.site, "time_widgets") as (base, context, browser):
        for _ in range(args.repeat):
            for kind, path in WIDGETS.items():
                c = context()
                starts[kind]["cold"].append(first_result(c, base + path, kind))
                starts[kind]["warm"].append(first_result(c, base + path, kind))
                c.close()
        c = context()
        browser_run = train_in_browser(c, base + WIDGETS["train"], args.train_seconds)
        c.close()
        version = browser.version
    native = train_natively(args.native_seconds)
    load.append(os.getloadavg()[0])
    curve = browser_run["curve"]
    record = {
        "command": f"python scripts/time_widgets.py --site SITE --repeat {args.repeat}"
                   f" --train-seconds {args.train_seconds:g}",
        "chromium": version,
        "cpus": os.cpu_count(),
        "load_average_1min": {"start": round(load[0], 1), "end": round(load[1], 1)},
        "trainer": BROWSER,
        "first_result_s": {
            kind: {name: round(statistics.median(times), 2) for name, times in t.items()}
            for kind, t in starts.items()
        },
        "repeat": args.repeat,
        "train_seconds": args.train_seconds,
        "browser_chars_per_s": round(browser_run["chars_per_s"]),
        "native_chars_per_s": round(native["chars_per_s"]),
        "matmul_us": {"browser": round(browser_run["matmul_s"] * 1e6, 1),
                      "native": round(native["matmul_s"] * 1e6, 1)},
        "curve": [{k: round(v, 3) for k, v in point.items()} for point in curve],
        "last_val_bpc": round(curve[-1]["bpc"], 3),
        "first_below_3_bpc_s": next((round(c["seconds"], 1) for c in curve if c["bpc"] < 3), None),
    }
    tmp = args.out.with_name(f".{args.out.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(record, indent=1) + "\n")
    tmp.replace(args.out)
    print(json.dumps({k: v for k, v in record.items() if k != "curve"}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
