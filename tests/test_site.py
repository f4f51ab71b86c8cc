"""The documentation site, built and opened in a real browser.

The site is built once with ``mkdocs build --strict`` (notebooks executed),
served from 127.0.0.1, and every page is loaded in headless Chromium (Debian's
``/usr/bin/chromium``, driven by Playwright). For each page, ``check_page``
reports:

* console errors and uncaught exceptions;
* failed requests, and any request to a host other than 127.0.0.1 (the site
  must work offline: no CDN, no web fonts, no API calls);
* images that did not load (``naturalWidth == 0``);
* math left untypeset: pages whose HTML has ``class="arithmatex"`` must show
  MathJax output (``mjx-container``), no TeX may be left raw in math or in
  notebook Markdown, and no MathJax error boxes;
* on notebook pages, at least one rendered figure (a ``data:image`` output).

Every page is also opened 390 px wide, where ``layout_problems`` reports any
displayed equation drawn narrower than its natural width or cut off rather
than scrollable, a page wider than the screen, and a copy button over code;
and in dark mode, where no diagram may be a bright box.

On every page, in both themes, axe-core (WCAG 2.0/2.1 A and AA; scripts/vendor_axe.py fetches it
from npm, pinned by hash) must find no serious or critical violation. Displayed equations are
measured at 1280 and 390 px on every page (all fully visible), and at 360 px over the whole
site (at least 95% fully visible, and any that is cut shows a shadow and scrolls by keyboard). Every block with a Run button is run, page by page (one
Python per page), and must show its verified output; a failure names page:line.

With ``CLEAR_RNN_SCREENSHOTS=1``, the page tests also save full-page screenshots, for a
reader's look, to ``artifacts/screenshots/`` (1280 px, light), ``artifacts/screenshots/390px/``
and ``artifacts/screenshots/dark/``. They are off by default: a full-page screenshot of a long
page costs more than loading and checking it, and no check reads them.
The sabotage tests break the math library, an image, the offline rule and
each of the layout rules on purpose and check that the checks notice.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import json
import os
import posixpath
import re
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from pytest_codeblocks import extract_from_file

from conftest import _is_local, _tab  # the site and browser fixtures live there too

ROOT = Path(__file__).absolute().parents[1]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
TAKE_SCREENSHOTS = os.environ.get("CLEAR_RNN_SCREENSHOTS", "") not in ("", "0")
MATH_TIMEOUT_MS = 15_000
IMAGE_TIMEOUT_MS = 10_000
# A file of the built theme, used as the image in the sabotage page.
PROBE_IMAGE = "assets/images/favicon.png"
MATHJAX_SCRIPT = "javascripts/vendor/mathjax/tex-svg-full.js"


# --- pages, from the nav of mkdocs.yml ---------------------------------------


class _NavLoader(yaml.SafeLoader):
    """Reads mkdocs.yml, ignoring the tags meant for MkDocs (!ENV, !!python/name)."""


_NavLoader.add_multi_constructor("!", lambda loader, suffix, node: None)
_NavLoader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)


def _nav_sources(items) -> list[str]:
    sources = []
    for item in items or []:
        values = item.values() if isinstance(item, dict) else [item]
        for value in values:
            if isinstance(value, list):
                sources += _nav_sources(value)
            elif isinstance(value, str) and "://" not in value:
                sources.append(value)
    return sources


def page_path(source: str) -> str:
    """The URL path (relative to the site root) MkDocs gives a source file."""
    stem = posixpath.splitext(source)[0]
    if posixpath.basename(stem) in ("index", "README"):
        stem = posixpath.dirname(stem)
    return f"{stem}/" if stem else ""


def page_id(path: str) -> str:
    return path.strip("/").replace("/", "-") or "index"


def nav_pages() -> list[str]:
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_NavLoader)
    return [page_path(source) for source in _nav_sources(config.get("nav"))]


def built_pages(site: Path) -> list[str]:
    """Every page of the built site: the directories holding an index.html."""
    paths = (index.parent.relative_to(site).as_posix() for index in site.rglob("index.html"))
    return sorted("" if path == "." else f"{path}/" for path in paths)


PAGES = nav_pages()

# --- the check ----------------------------------------------------------------

_WAIT_FOR_MATHJAX = """async (timeoutMs) => {
  const mj = window.MathJax;
  if (!mj || !mj.startup || !mj.startup.promise) return "absent";
  const timeout = new Promise((resolve) => setTimeout(() => resolve("timeout"), timeoutMs));
  return await Promise.race([mj.startup.promise.then(() => "ready"), timeout]);
}"""

# Raw TeX still visible where MathJax should have typeset it, and MathJax's
# own error boxes (a TeX error, e.g. an undefined macro, renders as merror).
_MATH_LEFTOVERS = r"""() => {
  const problems = [];
  for (const el of document.querySelectorAll(".arithmatex")) {
    if (!el.querySelector("mjx-container")) {
      problems.push("untypeset: " + el.textContent.trim().slice(0, 80));
    }
  }
  // $$, \(, \[, a TeX command (\sum, \begin...) or a $...$ pair left as text.
  const tex = /\$\$|\\\(|\\\[|\\[A-Za-z]+|\$[^$\s][^$]*\$/;
  for (const el of document.querySelectorAll(".jp-RenderedMarkdown, .jp-RenderedLatex")) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT, {
      acceptNode: (node) =>
        node.parentElement.closest("mjx-container, code, pre, script, style")
          ? NodeFilter.FILTER_REJECT
          : NodeFilter.FILTER_ACCEPT,
    });
    let text = "";
    while (walker.nextNode()) text += walker.currentNode.textContent;
    const match = text.match(tex);
    if (match) {
      const at = Math.max(0, match.index - 20);
      problems.push("raw TeX in a notebook cell: ..." + text.slice(at, at + 80).trim() + "...");
    }
  }
  // <mjx-merror> with CHTML output, <g data-mml-node="merror"> with SVG.
  for (const err of document.querySelectorAll('mjx-merror, [data-mml-node="merror"]')) {
    problems.push("MathJax error: " + (err.getAttribute("data-mjx-error") || err.textContent));
  }
  return problems;
}"""

_IMAGES = """async (timeoutMs) => {
  const images = [...document.images];
  for (const img of images) img.loading = "eager";
  const settle = (img) =>
    img.complete
      ? Promise.resolve()
      : new Promise((resolve) => {
          img.addEventListener("load", resolve, { once: true });
          img.addEventListener("error", resolve, { once: true });
        });
  const timeout = new Promise((resolve) => setTimeout(resolve, timeoutMs));
  await Promise.race([Promise.all(images.map(settle)), timeout]);
  return images.map((img) => ({
    src: img.currentSrc || img.src,
    loaded: img.complete && img.naturalWidth > 0,
    figure: img.src.startsWith("data:image/") && !!img.closest(".jp-OutputArea-output"),
  }));
}"""


def check_page(page, url: str, screenshot: Path | None = None) -> list[str]:
    """Load `url` in `page` and return every problem found (empty: all good)."""
    problems: list[str] = []
    requested: list[str] = []

    def on_console(msg):
        if msg.type == "error":
            where = msg.location.get("url", "")
            problems.append(f"console error: {msg.text}" + (f" ({where})" if where else ""))

    def on_pageerror(error):
        problems.append(f"uncaught exception: {error}")

    def on_request(request):
        requested.append(request.url)

    def on_requestfailed(request):
        if _is_local(request.url):
            problems.append(f"request failed: {request.url} ({request.failure})")

    handlers = {
        "console": on_console,
        "pageerror": on_pageerror,
        "request": on_request,
        "requestfailed": on_requestfailed,
    }
    for event, handler in handlers.items():
        page.on(event, handler)
    try:
        response = page.goto(url, wait_until="load")
        if response is None or not response.ok:
            status = response.status if response is not None else "no response"
            return [f"HTTP {status} for {url}"]
        source = response.text()
        # Lazy work after "load" (the search index, MathJax) has settled too.
        page.wait_for_load_state("networkidle")

        # Math. MathJax is a plain script in <body>: by "load" it has run, or
        # it never will.
        state = page.evaluate(_WAIT_FOR_MATHJAX, MATH_TIMEOUT_MS)
        if state == "timeout":
            problems.append("math: MathJax did not finish typesetting")
        if 'class="arithmatex"' in source:
            if state == "absent":
                problems.append("math: the page has math but MathJax is not loaded")
            else:
                try:
                    page.wait_for_selector(
                        "mjx-container", state="attached", timeout=MATH_TIMEOUT_MS
                    )
                except Exception:  # playwright's TimeoutError
                    problems.append(
                        "math: the page has math but no typeset math (mjx-container) "
                        f"appeared within {MATH_TIMEOUT_MS / 1000:.0f} s"
                    )
        problems += [f"math: {p}" for p in page.evaluate(_MATH_LEFTOVERS)]

        # A figure of the prose left as its macro (page_values.py): on pages and in notebooks.
        if "{{ value(" in page.inner_text("article"):
            problems.append("a {{ value(...) }} macro is shown unexpanded")

        # Images, and the figures of notebook pages.
        images = page.evaluate(_IMAGES, IMAGE_TIMEOUT_MS)
        problems += [f"image not loaded: {img['src'][:120]}" for img in images if not img["loaded"]]
        if "/notebooks/" in urlparse(url).path:
            if not any(img["figure"] and img["loaded"] for img in images):
                problems.append("notebook: no rendered figure (data:image output) on the page")

        if screenshot is not None and TAKE_SCREENSHOTS:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
    finally:
        for event, handler in handlers.items():
            page.remove_listener(event, handler)

    problems += [f"request to another host: {u}" for u in requested if not _is_local(u)]
    return problems


# Layout on a small screen. A displayed equation must be drawn at its natural
# size (MathJax gives the SVG's width and height in ex; the rendered height
# gives the ex), and whatever holds it must scroll rather than cut it off.
_LAYOUT = r"""() => {
  const problems = [];
  const tex = new Map();
  for (const item of (window.MathJax?.startup?.document?.math || [])) {
    if (item.display && item.typesetRoot) tex.set(item.typesetRoot, item.math.trim());
  }
  const name = (c) => (tex.get(c) || c.textContent).slice(0, 60);
  const clipper = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== "visible") return a;
    }
    return null;
  };
  for (const c of document.querySelectorAll('mjx-container[display="true"]')) {
    const svg = c.querySelector(":scope > svg");
    if (!svg) continue;
    const r = svg.getBoundingClientRect();
    const natural = (parseFloat(svg.getAttribute("width")) * r.height) / parseFloat(svg.getAttribute("height"));
    if (!(r.width >= 0.98 * natural)) {
      problems.push(`equation drawn ${Math.round(r.width)} px wide of its ${Math.round(natural)}: ${name(c)}`);
    }
    const box = clipper(svg);
    const scrolls = box && ["auto", "scroll"].includes(getComputedStyle(box).overflowX);
    if (box && !scrolls && r.right > box.getBoundingClientRect().right + 1) {
      problems.push(`equation cut off, not scrollable: ${name(c)}`);
    }
  }
  // A diagram drawn smaller than its size opens full size when tapped.
  for (const img of document.querySelectorAll('img[src*="imgs/"]')) {
    const shrunk = img.getBoundingClientRect().width < 0.99 * img.naturalWidth;
    if (shrunk && !img.closest("a[href]")) {
      problems.push(`diagram shrunk with no full-size link: ${img.getAttribute("src")}`);
    }
  }
  const extra = document.documentElement.scrollWidth - window.innerWidth;
  if (extra > 1) problems.push(`the page is ${extra} px wider than the screen`);
  // Copy buttons, and the box their code scrolls in: the theme's code blocks, notebook cells.
  const buttons = [
    ...[...document.querySelectorAll("pre > .md-code__nav")].map((b) => [b, b.parentElement.querySelector(":scope > code")]),
    ...[...document.querySelectorAll(".zeroclipboard-container")].map((b) => [b, b.parentElement.querySelector(".highlight-ipynb")]),
  ];
  for (const [button, code] of buttons) {
    if (!code || !button.getBoundingClientRect().width) continue;
    const textRight = code.getBoundingClientRect().right - parseFloat(getComputedStyle(code).borderRightWidth);
    if (textRight > button.getBoundingClientRect().left + 0.5) {
      problems.push(`the copy button covers code: ${code.textContent.trim().slice(0, 60)}`);
    }
  }
  return problems;
}"""


def layout_problems(page) -> list[str]:
    """Equations, page width and copy buttons on the page as loaded (see _LAYOUT)."""
    return page.evaluate(_LAYOUT)


DIAGRAMS = 'img[src*="imgs/"]'
MAX_DIAGRAM_BRIGHTNESS = 0.5  # mean of the pixels, 0 black to 1 white


def bright_diagrams(page) -> list[str]:
    """The diagrams (drawn on white) that show as bright boxes on the page, in its scheme."""
    from PIL import Image, ImageStat

    problems = []
    for i in range(page.locator(DIAGRAMS).count()):
        diagram = page.locator(DIAGRAMS).nth(i)
        diagram.scroll_into_view_if_needed()
        image = Image.open(io.BytesIO(diagram.screenshot())).convert("L")
        brightness = ImageStat.Stat(image).mean[0] / 255
        if brightness > MAX_DIAGRAM_BRIGHTNESS:
            src = diagram.get_attribute("src")
            problems.append(f"diagram {src} is a bright box in dark mode ({brightness:.0%} bright)")
    return problems


# Every displayed equation, fully visible or not at the page's width: its drawing
# inside both the box it scrolls in and the column of text. One that is not must
# show that it scrolls (a shadow at the cut edge, drawn as a background of its
# scroll box) and take the keyboard's focus, so that the arrow keys scroll it.
_EQUATIONS = r"""() => {
  const tex = new Map();
  for (const item of (window.MathJax?.startup?.document?.math || [])) {
    if (item.display && item.typesetRoot) tex.set(item.typesetRoot, item.math.trim());
  }
  const column = document.querySelector(".md-content__inner").getBoundingClientRect();
  return [...document.querySelectorAll('mjx-container[display="true"]')].map((c) => {
    const r = c.querySelector(":scope > svg").getBoundingClientRect();
    const box = c.getBoundingClientRect();
    const style = getComputedStyle(c);
    return {
      tex: (tex.get(c) || c.textContent).slice(0, 70),
      visible: r.left >= Math.max(box.left, column.left) - 1 && r.right <= Math.min(box.right, column.right) + 1,
      shadow: style.backgroundImage.includes("gradient"),
      keyboard: c.tabIndex >= 0 && ["auto", "scroll"].includes(style.overflowX),
    };
  });
}"""
SMALLEST_WIDTH, SMALLEST_WIDTH_VISIBLE = 360, 0.95  # the share fully visible there, at least


def equations(page) -> list[dict]:
    """The displayed equations of the loaded page (see _EQUATIONS)."""
    return page.evaluate(_EQUATIONS)


def equations_cut(page) -> list[str]:
    """The displayed equations of the loaded page that are not fully visible."""
    return [f"equation not fully visible: {e['tex']}" for e in equations(page) if not e["visible"]]


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_FAILS_ON = ("serious", "critical")


@functools.cache
def _axe_source() -> str:
    """axe-core, from npm, checked against its pinned hashes (scripts/vendor_axe.py)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import vendor_axe

    try:
        return vendor_axe.ensure().read_text(encoding="utf-8")
    except vendor_axe.VendorError as exc:
        pytest.fail(f"axe-core: {exc}", pytrace=False)


_AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map((v) => ({id: v.id, impact: v.impact, nodes: v.nodes.map(
    (n) => n.target.join(" ") + ": " + n.failureSummary.split("\\n").slice(1).join(" ").trim())}));
}"""


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.0/2.1 A and AA violations on the loaded page, every impact."""
    page.add_script_tag(content=_axe_source())
    return page.evaluate(_AXE_RUN, AXE_TAGS)


def accessibility_problems(page) -> list[str]:
    """The serious and critical axe-core violations, one line per element."""
    return [
        f"axe {v['id']} ({v['impact']}): {node[:200]}"
        for v in axe_violations(page)
        if v["impact"] in AXE_FAILS_ON
        for node in v["nodes"]
    ]


# --- tests ---------------------------------------------------------------------


def test_site_builds_strict(site: Path):
    assert (site / "index.html").is_file()
    assert (site / "sitemap.xml").is_file()


def test_every_built_page_is_checked(site: Path):
    """The pages checked below (the nav) are exactly the pages the build produced."""
    assert sorted(PAGES) == built_pages(site)


def test_no_cdn_in_sources():
    """Neither the config nor any page source names a CDN."""
    cdn = re.compile(r"cdn\.|cdnjs|unpkg\.com|jsdelivr|googleapis|polyfill\.io", re.I)
    sources = [ROOT / "mkdocs.yml"]
    sources += [
        p
        for p in (ROOT / "docs").rglob("*")
        if p.suffix in (".md", ".ipynb", ".html", ".css", ".js") and "vendor" not in p.parts
    ]
    offenders = [str(p.relative_to(ROOT)) for p in sources if cdn.search(p.read_text("utf-8"))]
    assert offenders == []


def broken_diagram_links(tab) -> list[str]:
    """The full-size links of the loaded page's diagrams that do not load."""
    hrefs = tab.eval_on_selector_all("a.diagram-link", "links => links.map((a) => a.href)")
    return [f"a diagram's full-size link is broken: {href}" for href in hrefs if not tab.request.get(href).ok]


def problems_of(tab, url: str, screenshot: Path, *checks) -> str:
    """Every problem of the page at `url`: check_page's, then each check's, one a line."""
    problems = check_page(tab, url, screenshot)
    for check in checks:
        problems += check(tab)
    return "\n".join(problems)


@pytest.mark.parametrize("path", PAGES, ids=page_id)
def test_page(site: Path, page, base_url: str, path: str):
    shot = SCREENSHOTS / f"{page_id(path)}.png"
    assert problems_of(page, base_url + path, shot, accessibility_problems, equations_cut) == ""


@pytest.mark.parametrize("path", PAGES, ids=page_id)
def test_page_on_a_phone(site: Path, phone, base_url: str, path: str):
    shot = SCREENSHOTS / "390px" / f"{page_id(path)}.png"
    checks = layout_problems, equations_cut, broken_diagram_links
    assert problems_of(phone, base_url + path, shot, *checks) == ""


@pytest.mark.parametrize("path", PAGES, ids=page_id)
def test_page_in_dark_mode(site: Path, dark, base_url: str, path: str):
    shot = SCREENSHOTS / "dark" / f"{page_id(path)}.png"
    assert problems_of(dark, base_url + path, shot, bright_diagrams, accessibility_problems) == ""


def test_equations_fit_the_smallest_screen(site: Path, browser, base_url: str):
    """At 360 px nearly all displayed equations are fully visible; one that is not shows that it
    scrolls, and scrolls by keyboard. (At 390 and 1280 px the page tests above want all of them.)"""
    width = SMALLEST_WIDTH
    context, tab = _tab(browser, {"width": width, "height": 844}, "light")
    found = []
    try:
        for path in PAGES:
            tab.goto(base_url + path, wait_until="load")
            tab.evaluate(_WAIT_FOR_MATHJAX, MATH_TIMEOUT_MS)
            found += [dict(e, page=path) for e in equations(tab)]
    finally:
        context.close()
    cut = [e for e in found if not e["visible"]]
    print(f"{width} px: {len(found) - len(cut)} of {len(found)} displayed equations fully visible")
    hidden = [f"{e['page']}: {e['tex']}" for e in cut if not (e["shadow"] and e["keyboard"])]
    assert hidden == [], "cut off, with no shadow or no keyboard scrolling:\n" + "\n".join(hidden)
    assert len(found) - len(cut) >= SMALLEST_WIDTH_VISIBLE * len(found), "\n".join(
        f"{e['page']}: {e['tex']}" for e in cut
    )


# --- the guard works: break things on purpose ------------------------------------

def test_a_cut_equation_with_no_sign_that_it_scrolls_is_reported(site: Path, browser, base_url: str):
    context, tab = _tab(browser, {"width": 320, "height": 844}, "light")
    try:
        tab.goto(base_url + "gru/", wait_until="load")
        tab.evaluate(_WAIT_FOR_MATHJAX, MATH_TIMEOUT_MS)
        tab.wait_for_timeout(300)  # scrolling.js marks the boxes that scroll
        cut = [e for e in equations(tab) if not e["visible"]]
        assert cut and all(e["shadow"] and e["keyboard"] for e in cut), "the control: 320 px cuts some"
        tab.add_style_tag(content='.md-typeset mjx-container[display="true"] { background: none !important; }')
        assert not any(e["shadow"] for e in equations(tab) if not e["visible"])
    finally:
        context.close()


def test_an_equation_wider_than_a_phone_is_reported(site: Path, phone, base_url: str):
    assert check_page(phone, base_url + "cell/") == []
    assert equations_cut(phone) == [], "the control: at 390 px every equation of the page fits"
    phone.add_style_tag(content='mjx-container[display="true"] > svg { min-width: 800px !important; }')
    assert any(p.startswith("equation not fully visible: ") for p in equations_cut(phone))


def test_an_inaccessible_page_is_reported(site: Path, page, base_url: str):
    assert check_page(page, base_url + "cell/") == []
    assert accessibility_problems(page) == [], "the control: the page as built passes"
    page.evaluate(
        """() => { const p = document.createElement("p"); p.textContent = "faint text";
        p.style.color = "#ccc"; document.querySelector("article").append(p); }"""
    )
    assert any(p.startswith("axe color-contrast (serious): ") for p in accessibility_problems(page))



_PROBE_ID = "sabotage-probe"


@pytest.fixture
def probe_url(site: Path, base_url: str) -> str:
    """A copy of the home page with a formula and an image added to its article.

    It sits next to index.html, so its relative links to the theme still work,
    and it is not an index.html, so it is not a page of the site.
    """
    html = (site / "index.html").read_text(encoding="utf-8")
    probe = (
        f'<p id="{_PROBE_ID}"><span class="arithmatex">\\(h_t = \\tanh(W_{{hh}} h_{{t-1}})\\)'
        f'</span> <img src="{PROBE_IMAGE}" alt="probe"></p>'
    )
    marker = re.search(r'<article class="md-content__inner[^"]*">', html)
    assert marker, "the theme's <article> was not found in index.html"
    html = html[: marker.end()] + probe + html[marker.end() :]
    (site / "sabotage-probe.html").write_text(html, encoding="utf-8")
    return base_url + "sabotage-probe.html"


def test_probe_page_passes_untouched(probe_url: str, page):
    """The control: unbroken, the probe page has typeset math and its image."""
    assert check_page(page, probe_url) == []
    assert page.locator(f"#{_PROBE_ID} mjx-container").count() == 1


@pytest.mark.parametrize(
    "what, pattern, expected",
    [
        ("math library", f"**/{MATHJAX_SCRIPT}", "math: the page has math but"),
        ("image", f"**/{PROBE_IMAGE}", "image not loaded: "),
    ],
)
def test_sabotage_is_reported(probe_url: str, page, what, pattern, expected):
    page.route(pattern, lambda route: route.abort())
    problems = check_page(page, probe_url)
    assert any(p.startswith(expected) for p in problems), problems
    assert any(p.startswith("request failed:") for p in problems), (what, problems)


def _probe_variant(site: Path, probe_url: str, name: str, old: str, new: str) -> str:
    """A copy of the probe page with `old` replaced by `new`; returns its URL."""
    html = (site / "sabotage-probe.html").read_text(encoding="utf-8")
    assert old in html
    (site / f"sabotage-{name}.html").write_text(html.replace(old, new, 1), encoding="utf-8")
    return probe_url.replace("sabotage-probe", f"sabotage-{name}")


def test_request_to_another_host_is_reported(probe_url: str, page, site: Path):
    script = '<script src="https://cdn.example.com/library.js"></script>'
    url = _probe_variant(site, probe_url, "remote", "</head>", script + "</head>")
    problems = check_page(page, url)
    assert "request to another host: https://cdn.example.com/library.js" in problems, problems


def test_tex_error_is_reported(probe_url: str, page, site: Path):
    url = _probe_variant(site, probe_url, "tex", r"\tanh(W_{hh}", r"\notacommand(W_{hh}")
    problems = check_page(page, url)
    assert any(p.startswith("math: MathJax error:") for p in problems), problems


# --- Run buttons: the in-place blocks run in the browser ------------------------
#
# docs/javascripts/run.js runs a block in Pyodide, served by the site itself
# (docs/overrides/hooks/run_in_browser.py). The page fixture refuses every
# request off 127.0.0.1, so these runs are offline.

RUN_TIMEOUT_MS = 240_000  # the first run loads Python and NumPy; a loaded CI machine is slow
# A page whose blocks are run by hand: the first block with an output fence is edited
# (the edit and a line only the edited block prints), made to raise (an edit and the
# exception), and made to read a file that no page names.
EDITED_PAGE = "initialization.md"
EDIT = ("[0.01, 0.1, 1.0]", "[0.01, 0.1, 1.0, 3.0]"), "  3.0   "
BREAKAGE = ("[0.01, 0.1, 1.0]", "[0.1, 1.0]"), "KeyError: 0.01"
UNNAMED_FILE = "data/runs/batch-128.jsonl"  # shipped with the package, read by no page


def in_place_blocks(source: str) -> list:
    """The ```python blocks of docs/<source> that pytest-codeblocks runs in place."""
    return [b for b in extract_from_file(ROOT / "docs" / source) if b.syntax == "python"]


RUN_SOURCES = [s for s in _nav_sources(yaml.load(
    (ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_NavLoader).get("nav"))
    if s.endswith(".md") and in_place_blocks(s)]


class RunBar:
    """The Run bar of the `index`-th block with a Run button on a loaded page."""

    def __init__(self, page, index: int):
        self.index = index
        self.page = page
        self.block = page.locator("div.language-python.highlight[data-run]").nth(index)
        # The bar and the outputs follow the block (the widgets have run bars of their own).
        self.bar = self.block.locator("xpath=following-sibling::div[@class='run-bar'][1]")
        self.status = self.bar.locator(".run-status")

    @classmethod
    def of(cls, page, code: str) -> RunBar:
        """The bar of the block whose code is `code`."""
        codes = page.eval_on_selector_all(
            "div.language-python.highlight[data-run] code", "els => els.map(e => e.textContent)"
        )
        matches = [i for i, text in enumerate(codes) if text.rstrip("\n") == code.rstrip("\n")]
        assert len(matches) == 1, f"{len(matches)} runnable blocks have this code"
        return cls(page, matches[0])

    def run(self) -> str:
        """Clicks Run, waits for the end of the run, returns the status line."""
        from playwright.sync_api import expect

        # A block folded away (an exercise's solution) is opened first, as a reader would.
        self.bar.evaluate(
            "(bar) => { for (let d = bar.closest('details'); d; d = d.parentElement.closest('details'))"
            " d.open = true; }"
        )
        self.bar.get_by_role("button", name="Run this block").click()
        expect(self.status).to_have_text(re.compile(r"^(Ran|Failed|Could)"), timeout=RUN_TIMEOUT_MS)
        return self.status.text_content()

    def output_box(self, stream: str):
        return self.bar.locator(f"xpath=following-sibling::pre[@class='run-{stream}'][1]")

    def output(self, stream: str) -> str:
        return self.output_box(stream).text_content()

    def edit(self, old: str, new: str) -> None:
        editor = self.block.locator("textarea")
        if editor.count() == 0:
            self.bar.get_by_role("button", name="Edit").click()
        code = editor.input_value()
        assert code.count(old) == 1, old
        editor.fill(code.replace(old, new))


# A block that trains for thousands of steps prints losses whose last digits depend on the
# order in which sums are rounded: the browser's NumPy (WebAssembly, without the BLAS that
# verified the output) prints other ones, and so samples other text. Such a block must run and
# print the same loss lines, each number within LOSS_TOLERANCE of the verified one.
# {page: text of the block that marks it}
ROUNDING_DEPENDENT = {page: "model.train_step(inputs, targets, h)" for page in ["training.md", "program.md"]}
LOSS_TOLERANCE = 0.05
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _losses_differ(expected: str, got: str) -> bool:
    def losses(text):
        return [[float(n) for n in _NUMBER.findall(line)] for line in text.splitlines() if line.startswith("step ")]

    want, have = losses(expected), losses(got)
    return not want or len(want) != len(have) or any(
        len(w) != len(h) or any(abs(b - a) > LOSS_TOLERANCE * abs(a) for a, b in zip(w, h))
        for w, h in zip(want, have)
    )


def _differs(expected: str, got: str, ignore_whitespace: bool) -> bool:
    if ignore_whitespace:  # as pytest-codeblocks compares such a block
        expected, got = re.sub(r"\s+", "", expected), re.sub(r"\s+", "", got)
    return expected != got


def run_every_block(page, url: str, source: str) -> tuple[list[str], list[str]]:
    """Clicks Run on every block of the page that has a button, in page order, in the page's
    one interpreter: (what ran, as "page:line seconds", and the failures, each naming page:line)."""
    page.goto(url, wait_until="load")
    blocks = in_place_blocks(source)
    shown = page.locator("div.language-python.highlight:is([data-run], [data-run-skip])")
    assert shown.count() == len(blocks), f"{source}: {shown.count()} blocks shown, {len(blocks)} in place"
    ran, failures, index = [], [], 0
    for i, block in enumerate(blocks):
        if shown.nth(i).get_attribute("data-run") is None:
            continue
        bar, where = RunBar(page, index), f"docs/{source}:{block.lineno}"
        index += 1
        status = bar.run()
        ran.append(f"{where} {status}")
        if not status.startswith("Ran in "):
            failures.append(f"{where}: {status}\n{bar.output('stderr')[-1500:]}")
        elif ROUNDING_DEPENDENT.get(source, "\0") in block.code:
            if _losses_differ(block.expected_output, bar.output("stdout")):
                failures.append(f"{where}: its losses are not within {LOSS_TOLERANCE:.0%} of the verified ones:\n"
                                f"{bar.output('stdout')}\ninstead of\n{block.expected_output}")
        elif block.expected_output is not None and _differs(
            block.expected_output, bar.output("stdout"), block.expected_output_ignore_whitespace
        ):
            failures.append(
                f"{where}: shows\n{bar.output('stdout')}\ninstead of its verified output\n"
                f"{block.expected_output}"
            )
    return ran, failures


@pytest.mark.parametrize("source", RUN_SOURCES, ids=lambda s: s.removesuffix(".md"))
def test_every_block_runs_in_the_browser(site: Path, page, base_url: str, source: str):
    """Run, on every block with a button, shows the output that the tests verify, offline."""
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    ran, failures = run_every_block(page, base_url + page_path(source), source)
    print("\n".join(ran))
    assert failures == [], "\n\n".join(failures)
    assert [u for u in requested if not _is_local(u)] == []


def test_a_failing_block_is_named_by_page_and_line(site: Path, page, base_url: str, monkeypatch):
    """The guard: a block whose output is not its verified output is reported by page:line."""
    blocks = in_place_blocks(EDITED_PAGE)
    first = next(i for i, b in enumerate(blocks) if b.expected_output is not None)
    blocks[first] = dataclasses.replace(blocks[first], expected_output=blocks[first].expected_output + "!\n")
    monkeypatch.setattr(sys.modules[__name__], "in_place_blocks", lambda source: blocks)
    _, failures = run_every_block(page, base_url + page_path(EDITED_PAGE), EDITED_PAGE)
    assert len(failures) == 1, failures
    assert failures[0].startswith(f"docs/{EDITED_PAGE}:{blocks[first].lineno}: shows\n"), failures[0]


def test_an_edited_block_runs(site: Path, page, base_url: str):
    """An edited block runs, reads any data file the package ships, and shows its traceback."""
    block = next(b for b in in_place_blocks(EDITED_PAGE) if b.expected_output is not None)
    requested, console_errors = [], []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda msg: msg.type == "error" and console_errors.append(msg.text))
    page.goto(base_url + page_path(EDITED_PAGE), wait_until="load")
    page.wait_for_load_state("networkidle")
    assert not [u for u in requested if "/pyodide/" in u], "Python loaded before any click"

    bar = RunBar.of(page, block.code)
    (edit, edited_line) = EDIT
    bar.edit(*edit)
    assert bar.run().startswith("Ran in "), bar.output("stderr")
    assert edited_line in bar.output("stdout")

    bar.edit(edit[1], edit[0])
    assert UNNAMED_FILE not in (ROOT / "docs" / EDITED_PAGE).read_text()
    bar.edit("stats, norms = {}, {}", f"print(len(open({UNNAMED_FILE!r}).readlines()))\nstats, norms = {{}}, {{}}")
    assert bar.run().startswith("Ran in "), bar.output("stderr")
    lines = len((ROOT / UNNAMED_FILE).read_text().splitlines())
    assert f"\n{lines}\n" in bar.output("stdout"), bar.output("stdout")

    (breakage, exception) = BREAKAGE
    bar.edit(*breakage)
    assert bar.run().startswith("Failed after ")
    traceback = bar.output("stderr")
    assert traceback.startswith("Traceback (most recent call last):\n"), traceback
    assert 'File "<block>", line ' in traceback and exception in traceback, traceback
    assert bar.block.locator("textarea").is_visible()

    bar.bar.get_by_role("button", name="Reset").click()
    assert bar.block.locator("textarea").count() == 0
    assert bar.block.locator("pre").is_visible()
    assert bar.output("stderr") == ""

    assert [u for u in requested if not _is_local(u)] == []
    assert console_errors == []


def test_every_in_place_block_runs_or_says_why_not(site: Path):
    """Each in-place ```python block has a Run bar, or a note saying why it has none."""
    for source in (p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").glob("*.md")):
        html = (site / page_path(source) / "index.html").read_text(encoding="utf-8")
        runnable = html.count('<div class="language-python highlight" data-run ')
        skipped = html.count('<div class="language-python highlight" data-run-skip>')
        notes = html.count('<p class="run-note">Runs only in a local install: ')
        assert (runnable + skipped, notes) == (len(in_place_blocks(source)), skipped), source
    manifest = json.loads((site / "pyodide" / "manifest.json").read_text())
    assert "missing" not in manifest


def test_a_run_that_never_ends_can_be_stopped(site: Path, page, base_url: str):
    """Stop ends a runaway block; the next Run starts Python again and works."""
    from playwright.sync_api import expect

    block = next(b for b in in_place_blocks(EDITED_PAGE) if b.expected_output is not None)
    page.goto(base_url + page_path(EDITED_PAGE), wait_until="load")
    bar = RunBar.of(page, block.code)
    bar.edit("stats, norms = {}, {}", "while True:\n    pass")
    bar.bar.get_by_role("button", name=re.compile("Run")).click()
    expect(bar.status).to_have_text(re.compile(r"^Running"), timeout=RUN_TIMEOUT_MS)
    bar.bar.get_by_role("button", name="Stop").click()
    expect(bar.status).to_have_text(re.compile(r"^Stopped after "))
    bar.bar.get_by_role("button", name="Reset").click()
    assert bar.run().startswith("Ran in "), bar.output("stderr")
    assert bar.output("stdout") == block.expected_output


def _tab_to(page, selector: str, limit: int = 300) -> bool:
    """Presses Tab until the focused element matches `selector`; whether it got there."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector):
            return True
    return False


# The focused element is drawn with a ring: an outline or a box shadow.
_FOCUS_RING = """() => {
  const s = getComputedStyle(document.activeElement);
  return (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 1) || s.boxShadow !== "none";
}"""


def test_run_edit_reset_and_stop_work_from_the_keyboard(site: Path, page, base_url: str):
    """Tab reaches each button, which shows a focus ring and answers Enter; output is announced."""
    from playwright.sync_api import expect

    block = next(b for b in in_place_blocks(EDITED_PAGE) if b.expected_output is not None)
    page.goto(base_url + page_path(EDITED_PAGE), wait_until="load")
    bar = RunBar.of(page, block.code)
    bar.block.locator("pre").focus()  # the code just above the bar, then Tab

    assert _tab_to(page, ".run-button"), "Tab never reached a Run button"
    assert page.evaluate("() => document.activeElement.textContent") == "▶ Run"
    assert page.evaluate(_FOCUS_RING), "the focused Run button shows no focus ring"
    page.keyboard.press("Enter")
    expect(bar.status).to_have_text(re.compile(r"^Ran in "), timeout=RUN_TIMEOUT_MS)
    assert bar.output("stdout") == block.expected_output
    stdout = bar.output_box("stdout")
    assert stdout.get_attribute("aria-live") == "polite" and bar.status.get_attribute("role") == "status"

    page.keyboard.press("Tab")  # Stop is hidden between runs: Edit is next
    assert page.evaluate("() => document.activeElement.textContent") == "Edit"
    assert page.evaluate(_FOCUS_RING)
    page.keyboard.press("Enter")
    editor = bar.block.locator("textarea")
    expect(editor).to_be_focused()
    editor.fill("while True:\n    pass")
    page.keyboard.press("Control+Enter")  # runs the edited block
    expect(bar.status).to_have_text(re.compile(r"^Running"), timeout=RUN_TIMEOUT_MS)
    bar.bar.get_by_role("button", name="Run this block").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Stop"
    assert page.evaluate(_FOCUS_RING)
    page.keyboard.press("Enter")
    expect(bar.status).to_have_text(re.compile(r"^Stopped after "))

    bar.bar.get_by_role("button", name="Run this block").focus()
    page.keyboard.press("Tab")  # Edit is hidden while the block is edited: Reset is next
    assert page.evaluate("() => document.activeElement.textContent") == "Reset"
    assert page.evaluate(_FOCUS_RING)
    page.keyboard.press("Enter")
    assert editor.count() == 0 and bar.block.locator("pre").is_visible()


def test_the_theme_toggle_works_from_the_keyboard(site: Path, page, base_url: str):
    page.goto(base_url, wait_until="load")
    before = page.evaluate("() => document.body.dataset.mdColorScheme")
    assert _tab_to(page, "input[name='__palette']"), "Tab never reached the theme toggle"
    # The radio button itself is hidden: its label, the icon shown, draws the ring.
    assert page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement.nextElementSibling);"
        " return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1; }"
    ), "the focused theme toggle shows no focus ring"
    page.keyboard.press("Enter")
    after = page.evaluate("() => document.body.dataset.mdColorScheme")
    assert {before, after} == {"default", "slate"}, (before, after)


@pytest.mark.parametrize(
    "path, css, expected",
    [
        pytest.param(
            "cell/",
            'mjx-container[display="true"] > svg { max-width: 100% !important; }',
            "equation drawn ",
            id="equations capped at the column width",
        ),
        pytest.param(
            "cell/",
            'div.arithmatex, mjx-container[display="true"] { overflow: hidden !important; }'
            ' mjx-container[display="true"] { max-width: 6rem !important; }',
            "equation cut off, not scrollable: ",
            id="equations in boxes that cannot scroll",
        ),
        pytest.param(
            "cell/",
            ".md-typeset__scrollwrap { overflow: visible !important; }",
            "the page is ",
            id="tables that do not scroll",
        ),
        pytest.param(
            "",
            "SCRIPT:document.querySelectorAll('a.diagram-link').forEach((a) => a.replaceWith(...a.childNodes))",
            "diagram shrunk with no full-size link: ",
            id="diagrams without their full-size link",
        ),
        pytest.param(
            "",
            "pre > code.md-code__content { border-right-width: 0 !important; }",
            "the copy button covers code: ",
            id="code running under the copy button",
        ),
        pytest.param(
            "notebooks/training/",
            ".highlight-ipynb { border-right-width: 0 !important; }",
            "the copy button covers code: ",
            id="notebook code running under the copy button",
        ),
    ],
)
def test_layout_sabotage_is_reported(site: Path, phone, base_url: str, path, css, expected):
    assert check_page(phone, base_url + path) == []
    assert layout_problems(phone) == [], "the control: the page as built passes"
    if css.startswith("SCRIPT:"):
        phone.evaluate(f"() => {{ {css.removeprefix('SCRIPT:')} }}")
    else:
        phone.add_style_tag(content=css)
    problems = layout_problems(phone)
    assert any(p.startswith(expected) for p in problems), problems


def test_a_bright_diagram_is_reported(site: Path, dark, base_url: str):
    assert check_page(dark, base_url) == []
    assert bright_diagrams(dark) == [], "the control: the page as built passes"
    dark.add_style_tag(content=f"{DIAGRAMS} {{ filter: none !important; }}")
    assert len(bright_diagrams(dark)) == dark.locator(DIAGRAMS).count() > 0


# --- notebooks: run by `mkdocs build`, shown unrun by `mkdocs serve` ------------


@pytest.mark.parametrize(
    "command, env, runs",
    [("build", "", True), ("gh-deploy", "", True), ("serve", "", False), ("serve", "1", True)],
)
def test_only_a_plain_serve_leaves_the_notebooks_unrun(monkeypatch, command, env, runs):
    """`mkdocs serve` answers in seconds; every build runs the notebooks and fails on an error."""
    from mkdocs.config import load_config

    monkeypatch.setenv("CLEAR_RNN_RUN_NOTEBOOKS", env)
    monkeypatch.delenv("MKDOCS_JUPYTER_CACHE", raising=False)
    config = load_config(str(ROOT / "mkdocs.yml"))
    config.plugins.on_startup(command=command, dirty=False)
    config = config.plugins.on_config(config)
    jupyter = config.plugins["mkdocs-jupyter"].config
    assert (jupyter["execute"], jupyter["allow_errors"]) == (runs, False)
    assert jupyter["cache"] is (not runs)  # the cache's key leaves out rnn/, which a run depends on
