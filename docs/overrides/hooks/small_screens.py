"""MkDocs hook: the pages read on a phone (registered under `hooks:` in mkdocs.yml).

1. A diagram (an image from imgs/) is a link to its full-size drawing, the SVG
   beside it when there is one: on a phone the column shrinks a diagram's labels
   to a few pixels, and a tap opens it at a size that can be zoomed.
2. A number ("2.0e-02", "1.51x", "29 597") or a command-line flag ("--batch-size")
   in the prose never breaks across lines: the browser would otherwise break it
   at its hyphen or its space.
"""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2]

# --- 1. diagrams --------------------------------------------------------------

_DIAGRAM = re.compile(r'<img (?P<attrs>[^>]*\bsrc="(?P<src>[^"]*imgs/(?P<name>[\w.-]+))"[^>]*)>')


def link_diagrams(html: str) -> str:
    """Each diagram as a link to its full-size drawing (the .svg of a .png when it exists)."""

    def link(m: re.Match) -> str:
        src, name = m.group("src"), m.group("name")
        svg = Path(name).with_suffix(".svg").name
        if (DOCS / "imgs" / svg).is_file():
            src = src[: -len(name)] + svg
        return (
            f'<a class="diagram-link" href="{src}" title="Open the diagram full size">'
            f"{m.group(0)}</a>"
        )

    return _DIAGRAM.sub(link, html)


# --- 2. tokens that must not break --------------------------------------------

# Left as they are: tags, code, scripts, drawings, and arithmatex's math (MathJax typesets it).
_PROTECTED = re.compile(
    r'<(?P<m>span|div) class="arithmatex">.*?</(?P=m)>'
    r"|<(?P<t>code|pre|script|style|svg)\b.*?</(?P=t)>|<[^>]+>",
    re.S,
)
# A flag, or a number with a second part after a hyphen, a dash, a thin space or a
# space before three digits (an exponent, a range, thousands).
_TOKEN = re.compile(
    r"(?<![\w-])(?:--[a-z][\w-]*|\d[\d.,]*(?:(?:e[-+]|[-\u2013\u2009]| (?=\d{3}\b))\d[\d.,]*)+%?)"
)


def keep_tokens_whole(html: str) -> str:
    """Flags and numbers in prose and inline code wrapped in <span class="nowrap">."""

    def wrap(text: str) -> str:
        return _TOKEN.sub(r'<span class="nowrap">\g<0></span>', text)

    out, last = [], 0
    for m in _PROTECTED.finditer(html):
        kept = m.group(0)
        if m.group("t") == "code" and kept.startswith("<code>") and "<" not in kept[6:-7]:
            kept = "<code>" + wrap(kept[6:-7]) + "</code>"  # inline code: `--flag`, `1e-3`
        out += [wrap(html[last : m.start()]), kept]
        last = m.end()
    return "".join(out) + wrap(html[last:])


def on_page_content(html, page, config, files):
    if not page.file.src_uri.endswith(".md"):
        return html
    return keep_tokens_whole(link_diagrams(html))
