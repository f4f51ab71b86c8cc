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

import argparse
import base64
import hashlib
import importlib.util
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The same npm runner, hash and error type as the Run buttons' runtime.
_spec = importlib.util.spec_from_file_location("vendor_pyodide", ROOT / "scripts" / "vendor_pyodide.py")
vendor_pyodide = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(vendor_pyodide)
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
    vendor_pyodide._run(
        ["npm", "pack", "--silent", f"axe-core@{AXE_VERSION}", "--pack-destination", str(tmp)], tmp
    )
    tarball = tmp / f"axe-core-{AXE_VERSION}.tgz"
    algorithm, expected = NPM_INTEGRITY.split("-", 1)
    got = base64.b64encode(hashlib.new(algorithm, tarball.read_bytes()).digest()).decode()
    if got != expected:
        raise VendorError(f"{tarball.name}: integrity {algorithm}-{got}, expected {NPM_INTEGRITY}")
    with tarfile.open(tarball) as tar:
        member = tar.extractfile(f"package/{SCRIPT}")
        if member is None:
            raise VendorError(f"{tarball.name} has no {SCRIPT}")
        (out / SCRIPT).write_bytes(member.read())


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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="cache folder")
    args = parser.parse_args(argv)
    try:
        path = ensure(args.cache)
    except VendorError as exc:
        print(f"vendor_axe: {exc}", file=sys.stderr)
        return 1
    print(f"{path}: {path.stat().st_size / 1e3:.0f} kB, verified")
    return 0


if __name__ == "__main__":
    sys.exit(main())
