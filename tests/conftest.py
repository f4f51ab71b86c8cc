"""What several test files share: the repository's root, files imported as modules, a small corpus,
and the built site with the browser that opens it (built once for every test file that asks)."""

import functools
import http.server
import importlib.util
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent


class ShellBlockReports:
    """A failed shell block of a page (pytest-codeblocks) reported with its status and stderr.

    pytest-codeblocks reports a failure by its exception's first argument, which for a shell block
    is the bare exit status: pytest-xdist cannot send that from a worker, and the whole run ended
    in an INTERNALERROR instead of naming the block. Registered as a plugin, not as this file's
    hook, so that it reaches the items under docs/ too.
    """

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        failed = call.excinfo.value if call.excinfo is not None else None
        if isinstance(failed, subprocess.CalledProcessError):
            stderr = (failed.stderr or b"").decode(errors="replace")
            outcome.get_result().longrepr = (
                f"{item.name}: the shell block exited with status {failed.returncode}\n"
                f"{failed.cmd}\n{stderr}"
            )


def pytest_configure(config):
    config.pluginmanager.register(ShellBlockReports(), "shell-block-reports")


def load_module(path, name=None):
    """A file outside the package (a script, a site hook), imported as a module."""
    path = Path(path)
    spec = importlib.util.spec_from_file_location(name or path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The first 40 pages of the real corpus: real structure, a quick run."""
    pages = (ROOT / "data" / "linux_man.txt").read_text(encoding="ascii").split("\f\n")[:40]
    path = tmp_path_factory.mktemp("data") / "pages.txt"
    path.write_text("\f\n".join(pages), encoding="ascii")
    return path


# --- the site, built once, and the browser -----------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOST = "127.0.0.1"
BUILD_TIMEOUT_S = 900


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _build_site(out: Path) -> str | None:
    """`mkdocs build --strict` into `out`: None, or what went wrong."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)]
    try:
        result = subprocess.run(
            cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S
        )
    except subprocess.TimeoutExpired as exc:
        return f"mkdocs build took over {BUILD_TIMEOUT_S} s\n{exc.stdout}\n{exc.stderr}"
    if result.returncode != 0:
        return (
            f"`mkdocs build --strict` failed ({result.returncode}):\n"
            f"{result.stdout}\n{result.stderr}"
        )
    return None


@pytest.fixture(scope="session")
def build(tmp_path_factory, worker_id) -> tuple[Path, str | None]:
    """Builds the site once with --strict: (site directory, error or None). Under pytest-xdist the
    first worker to ask builds it, behind a file lock, and the others read its result.

    CLEAR_RNN_SITE=<folder> tests a site built before instead (`mkdocs build --site-dir <folder>`),
    to re-run the browser checks without building again.
    """
    if os.environ.get("CLEAR_RNN_SITE"):
        return Path(os.environ["CLEAR_RNN_SITE"]), None
    if worker_id == "master":  # no workers: this process is the only one
        out = tmp_path_factory.mktemp("site")
        return out, _build_site(out)
    from filelock import FileLock

    shared = tmp_path_factory.getbasetemp().parent  # one folder for every worker of this run
    out, result = shared / "site", shared / "site-build.json"
    with FileLock(str(shared / "site-build.lock")):
        if not result.is_file():
            result.write_text(json.dumps({"error": _build_site(out)}))
    return out, json.loads(result.read_text())["error"]


_build_failure_reported = False


@pytest.fixture
def site(build) -> Path:
    """The built site; a failed build fails the test (its output is shown once)."""
    global _build_failure_reported
    out, error = build
    if error is not None:
        if _build_failure_reported:
            pytest.fail("the site did not build (its output is in the first failure)", pytrace=False)
        _build_failure_reported = True
        pytest.fail(error, pytrace=False)
    return out


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="session")
def base_url(build):
    """The built site, served over HTTP on 127.0.0.1 (a free port)."""
    handler = functools.partial(_QuietHandler, directory=str(build[0]))
    server = http.server.ThreadingHTTPServer((LOCAL_HOST, 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://{LOCAL_HOST}:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        reason = f"{CHROMIUM} is missing (Debian: apt-get install chromium)"
        if _in_ci():
            pytest.fail(f"{reason}; CI must install it", pytrace=False)
        pytest.skip(reason)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if _in_ci():
            raise
        pytest.skip("playwright (python) is not installed")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _is_local(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme not in ("http", "https", "ws", "wss") or parsed.hostname == LOCAL_HOST


DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _tab(browser, viewport: dict, color_scheme: str):
    """A fresh page; requests to any other host are refused before they leave."""
    context = browser.new_context(viewport=viewport, color_scheme=color_scheme)
    context.route(lambda url: not _is_local(url), lambda route: route.abort("blockedbyclient"))
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    return context, tab


@pytest.fixture
def page(browser):
    """1280 px wide, light."""
    context, tab = _tab(browser, DESKTOP, "light")
    yield tab
    context.close()


@pytest.fixture
def phone(browser):
    """390 px wide, light."""
    context, tab = _tab(browser, PHONE, "light")
    yield tab
    context.close()


@pytest.fixture
def dark(browser):
    """1280 px wide, in the theme's dark scheme (chosen from the system preference)."""
    context, tab = _tab(browser, DESKTOP, "dark")
    yield tab
    context.close()


