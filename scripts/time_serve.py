#!/usr/bin/env python3
"""Time `mkdocs serve` on a fresh clone: to the first page, and from an edit to the page that shows it.

Clones the repository at --ref into a temporary folder (no .cache/, no site/: what a new
reader has), starts `mkdocs serve` there, and measures

  * start: seconds from starting `mkdocs serve` to the first 200 response on the home page;
  * whole: seconds from starting it to the whole site being served (serve answers first with a
           site whose notebooks are not converted and whose search index is empty), seen as the
           search index with its pages in it;
  * edit:  seconds from appending a line to a page, once the site is whole, to that page being
           served with the line, for each page of --edit (home, and a long page of code).

Each of --repeat runs uses a new clone and a new server. Prints every run, then the medians.
On Linux it also prints the processor seconds the server (and the programs it waited for) spent
on each, which a busy machine does not inflate as it does the wall-clock seconds, and the load
average at the end of each run.

    python scripts/time_serve.py --ref main --repeat 5 [--dirty]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOME = "/clear-rnn/"  # the path of site_url in mkdocs.yml


def get(url: str) -> str | None:
    """The page's text if the server answers 200, else None."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.read().decode("utf-8") if response.status == 200 else None
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def wait_for(url: str, server: subprocess.Popen, contains: str = "", timeout: float = 300) -> float:
    """perf_counter() when `url` first answers 200 (with `contains` in it)."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"time_serve: mkdocs serve exited with {server.returncode}")
        text = get(url)
        if text is not None and contains in text:
            return time.perf_counter()
        time.sleep(0.05)
    raise SystemExit(f"time_serve: {url} did not answer within {timeout:.0f} s")


def cpu_seconds(pid: int) -> float:
    """Processor seconds of a process and of the children it has waited for (Linux), else NaN."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return sum(int(tick) for tick in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime...cstime


def interruptible() -> None:
    """Run in the server before it starts (POSIX): Ctrl-C stops it, even when this script runs in
    the background, which a shell starts with Ctrl-C ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def one_run(ref: str, port: int, edits: list[str], serve_options: list[str]) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="time-serve-"))
    try:
        subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(folder)], check=True)
        subprocess.run(["git", "-C", str(folder), "checkout", "--quiet", ref], check=True)
        mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent)) or "mkdocs"
        env = os.environ | {"PYTHONPATH": str(folder)}  # the clone's rnn, as its own install would give
        base = f"http://127.0.0.1:{port}"
        start = time.perf_counter()
        command = [mkdocs, "serve", "--dev-addr", f"127.0.0.1:{port}", *serve_options]
        server = subprocess.Popen(command, cwd=folder, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL,
                                  preexec_fn=interruptible if os.name == "posix" else None)
        try:
            times = {"start": wait_for(base + HOME, server) - start}
            times["start cpu"] = cpu_seconds(server.pid)
            times["whole"] = wait_for(base + HOME + "search/search_index.json", server,
                                      contains='"location"') - start
            times["whole cpu"] = cpu = cpu_seconds(server.pid)
            for page in edits:
                mark = f"edit-{uuid.uuid4().hex}"
                url = base + HOME + ("" if page == "index.md" else page.removesuffix(".md") + "/")
                with open(folder / "docs" / page, "a", encoding="utf-8") as f:
                    f.write(f"\n{mark}\n")
                saved = time.perf_counter()
                times[f"edit {page}"] = wait_for(url, server, contains=mark) - saved
                now = cpu_seconds(server.pid)
                times[f"edit {page} cpu"], cpu = now - cpu, now
            return times
        finally:
            # Ctrl-C, on which serve deletes its temporary site (a SIGTERM leaves it in the temp folder)
            server.send_signal(signal.SIGINT if os.name == "posix" else signal.SIGTERM)
            server.wait(timeout=30)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ref", default="HEAD", help="the commit to clone (default: HEAD)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--edit", nargs="*", default=["index.md", "fast.md"], help="pages to edit")
    parser.add_argument("--dirty", action="store_true", help="serve with --dirty: rebuild only changed pages")
    args = parser.parse_args(argv)
    runs = []
    for n in range(args.repeat):
        runs.append(one_run(args.ref, args.port, args.edit, ["--dirty"] if args.dirty else []))
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"run {n + 1}: " + ", ".join(f"{k} {v:.2f} s" for k, v in runs[-1].items())
              + f" (load average {load:.1f})", flush=True)
    for key in runs[0]:
        values = [run[key] for run in runs]
        print(f"median {key}: {statistics.median(values):.2f} s "
              f"(range {min(values):.2f}-{max(values):.2f}, {len(values)} runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
