#!/usr/bin/env python3
"""Fetch axe-core, the accessibility engine the browser test runs on every page.

`npm pack axe-core@VERSION`, checked against the tarball's pinned integrity
hash (as npm's registry gives it), then `axe.min.js` is kept in a cache folder
and checked against its own pinned sha256 each time it is used. Nothing of it
is served by the site: only tests/test_site.py injects it into the pages it
opens.

    python scripts/vendor_axe.py [--cache .cache/axe-core]

Needs `npm` on the PATH and the npm registry (once; later runs read the cache).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

# The same npm runner, hash, error type and command line as the Run buttons' runtime.
import vendor_pyodide

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CACHE = ROOT / ".cache" / "axe-core"

AXE_VERSION = "4.14.1"
# `npm view axe-core@4.14.1 dist.integrity`
NPM_INTEGRITY = (
    "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
)
SCRIPT = "axe.min.js"
SCRIPT_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"

VendorError = vendor_pyodide.VendorError


def fetch(tmp: Path, out: Path) -> None:
    """npm's axe-core tarball, checked against NPM_INTEGRITY; its axe.min.js into `out`."""
    vendor_pyodide.fetch_npm("axe-core", AXE_VERSION, NPM_INTEGRITY, [SCRIPT], tmp, out)


def ensure(cache: Path = DEFAULT_CACHE) -> Path:
    """The path of axe.min.js, fetched unless the cache holds the pinned file."""
    path = cache / AXE_VERSION / SCRIPT
    if path.is_file() and vendor_pyodide.sha256(path) == SCRIPT_SHA256:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".download-") as tmp_name:
        tmp = Path(tmp_name)
        fetch(tmp, tmp)
        got = vendor_pyodide.sha256(tmp / SCRIPT)
        if got != SCRIPT_SHA256:
            raise VendorError(f"{SCRIPT}: sha256 {got}, expected {SCRIPT_SHA256}")
        (tmp / SCRIPT).replace(path)
    return path


def main(argv: list[str] | None = None) -> int:
    return vendor_pyodide.run_main("vendor_axe", __doc__, ensure,
                                   lambda path: f"{path.stat().st_size / 1e3:.0f} kB", argv)


if __name__ == "__main__":
    sys.exit(main())
