#!/usr/bin/env python3
"""Build the character-level training corpus from installed Linux man pages.

Renders the English man pages under a man root (sections 1, 2, 3, 5, 7, 8;
translated locale directories are ignored) to plain 80-column text with
groff, folds the result to ASCII, and writes:

  * the corpus: page texts joined by "\\f\\n" (each page ends with one "\\n"
    and contains no "\\f");
  * a manifest (TSV): page, section, Debian package, package version,
    licence hint, characters.

Skipped: symlinks, alias stubs (pages using ``.so``), generated cloud CLI
pages (gcloud*, aws*, az*), Perl module pages (*.3pm, *.3perl), duplicate
page names or texts, and renders shorter than MIN_PAGE_CHARS characters.

Candidates are ordered by sha256 of their page name (e.g. "ls.1") and taken
in that order until the corpus reaches --target-chars, so every section is
sampled evenly; the output keeps that order. Same inputs give a
byte-identical file.

Usage:
    python scripts/build_dataset.py [--man-root /usr/share/man]
        [--out data/linux_man.txt] [--target-chars 5000000]
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import glob
import gzip
import hashlib
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from dataclasses import dataclass

SECTIONS = ("1", "2", "3", "5", "7", "8")
MIN_PAGE_CHARS = 400
LINE_WIDTH = 80
WORKERS = 2
CHUNK = 32  # pages rendered per pool round; selection stops mid-chunk

# Auto-generated CLI reference families: thousands of near-identical pages.
GENERATED_RE = re.compile(r"^(gcloud|aws|az)([_.-]|$)")
PERL_MODULE_RE = re.compile(r"\.3(pm|perl)$")
SO_REQUEST_RE = re.compile(r"^[.'][ \t]*so[ \t]", re.MULTILINE)

# Forces left-aligned, unhyphenated text: pages often re-enable adjustment or
# hyphenation with .ad/.hy, so those requests are turned into no-ops after
# being applied once. (groff 1.22.4 has -rHY but no -dAD.)
PREAMBLE = b""".ad l
.nh
.rn ad clear-rnn-ad
.de ad
..
.rn hy clear-rnn-hy
.de hy
..
"""

GROFF_ENV = {
    "LC_ALL": "C.UTF-8",
    "TZ": "UTC",
    "SOURCE_DATE_EPOCH": "0",  # pages without a date would get "today"
}

ASCII_MAP = {
    "\u00a0": " ", "\u00ad": "", "\u200b": "", "\u200c": "", "\u200d": "",
    "\u2060": "", "\ufeff": "",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-",
    "\u2014": "--", "\u2015": "--", "\u2212": "-", "\u2043": "-",
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
    "\u2032": "'", "\u00b4": "'", "\u02bc": "'", "\u2039": "<", "\u203a": ">",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"',
    "\u2033": '"', "\u00ab": "<<", "\u00bb": ">>",
    "\u2022": "*", "\u00b7": ".", "\u2219": ".", "\u25cf": "*", "\u25e6": "o",
    "\u2026": "...", "\u00d7": "x", "\u00f7": "/", "\u00b1": "+-",
    "\u2264": "<=", "\u2265": ">=", "\u2260": "!=", "\u2248": "~=",
    "\u2190": "<-", "\u2192": "->", "\u2194": "<->", "\u21d0": "<=",
    "\u21d2": "=>", "\u2191": "^", "\u2193": "v",
    "\u00a9": "(C)", "\u00ae": "(R)", "\u2122": "(TM)", "\u00b0": " deg",
    "\u00a7": "S", "\u00b6": "P", "\u00a6": "|", "\u2016": "||",
    "\u00b5": "u", "\u03bc": "u", "\u00df": "ss", "\u00e6": "ae",
    "\u00c6": "AE", "\u0153": "oe", "\u0152": "OE", "\u00f8": "o",
    "\u00d8": "O", "\u0142": "l", "\u0141": "L", "\u0111": "d",
    "\u0110": "D", "\u00fe": "th", "\u00de": "Th", "\u00f0": "d",
    "\u02c6": "^", "\u02dc": "~", "\u2217": "*", "\u2215": "/",
    "\u27e8": "<", "\u27e9": ">", "\u2329": "<", "\u232a": ">",
    "\u221e": "inf", "\u00bc": "1/4", "\u00bd": "1/2", "\u00be": "3/4",
    "\u25cb": "o", "\u25a0": "*", "\u20ac": "EUR", "\u00a3": "GBP",
    "\u00a5": "JPY", "\u00a2": "c",
}


@dataclass
class Candidate:
    name: str      # page file name without .gz, e.g. "ls.1"
    section: str   # directory section, e.g. "1"
    path: str
    source: str    # roff source, decoded


def box_char(ch: str) -> str:
    """ASCII stand-in for a U+2500 box-drawing character."""
    name = unicodedata.name(ch, "")
    if " AND " in name or "DIAGONAL" in name:
        return "+"
    if any(w in name for w in ("HORIZONTAL", "LEFT", "RIGHT")):
        return "-"
    if any(w in name for w in ("VERTICAL", "UP", "DOWN")):
        return "|"
    return "+"


def fold_char(ch: str) -> str:
    if ch in ASCII_MAP:
        return ASCII_MAP[ch]
    if "\u2500" <= ch <= "\u257f":
        return box_char(ch)
    if "\u2000" <= ch <= "\u200a":
        return " "
    decomposed = unicodedata.normalize("NFKD", ch)
    return "".join(c for c in decomposed if c.isascii())


def fold_to_ascii(text: str) -> str:
    """Map to printable ASCII plus newline; tabs expand to spaces."""
    out = []
    for line in text.split("\n"):
        line = line.expandtabs(8)
        chars = (c if c.isascii() else fold_char(c) for c in line)
        folded = "".join(chars)
        out.append("".join(c for c in folded if " " <= c <= "~"))
    return "\n".join(out)


def tidy_page(text: str) -> str:
    """Strip trailing spaces, cap blank runs at 2, end with exactly one \\n."""
    lines = [line.rstrip() for line in text.split("\n")]
    text = "\n".join(lines).strip("\n")
    text = re.sub(r"\n{4,}", "\n\n\n", text)
    return text + "\n"


def read_source(path: str) -> str:
    with open(path, "rb") as fh:
        raw = fh.read()
    if path.endswith(".gz"):
        raw = gzip.decompress(raw)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")  # a few old pages predate UTF-8


def skip_reason(name: str, path: str) -> str | None:
    if os.path.islink(path):
        return "symlink"
    if not os.path.isfile(path):
        return "not-a-file"
    if GENERATED_RE.match(name):
        return "generated-cli"
    if PERL_MODULE_RE.search(name):
        return "perl-module"
    return None


def collect_candidates(man_root: str, skipped: collections.Counter) -> list[Candidate]:
    """Renderable pages in hash order; tallies skip reasons in `skipped`."""
    candidates, seen = [], set()
    for section in SECTIONS:
        directory = os.path.join(man_root, "man" + section)
        if not os.path.isdir(directory):
            continue
        for entry in sorted(os.listdir(directory)):
            path = os.path.join(directory, entry)
            name = entry[:-3] if entry.endswith(".gz") else entry
            reason = skip_reason(name, path)
            if reason is None and name in seen:
                reason = "duplicate-name"
            if reason is None:
                source = read_source(path)
                if SO_REQUEST_RE.search(source):
                    reason = "alias-stub"
            if reason:
                skipped[reason] += 1
                continue
            seen.add(name)
            candidates.append(Candidate(name, section, path, source))
    candidates.sort(key=lambda c: (page_hash(c.name), c.name))
    return candidates


def page_hash(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8")).hexdigest()


def preprocessor_flags(source: str) -> list[str]:
    """tbl always; eqn/pic when the page's '\\" hint line asks for them."""
    flags = ["-t"]
    first = source.split("\n", 1)[0]
    match = re.match(r"^'\\\"\s*([a-z]*)", first)
    hint = match.group(1) if match else ""
    flags += ["-" + p for p in "ep" if p in hint]
    return flags


def groff_command(source: str) -> list[str]:
    # -mandoc: some pages are BSD mdoc, which -man would mangle.
    # -P-cbou: plain text, no SGR escapes and no overstrike.
    return ["groff", "-mandoc", *preprocessor_flags(source), "-Tutf8",
            "-Kutf8", "-rHY=0", f"-rLL={LINE_WIDTH}n", f"-rLT={LINE_WIDTH}n",
            "-rcR=1", "-P-cbou", "-Wall"]


def render_page(cand: Candidate) -> str:
    """Rendered, ASCII-folded page text ("" if groff produced nothing)."""
    env = dict(GROFF_ENV, PATH=os.environ.get("PATH", "/usr/bin:/bin"))
    proc = subprocess.run(groff_command(cand.source),
                          input=PREAMBLE + cand.source.encode("utf-8"),
                          capture_output=True, env=env, timeout=120)
    text = proc.stdout.decode("utf-8", errors="replace")
    return tidy_page(fold_to_ascii(text))


def select_pages(candidates, target_chars, skipped):
    """Render in hash order until the joined corpus reaches target_chars."""
    pages, seen_texts, total = [], set(), 0
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        for start in range(0, len(candidates), CHUNK):
            chunk = candidates[start:start + CHUNK]
            for cand, text in zip(chunk, pool.map(render_page, chunk)):
                if len(text) < MIN_PAGE_CHARS:
                    skipped["near-empty"] += 1
                    continue
                if text in seen_texts:
                    skipped["duplicate-text"] += 1
                    continue
                seen_texts.add(text)
                pages.append((cand, text))
                total += len(text) + (2 if len(pages) > 1 else 0)
                if total >= target_chars:
                    return pages
    return pages


def dpkg_owners(paths: set[str], info_dir: str = "/var/lib/dpkg/info") -> dict[str, str]:
    """Map path -> owning package by reading dpkg's file lists once."""
    owners = {}
    for list_file in sorted(glob.glob(os.path.join(info_dir, "*.list"))):
        package = os.path.basename(list_file)[:-5].split(":")[0]
        with open(list_file, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                path = line.rstrip("\n")
                if path in paths:
                    owners.setdefault(path, package)
    return owners


def dpkg_versions() -> dict[str, str]:
    if shutil.which("dpkg-query") is None:
        return {}
    proc = subprocess.run(["dpkg-query", "-W", "-f=${Package}\t${Version}\n"],
                          capture_output=True, text=True)
    versions = {}
    for line in proc.stdout.splitlines():
        package, _, version = line.partition("\t")
        if version:
            versions.setdefault(package, version)
    return versions


LICENCE_PATTERNS = [
    ("GPL", r"GNU General Public License|GNU GPL\b|\bGPLv[123]"),
    ("LGPL", r"GNU (Lesser|Library) General Public License"),
    ("GFDL", r"GNU Free Documentation License"),
    ("BSD", r"Redistribution and use in source and binary forms"),
    ("MIT", r"Permission is hereby granted, free of charge"),
    ("ISC", r"Permission to use, copy, modify, and(/or)? distribute"),
    ("Apache", r"Apache License"),
    ("Perl", r"same terms as Perl itself|Artistic License"),
    ("verbatim", r"Permission is granted to make and distribute verbatim"),
    ("public-domain", r"(placed|is) in the public domain"),
]


def package_licence(package: str, doc_root: str = "/usr/share/doc") -> str:
    """Licence of the "Files: *" stanza of a machine-readable copyright file."""
    try:
        with open(os.path.join(doc_root, package, "copyright"),
                  encoding="utf-8", errors="replace") as fh:
            stanzas = fh.read().split("\n\n")
    except OSError:
        return ""
    for stanza in stanzas:
        files = re.search(r"^Files:(.*(?:\n[ \t].*)*)", stanza, re.MULTILINE)
        licence = re.search(r"^License:[ \t]*(\S.*)", stanza, re.MULTILINE)
        if files and licence and "*" in files.group(1).split():
            return licence.group(1).strip()
    return ""


def licence_hint(source: str, text: str, package: str = "-") -> str:
    """Best-effort licence label: page comments, rendered text, then package.

    A "pkg:" prefix marks a label taken from the Debian copyright file of the
    owning package rather than from the page itself.
    """
    match = re.search(r"SPDX-License-Identifier:\s*([^\s*]+)", source)
    if match:
        return match.group(1)
    match = re.search(r"%%%LICENSE_START\(([^)]*)\)", source)
    if match:
        return "man-pages:" + match.group(1)
    haystack = re.sub(r"\s+", " ", source + " " + text)
    found = [label for label, pattern in LICENCE_PATTERNS
             if re.search(pattern, haystack, re.IGNORECASE)]
    if found:
        return "+".join(found)
    fallback = package_licence(package) if package != "-" else ""
    return "pkg:" + fallback if fallback else "-"


def groff_version() -> str | None:
    if shutil.which("groff") is None:
        return None
    proc = subprocess.run(["groff", "--version"], capture_output=True, text=True)
    first = proc.stdout.splitlines()[0] if proc.stdout else ""
    match = re.search(r"version\s+(\S+)", first)
    return match.group(1) if proc.returncode == 0 and match else None


def write_manifest(path, pages, man_root, version, target_chars):
    paths = {os.path.abspath(c.path) for c, _ in pages}
    owners = dpkg_owners(paths)
    versions = dpkg_versions()
    rows = [f"# groff {version}; man root {man_root}; target {target_chars} chars; "
            "order = sha256(page name)",
            "page\tsection\tpackage\tversion\tlicence_hint\tchars"]
    for cand, text in pages:
        package = owners.get(os.path.abspath(cand.path), "-")
        rows.append("\t".join([cand.name, cand.section, package,
                               versions.get(package, "-"),
                               licence_hint(cand.source, text, package),
                               str(len(text))]))
    with open(path, "w", encoding="ascii", newline="\n") as fh:
        fh.write("\n".join(rows) + "\n")


def fail(message: str) -> None:
    print(f"build_dataset.py: error: {message}", file=sys.stderr)
    sys.exit(1)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--man-root", default="/usr/share/man")
    parser.add_argument("--out", default="data/linux_man.txt")
    parser.add_argument("--manifest", default=None,
                        help="default: OUT with .txt replaced by .manifest.tsv")
    parser.add_argument("--target-chars", type=int, default=5_000_000)
    return parser.parse_args(argv)


def write_split(text: str, path: str) -> None:
    """Write down which pages rnn.data.split_pages holds out, so a test can catch the split drifting."""
    from rnn.data import PAGE_BREAK, split_pages

    _, _, held_out = split_pages(text)
    pages = text.split(PAGE_BREAK)
    with open(path, "w", encoding="ascii") as fh:
        fh.write("# The validation pages of linux_man.txt: page number, then the page's first line.\n")
        fh.write("# Written by scripts/build_dataset.py from rnn.data.split_pages; tests/test_split.py checks it.\n")
        for i in held_out:
            fh.write(f"{i}\t{pages[i].splitlines()[0].strip()}\n")


def main(argv=None) -> int:
    args = parse_args(argv)
    version = groff_version()
    if version is None:
        fail("groff not found (install groff-base)")
    if not os.path.isdir(args.man_root):
        fail(f"man root {args.man_root!r} does not exist")
    skipped = collections.Counter()
    candidates = collect_candidates(args.man_root, skipped)
    if not candidates:
        fail(f"no man pages found under {args.man_root!r}")
    pages = select_pages(candidates, args.target_chars, skipped)
    if not pages:
        fail(f"no page under {args.man_root!r} rendered to usable text")

    corpus = "\f\n".join(text for _, text in pages).encode("ascii")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "wb") as fh:
        fh.write(corpus)
    manifest = args.manifest or re.sub(r"(\.txt)?$", ".manifest.tsv", args.out, count=1)
    write_manifest(manifest, pages, args.man_root, version, args.target_chars)
    write_split(corpus.decode("ascii"), re.sub(r"(\.txt)?$", ".split.txt", args.out, count=1))

    sections = collections.Counter(c.section for c, _ in pages)
    vocab = sorted(set(corpus.decode("ascii")))
    print(f"groff {version}; {len(candidates)} candidates; skipped: "
          + ", ".join(f"{k}={v}" for k, v in sorted(skipped.items())))
    print(f"pages: {len(pages)}  chars: {len(corpus)}  vocabulary: {len(vocab)}")
    print("per section: " + ", ".join(f"man{s}={sections[s]}" for s in SECTIONS))
    print(f"sha256: {hashlib.sha256(corpus).hexdigest()}  -> {args.out}, {manifest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
