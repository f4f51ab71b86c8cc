"""Tangle the book into the package: every file in rnn/ is cut from the pages in docs/.

A fence opened as ```python title="rnn/cell.py" belongs to rnn/cell.py. A page may
hold several fences for one file, with prose between them; they are joined in page
order. Each file comes from exactly one page, and starts with a header naming it.

    python scripts/tangle.py           # write rnn/ from docs/
    python scripts/tangle.py --check   # exit 1, naming page and file, if they differ

Any other fence (```python with no title) is not tangled: pytest-codeblocks runs it
in place, and tests/test_inventory.py makes sure every fence is one or the other.
"""

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from fences import FenceError, page_fences

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PACKAGE = "rnn"
SITE_URL = "https://clear-rnn.github.io/clear-rnn/"


@dataclass
class Chunk:
    page: Path
    first_line: int  # 1-based line of the page where the chunk's code starts
    lines: tuple[str, ...]


def collect() -> dict[str, list[Chunk]]:
    """Map each package file to its chunks, in page order; one page per file."""
    files: dict[str, list[Chunk]] = {}
    for page in sorted(DOCS.rglob("*.md")):
        try:
            found = page_fences(page)
        except FenceError as error:
            raise SystemExit(f"tangle: {error}") from None
        for fence in found:
            path = fence.tangled_into
            if path is None:
                continue
            chunks = files.setdefault(path, [])
            if chunks and chunks[0].page != page:
                raise SystemExit(
                    f"tangle: {path} is fed by both {chunks[0].page.relative_to(ROOT)} "
                    f"and {page.relative_to(ROOT)}; one page per file"
                )
            chunks.append(Chunk(page, fence.line + 1, fence.lines))
    return files


def header(page: Path) -> list[str]:
    slug = page.relative_to(DOCS).with_suffix("").as_posix()
    url = SITE_URL + ("" if slug == "index" else slug + "/")
    return [
        f"# Generated from {page.relative_to(ROOT).as_posix()} by scripts/tangle.py: edit the page,",
        f"# then run `python scripts/tangle.py`. Explained at {url}",
        "",
    ]


def render(chunks: list[Chunk]) -> tuple[str, list[tuple[Path, int] | None]]:
    """The file's text, and for each of its lines the page line it came from."""
    out = header(chunks[0].page)
    origin: list[tuple[Path, int] | None] = [None] * len(out)
    for n, chunk in enumerate(chunks):
        body = list(chunk.lines)
        while body and not body[-1].strip():
            body.pop()
        if n:  # a chunk that goes on inside a def or class is one blank line away
            gap = 1 if body and body[0][:1].isspace() else 2
            out += [""] * gap
            origin += [None] * gap
        out += body
        origin += [(chunk.page, chunk.first_line + k) for k in range(len(body))]
    return "\n".join(out) + "\n", origin


def first_difference(expected: str, actual: str) -> int:
    a, b = expected.splitlines(), actual.splitlines()
    for k, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return k
    return min(len(a), len(b))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)

    files = collect()
    problems = []
    for path, chunks in sorted(files.items()):
        text, origin = render(chunks)
        target = ROOT / path
        page = chunks[0].page.relative_to(ROOT)
        if not args.check:
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                target.write_text(text, encoding="utf-8")
                print(f"wrote {path} from {page}")
            continue
        if not target.exists():
            problems.append(f"{path} is missing; {page} defines it")
            continue
        actual = target.read_text(encoding="utf-8")
        if actual != text:
            k = first_difference(text, actual)
            where = origin[k] if k < len(origin) else None
            source = f"{where[0].relative_to(ROOT)}:{where[1]}" if where else str(page)
            problems.append(f"{path}:{k + 1} differs from {source}")

    package = ROOT / PACKAGE
    for stray in sorted(package.rglob("*.py")) if package.exists() else []:
        rel = stray.relative_to(ROOT).as_posix()
        if rel not in files:
            problems.append(f"{rel} comes from no page in docs/; write it in a page or delete it")

    if problems:
        for problem in problems:
            print(f"tangle: {problem}", file=sys.stderr)
        if args.check:
            print("tangle: docs/ and rnn/ have drifted; edit the page, then run "
                  "`python scripts/tangle.py`", file=sys.stderr)
        return 1
    if args.check:
        print(f"tangle: {len(files)} files in {PACKAGE}/ match docs/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
