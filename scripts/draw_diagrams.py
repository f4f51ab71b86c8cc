#!/usr/bin/env python3
"""Draw the explanatory diagrams used in the documentation.

The pictures are:

* ``rnn_folded``   -- the recurrent cell with its loop: input ``x_t`` enters the
  hidden state ``h_t`` through ``Wxh``, ``h_t`` feeds itself back through
  ``Whh`` and produces the scores ``y_t`` through ``Why``; a softmax turns the
  scores into the probabilities ``p_t``.
* ``rnn_unfolded`` -- the same network unrolled over the steps ``t-1``, ``t``
  and ``t+1``, starting from ``hprev``, with the same three weight matrices
  reused at every step.
* ``bptt``         -- backpropagation through time on the unrolled chain: the
  output gradients ``dy[t]`` flow down into the hidden states, ``dhnext``
  flows right-to-left from step to step, and the signal fades as it travels
  back.
* ``lstm``         -- the LSTM cell: the four gates computed from ``h_{t-1}``
  and ``x_t``, and the path ``c_{t-1} -> c_t`` (through the forget gate and
  the sum) highlighted, the path along which the gradient survives.
* ``gru``          -- the GRU cell: the update and reset gates and the
  candidate, and the path ``h_{t-1} -> h_t`` through ``z`` highlighted.

Each diagram is written as both PNG and SVG.  Rendering is deterministic
(fixed fonts shipped with matplotlib, glyphs stored as paths, a fixed SVG
hash salt and no timestamps or version strings in the metadata), so running
the script twice produces byte-identical files.

Regenerate the committed images from the repository root with::

    python scripts/draw_diagrams.py            # writes into imgs/
    python scripts/draw_diagrams.py --out DIR  # writes into DIR instead
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Polygon  # noqa: E402
from matplotlib.path import Path as MplPath  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "imgs"
NAMES = ("rnn_folded", "rnn_unfolded", "bptt", "lstm", "gru")
EXTENSIONS = ("png", "svg")

# The committed images in imgs/ were rendered with this matplotlib release.
# Other releases may rasterise a pixel differently, so the test that checks
# imgs/ against a fresh render only runs when the installed version matches.
# After regenerating the images with another release, update this value.
MATPLOTLIB_VERSION = "3.11.2"

# Raster resolution: figures are ~7 inches wide, so PNGs are ~1400 px wide
# and stay sharp when the page shows them at ~700 px.
DPI = 200

# --------------------------------------------------------------------------
# Style (shared by all the diagrams)
# --------------------------------------------------------------------------
C = {
    "bg": "#ffffff",
    "ink": "#1e293b",
    "muted": "#64748b",
    "x_fill": "#e0f2fe",
    "x_edge": "#0284c7",
    "h_fill": "#ede9fe",
    "h_edge": "#7c3aed",
    "y_fill": "#dcfce7",
    "y_edge": "#16a34a",
    "p_fill": "#fef3c7",
    "p_edge": "#d97706",
    "fwd": "#475569",
    "grad": "#dc2626",
    "grad_fill": "#fee2e2",
    "panel": "#f8fafc",
    "panel_edge": "#cbd5e1",
}

LETTERING = {  # every SVG of the book, the diagrams and scripts/figures.py's plots
    "font.family": "DejaVu Sans",
    "mathtext.fontset": "dejavusans",
    "svg.fonttype": "path",  # glyphs as paths: no font needed in the viewer
}

RC = {
    **LETTERING,
    "font.size": 11,
    "svg.hashsalt": "clear-rnn-diagrams",
    "svg.image_inline": True,
    "path.simplify": True,
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "savefig.facecolor": C["bg"],
    "savefig.edgecolor": C["bg"],
    "savefig.transparent": False,
}

PNG_METADATA = {"Software": None}
SVG_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}

MONO = "DejaVu Sans Mono"


# --------------------------------------------------------------------------
# Small drawing toolkit
# --------------------------------------------------------------------------
class Box:
    """A rounded box whose anchor points arrows can attach to."""

    def __init__(self, ax, cx, cy, w, h, label, fill, edge, *,
                 fontsize=15, sub=None, sub_size=8.5, sub_color=None,
                 alpha=1.0, lw=1.8, dashed=False):
        self.cx, self.cy, self.w, self.h = cx, cy, w, h
        patch = FancyBboxPatch(
            (cx - w / 2, cy - h / 2), w, h,
            boxstyle="round,pad=0,rounding_size=0.14",
            facecolor=fill, edgecolor=edge, lw=lw, alpha=alpha,
            linestyle=(0, (4, 2.5)) if dashed else "solid", zorder=3,
        )
        ax.add_patch(patch)
        if sub is None:
            ax.text(cx, cy, label, ha="center", va="center",
                    fontsize=fontsize, color=C["ink"], alpha=alpha, zorder=4)
        else:
            ax.text(cx, cy + h * 0.17, label, ha="center", va="center",
                    fontsize=fontsize, color=C["ink"], alpha=alpha, zorder=4)
            ax.text(cx, cy - h * 0.25, sub, ha="center", va="center",
                    fontsize=sub_size, family=MONO, linespacing=1.25,
                    color=sub_color or C["muted"], alpha=alpha, zorder=4)

    def top(self, dx=0.0):
        return (self.cx + dx, self.cy + self.h / 2)

    def bottom(self, dx=0.0):
        return (self.cx + dx, self.cy - self.h / 2)

    def left(self, dy=0.0):
        return (self.cx - self.w / 2, self.cy + dy)

    def right(self, dy=0.0):
        return (self.cx + self.w / 2, self.cy + dy)


def arrow(ax, a, b, *, color=None, lw=1.8, alpha=1.0, head=11, zorder=2,
          path=None, connectionstyle=None):
    """Straight (or custom-path) arrow whose tip touches ``b`` exactly."""
    kw = dict(
        arrowstyle="-|>,head_length=0.55,head_width=0.3",
        mutation_scale=head, lw=lw, color=color or C["fwd"], alpha=alpha,
        shrinkA=0, shrinkB=0, zorder=zorder, capstyle="butt",
        joinstyle="miter",
    )
    if path is not None:
        patch = FancyArrowPatch(path=path, **kw)
    else:
        if connectionstyle:
            kw["connectionstyle"] = connectionstyle
        patch = FancyArrowPatch(a, b, **kw)
    ax.add_patch(patch)
    return patch


def code(ax, x, y, s, *, size=10, color=None, ha="center", va="center",
         alpha=1.0, weight="normal", bg=None, zorder=5):
    """Text in the monospace font used for names from the code."""
    kw = {}
    if bg is not None:
        kw["bbox"] = dict(boxstyle="round,pad=0.18", fc=bg, ec="none")
    return ax.text(x, y, s, family=MONO, fontsize=size, color=color or C["ink"],
                   ha=ha, va=va, alpha=alpha, fontweight=weight,
                   zorder=zorder, **kw)


def tint(color, amount):
    """Blend ``color`` towards white: 0 keeps it, 1 gives white.

    Used instead of alpha for faint strokes, so that overlapping parts of an
    arrow (shaft and head) do not show darker seams.
    """
    r, g, b = matplotlib.colors.to_rgb(color)
    return (r + (1 - r) * amount, g + (1 - g) * amount, b + (1 - b) * amount)


def canvas(width, height):
    fig = plt.figure(figsize=(width, height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return fig, ax


# --------------------------------------------------------------------------
# 1. The folded cell
# --------------------------------------------------------------------------
def draw_folded():
    W, H = 7.0, 4.9
    fig, ax = canvas(W, H)
    cx = 2.2

    bx = Box(ax, cx, 0.55, 1.05, 0.58, "$x_t$", C["x_fill"], C["x_edge"])
    bh = Box(ax, cx, 2.05, 1.3, 0.78, "$h_t$", C["h_fill"], C["h_edge"],
             fontsize=17)
    by = Box(ax, cx, 3.35, 1.05, 0.58, "$y_t$", C["y_fill"], C["y_edge"])
    bp = Box(ax, cx, 4.4, 1.05, 0.58, "$p_t$", C["p_fill"], C["p_edge"])

    arrow(ax, bx.top(), bh.bottom())
    arrow(ax, bh.top(), by.bottom())
    arrow(ax, by.top(), bp.bottom())

    lx = cx + 0.14
    code(ax, lx, (bx.top()[1] + bh.bottom()[1]) / 2, "Wxh", size=11, ha="left")
    code(ax, lx, (bh.top()[1] + by.bottom()[1]) / 2, "Why", size=11, ha="left")
    ax.text(lx, (by.top()[1] + bp.bottom()[1]) / 2, "softmax", fontsize=10,
            color=C["muted"], ha="left", va="center", style="italic")

    # Side notes: what each box holds.
    for box, note in ((bx, "one-hot input character"),
                      (bh, "hidden state (memory)"),
                      (by, "scores, one per character"),
                      (bp, "next-character probabilities")):
        ax.text(box.cx + box.w / 2 + 0.15, box.cy + 0.07, note, fontsize=8.5,
                color=C["muted"], ha="left", va="center")
    # The small bias terms, under the notes of the boxes they belong to.
    for box, bias in ((bh, "+ bias bh"), (by, "+ bias by")):
        code(ax, box.cx + box.w / 2 + 0.15, box.cy - 0.16, bias, size=8,
             color=C["muted"], ha="left")

    # Self-loop on the left of h: leaves the left side high, re-enters low.
    x0 = bh.cx - bh.w / 2
    ya, yb = bh.cy + 0.2, bh.cy - 0.2
    reach = 1.1
    loop = MplPath(
        [(x0, ya), (x0 - reach, ya + 0.95), (x0 - reach, yb - 0.95), (x0, yb)],
        [MplPath.MOVETO, MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4],
    )
    arrow(ax, None, None, path=loop, color=C["h_edge"], lw=2.0)
    loop_left = x0 - 0.75 * reach  # leftmost point of the cubic curve
    code(ax, loop_left - 0.1, bh.cy, "Whh", size=11, ha="right")
    ax.text((loop_left + x0) / 2 - 0.1, bh.cy - 0.72, "feeds $h_{t-1}$ back",
            fontsize=8.5, color=C["muted"], ha="center", va="center")

    # Equations panel.
    px, pw, py, ph = 4.55, 2.3, 0.85, 1.85
    ax.add_patch(FancyBboxPatch(
        (px, py), pw, ph, boxstyle="round,pad=0,rounding_size=0.1",
        fc=C["panel"], ec=C["panel_edge"], lw=1.0, zorder=1))
    ax.text(px + 0.17, py + ph - 0.24, "one step in code", fontsize=8.5,
            color=C["muted"], ha="left", va="center", fontweight="bold")
    lines = [
        "h = tanh(Wxh @ x",
        "         + Whh @ hprev",
        "         + bh)",
        "y = Why @ h + by",
        "p = softmax(y)",
    ]
    for i, s in enumerate(lines):
        code(ax, px + 0.17, py + ph - 0.56 - i * 0.27, s, size=9, ha="left")

    return fig


# --------------------------------------------------------------------------
# 2. Unrolled over time
# --------------------------------------------------------------------------
STEPS = ("t-1", "t", "t+1")


def _column_boxes(ax, xs, *, y_x, y_h, y_y, h_w=1.0, h_h=0.7, h_sub=None,
                  small=0.52, box_w=0.95):
    """Three columns x -> h -> y, one per time step; returns their boxes."""
    cols = []
    for cxi, s in zip(xs, STEPS):
        bx = Box(ax, cxi, y_x, box_w, small, f"$x_{{{s}}}$", C["x_fill"],
                 C["x_edge"], fontsize=13)
        bh = Box(ax, cxi, y_h, h_w, h_h, f"$h_{{{s}}}$", C["h_fill"],
                 C["h_edge"], fontsize=15, sub=h_sub, sub_size=8.5,
                 sub_color=C["grad"])
        by = Box(ax, cxi, y_y, box_w, small, f"$y_{{{s}}}$", C["y_fill"],
                 C["y_edge"], fontsize=13)
        cols.append((bx, bh, by))
    return cols


def draw_unfolded():
    W, H = 7.4, 4.0
    fig, ax = canvas(W, H)
    xs = (2.5, 4.35, 6.2)
    cols = _column_boxes(ax, xs, y_x=0.9, y_h=2.2, y_y=3.5)

    for bx, bh, by in cols:
        arrow(ax, bx.top(), bh.bottom())
        arrow(ax, bh.top(), by.bottom())
        ymid = (bx.top()[1] + bh.bottom()[1]) / 2
        code(ax, bx.cx + 0.12, ymid, "Wxh", size=10, ha="left")
        ymid = (bh.top()[1] + by.bottom()[1]) / 2
        code(ax, bx.cx + 0.12, ymid, "Why", size=10, ha="left")

    for (_, a, _), (_, b, _) in zip(cols, cols[1:]):
        arrow(ax, a.right(), b.left(), color=C["h_edge"], lw=2.0)
        code(ax, (a.right()[0] + b.left()[0]) / 2, a.cy + 0.1, "Whh",
             size=10, va="bottom")

    # hprev comes in from the left (state carried over from the last chunk).
    h0 = cols[0][1]
    hp = Box(ax, 0.95, h0.cy, 0.8, 0.46, "", C["bg"], C["h_edge"],
             dashed=True, lw=1.4)
    code(ax, hp.cx, hp.cy, "hprev", size=10)
    arrow(ax, hp.right(), h0.left(), color=C["h_edge"], lw=2.0)
    code(ax, (hp.right()[0] + h0.left()[0]) / 2, h0.cy + 0.1, "Whh",
         size=10, va="bottom")
    ax.text(hp.cx, hp.cy - 0.4, "from the\nprevious chunk", fontsize=8,
            color=C["muted"], ha="center", va="top", linespacing=1.15)
    ax.text(hp.cx - hp.w / 2 - 0.2, hp.cy, "…", fontsize=14,
            color=tint(C["h_edge"], 0.5), ha="center", va="center")

    # ... and the chain continues on the right.
    hl = cols[-1][1]
    arrow(ax, hl.right(), (hl.right()[0] + 0.38, hl.cy),
          color=tint(C["h_edge"], 0.5), lw=2.0)
    ax.text(hl.right()[0] + 0.55, hl.cy, "…", fontsize=14,
            color=tint(C["h_edge"], 0.5), ha="center", va="center")

    ax.text(xs[1], 0.3, "the same Wxh, Whh, Why at every step",
            fontsize=9.5, color=C["muted"], ha="center", va="center",
            style="italic")
    return fig


# --------------------------------------------------------------------------
# 3. Backpropagation through time
# --------------------------------------------------------------------------
def _fading_arrow(ax, x_start, x_end, y, color):
    """A leftward arrow that tapers and fades from ``x_start`` to ``x_end``.

    The shape is one polygon filled with a horizontal colour gradient (an
    image clipped to the polygon), so there are no seams between pieces.
    """
    w0, w1, head_w, head_l = 0.05, 0.012, 0.075, 0.17
    xb = x_end + head_l
    shape = Polygon(
        [(x_start, y + w0), (xb, y + w1), (xb, y + head_w), (x_end, y),
         (xb, y - head_w), (xb, y - w1), (x_start, y - w0)],
        closed=True, fc="none", ec="none",
    )
    ax.add_patch(shape)
    n = 256
    ramp = np.linspace(0.0, 1.0, n)  # 0 at the left (faint), 1 at the right
    r, g, b = matplotlib.colors.to_rgb(color)
    faint = 0.88
    mix = faint * (1 - ramp)
    rgb = np.stack([r + (1 - r) * mix, g + (1 - g) * mix, b + (1 - b) * mix],
                   axis=-1)[None, :, :]
    img = ax.imshow(rgb, extent=(x_end, x_start, y - head_w, y + head_w),
                    interpolation="bilinear", zorder=4, aspect="auto")
    img.set_clip_path(shape)


def draw_bptt():
    W, H = 7.55, 5.0
    fig, ax = canvas(W, H)
    xs = (2.0, 4.35, 6.7)
    cols = _column_boxes(ax, xs, y_x=0.95, y_h=2.4, y_y=3.9,
                         h_w=1.3, h_h=1.05,
                         h_sub="dhraw =\n(1 - h*h) * dh")
    ax.set_xlim(0, W)  # imshow would otherwise reset the limits
    ax.set_ylim(0, H)

    faint = dict(color=tint(C["fwd"], 0.68), lw=1.6)
    grad = dict(color=C["grad"], lw=2.6, head=13, zorder=4)
    off = 0.2

    # Forward pass, faint: x -> h, h -> y, h -> h.
    for bx, bh, by in cols:
        arrow(ax, bx.top(), bh.bottom(), **faint)
        arrow(ax, bh.top(off), by.bottom(off), **faint)
    for (_, a, _), (_, b, _) in zip(cols, cols[1:]):
        arrow(ax, a.right(0.18), b.left(0.18), **faint)

    # Backward pass, bold: dy[t] comes down from every output into its h ...
    for (_, bh, by), s in zip(cols, STEPS):
        arrow(ax, by.bottom(-off), bh.top(-off), **grad)
        ymid = (bh.top()[1] + by.bottom()[1]) / 2
        code(ax, bh.cx - off - 0.1, ymid, f"dy[{s}]", size=9.5,
             color=C["grad"], ha="right", weight="bold")

    # ... and dhnext flows right-to-left between the hidden states.
    y_back = -0.26
    for (_, a, _), (_, b, _) in zip(cols, cols[1:]):
        arrow(ax, b.left(y_back), a.right(y_back), **grad)
        code(ax, (a.right()[0] + b.left()[0]) / 2, a.cy + y_back - 0.14,
             "dhnext =\nWhh.T @ dhraw", size=8.5, color=C["grad"],
             va="top").set_linespacing(1.25)

    # Before the first step the gradient keeps going, ever weaker.
    h0 = cols[0][1]
    _fading_arrow(ax, h0.left()[0], 0.2, h0.cy + y_back, C["grad"])
    ax.text((h0.left()[0] + 0.2) / 2, h0.cy + y_back - 0.22,
            "shrinks as it\ntravels back", fontsize=8.5,
            color=tint(C["grad"], 0.25), ha="center", va="top",
            linespacing=1.2)

    # Top: where dy comes from, and how the two incoming gradients combine.
    code(ax, xs[1], H - 0.28, "dy[t] = p[t] - onehot(target)", size=10.5,
         color=C["grad"], weight="bold")
    code(ax, xs[1], H - 0.56, "dh = Why.T @ dy[t] + dhnext", size=9.5,
         color=C["grad"])

    # Legend.
    ly = 0.3
    lx = 1.65
    arrow(ax, (lx, ly), (lx + 0.55, ly), **faint)
    ax.text(lx + 0.68, ly, "forward pass", fontsize=9, color=C["muted"],
            ha="left", va="center")
    lx2 = 4.05
    arrow(ax, (lx2 + 0.55, ly), (lx2, ly), **grad)
    ax.text(lx2 + 0.68, ly, "gradient (backward pass)", fontsize=9,
            color=C["grad"], ha="left", va="center")
    return fig


# --------------------------------------------------------------------------
# 4. and 5. The gated cells, with the path along which the gradient survives
# --------------------------------------------------------------------------
def _op(ax, cx, cy, sign, *, edge=None, r=0.2):
    """A small circle holding an elementwise operation (x or +)."""
    ax.add_patch(matplotlib.patches.Circle((cx, cy), r, fc=C["bg"], ec=edge or C["fwd"],
                                           lw=1.8, zorder=3))
    ax.text(cx, cy, sign, fontsize=14, color=C["ink"], ha="center", va="center", zorder=4)


def _gate(ax, cx, cy, name, fn):
    return Box(ax, cx, cy, 0.78, 0.62, name, C["y_fill"], C["y_edge"], fontsize=13,
               sub=fn, sub_size=8)


def _bus(ax, y, x0, x1, gates, h_from, x_box, label):
    """The line that carries h_{t-1} and x_t into every gate, one arrow up into each."""
    ax.plot([x0, x1], [y, y], color=C["fwd"], lw=1.6, solid_capstyle="butt", zorder=2)
    for g in gates:
        arrow(ax, (g.cx, y), g.bottom())
    ax.plot([h_from[0], h_from[0]], [h_from[1], y], color=C["fwd"], lw=1.6, zorder=2)
    ax.plot([x_box.cx, x_box.cx], [x_box.top()[1], y], color=C["fwd"], lw=1.6, zorder=2)
    code(ax, x1, y - 0.2, label, size=8.5, color=C["muted"], ha="right", va="top")


GATED_W, GATED_H, GATED_TOP = 7.6, 5.2, 4.15


def _gated(state):
    """A gated cell's canvas, and the boxes of the state it carries along its top path."""
    fig, ax = canvas(GATED_W, GATED_H)
    prev = Box(ax, 0.7, GATED_TOP, 0.95, 0.58, f"${state}_{{t-1}}$", C["grad_fill"], C["grad"],
               fontsize=13)
    new = Box(ax, 6.85, GATED_TOP, 0.95, 0.58, f"${state}_t$", C["grad_fill"], C["grad"], fontsize=13)
    return fig, ax, prev, new


def _top_path(ax, prev, keep, add, new, label, shift):
    """The carried state's path, prev -> × at keep -> + at add -> new: the gradient's way back."""
    y, hot = GATED_TOP, dict(color=C["grad"], lw=3.0, head=14, zorder=2)
    arrow(ax, prev.right(), (keep - 0.2, y), **hot)
    arrow(ax, (keep + 0.2, y), (add - 0.2, y), **hot)
    arrow(ax, (add + 0.2, y), new.left(), **hot)
    x = (add + new.left()[0]) / 2 + shift
    code(ax, x, y + 0.5, label, size=9, color=C["grad"], weight="bold")
    ax.text(x, y + 0.25, "no matrix, no tanh slope", fontsize=8.5, color=tint(C["grad"], 0.2),
            ha="center", va="center")


def draw_lstm():
    W = GATED_W
    yc, yg, ybus = GATED_TOP, 2.25, 1.2
    fig, ax, c_prev, c_next = _gated("c")
    h_prev = Box(ax, 0.7, 2.25, 0.95, 0.58, "$h_{t-1}$", C["h_fill"], C["h_edge"], fontsize=13)
    h_next = Box(ax, 6.85, yg, 0.95, 0.58, "$h_t$", C["h_fill"], C["h_edge"], fontsize=13)
    x_in = Box(ax, 1.55, 0.45, 0.85, 0.5, "$x_t$", C["x_fill"], C["x_edge"], fontsize=13)
    f = _gate(ax, 2.1, yg, "$f_t$", "σ")
    i = _gate(ax, 3.05, yg, "$i_t$", "σ")
    g = _gate(ax, 4.0, yg, "$g_t$", "tanh")
    o = _gate(ax, 4.95, yg, "$o_t$", "σ")
    xf, xsum, xout = 2.1, 3.55, 5.85
    _op(ax, xf, yc, "×", edge=C["grad"])
    _op(ax, xsum, yc, "+", edge=C["grad"])
    _op(ax, xsum, 3.2, "×")
    _op(ax, xout, yg, "×")
    tanh_c = Box(ax, xout, 3.2, 0.62, 0.4, "", C["bg"], C["fwd"], lw=1.4)
    code(ax, xout, 3.2, "tanh", size=8.5)

    # The cell path: c_{t-1} -> x f -> + -> c_t, the gradient's way back.
    _top_path(ax, c_prev, xf, xsum, c_next, "dc[t-1] = f * dc[t] + ...", shift=0.25)

    # The gates feed the cell path.
    arrow(ax, f.top(), (xf, yc - 0.2))
    arrow(ax, i.top(), (xsum - 0.15, 3.2 - 0.14))
    arrow(ax, g.top(), (xsum + 0.15, 3.2 - 0.14))
    arrow(ax, (xsum, 3.4), (xsum, yc - 0.2))
    # c_t leaves for h_t through tanh and the output gate.
    arrow(ax, (xout, yc), tanh_c.top())
    arrow(ax, tanh_c.bottom(), (xout, yg + 0.2))
    arrow(ax, o.right(), (xout - 0.2, yg))
    arrow(ax, (xout + 0.2, yg), h_next.left())

    _bus(ax, ybus, h_prev.cx, o.cx, [f, i, g, o], h_prev.bottom(), x_in,
         "Wx @ x + Wh @ h[t-1] + b")
    ax.text(W / 2 + 0.4, 0.3, "σ: sigmoid, in (0, 1)    ×, +: elementwise",
            fontsize=8.5, color=C["muted"], ha="center", va="center", style="italic")
    return fig


def draw_gru():
    W = GATED_W
    yh, yg, ybus = GATED_TOP, 2.25, 1.2
    fig, ax, h_prev, h_next = _gated("h")
    x_in = Box(ax, 1.55, 0.45, 0.85, 0.5, "$x_t$", C["x_fill"], C["x_edge"], fontsize=13)
    z = _gate(ax, 2.4, yg, "$z_t$", "σ")
    n = _gate(ax, 4.5, yg, "$n_t$", "tanh")
    r = _gate(ax, 6.2, yg, "$r_t$", "σ")
    xz, xsum = 2.4, 4.5
    _op(ax, xz, yh, "×", edge=C["grad"])
    _op(ax, xsum, yh, "+", edge=C["grad"])
    _op(ax, xsum, 3.2, "×")
    one_minus = Box(ax, 3.45, 3.2, 0.72, 0.4, "", C["bg"], C["fwd"], lw=1.4)
    code(ax, 3.45, 3.2, "1 - z", size=8.5)

    # The state path: h_{t-1} -> x z -> + -> h_t, the gradient's way back.
    _top_path(ax, h_prev, xz, xsum, h_next, "dh[t-1] = z * dh[t] + ...", shift=0.1)

    # z keeps a share of the old state; 1 - z lets in the candidate n.
    arrow(ax, z.top(), (xz, yh - 0.2))
    arrow(ax, (z.right()[0], yg + 0.2), one_minus.left())
    arrow(ax, one_minus.right(), (xsum - 0.2, 3.2))
    arrow(ax, n.top(), (xsum, 3.0))
    arrow(ax, (xsum, 3.4), (xsum, yh - 0.2))
    arrow(ax, r.left(), n.right())
    code(ax, (r.left()[0] + n.right()[0]) / 2, yg + 0.1, "r * (Wh h)", size=7.5,
         color=C["muted"], va="bottom")

    _bus(ax, ybus, 0.7, r.cx, [z, n, r], (0.7, h_prev.bottom()[1]), x_in,
         "Wx @ x + b, Wh @ h[t-1]")
    ax.text(W / 2 + 0.4, 0.3, "σ: sigmoid, in (0, 1)    ×, +: elementwise",
            fontsize=8.5, color=C["muted"], ha="center", va="center", style="italic")
    return fig


DRAWERS = {
    "rnn_folded": draw_folded,
    "rnn_unfolded": draw_unfolded,
    "bptt": draw_bptt,
    "lstm": draw_lstm,
    "gru": draw_gru,
}


def render_all(out_dir: Path) -> list[Path]:
    """Render every diagram as PNG and SVG into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with matplotlib.rc_context(RC):
        for name in NAMES:
            fig = DRAWERS[name]()
            for ext in EXTENSIONS:
                path = out_dir / f"{name}.{ext}"
                meta = PNG_METADATA if ext == "png" else SVG_METADATA
                fig.savefig(path, format=ext, metadata=meta)
                written.append(path)
            plt.close(fig)
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="output directory (default: imgs/ in the repo)")
    args = parser.parse_args(argv)
    if matplotlib.__version__ != MATPLOTLIB_VERSION:
        print(f"note: rendering with matplotlib {matplotlib.__version__}; the "
              f"committed images were made with {MATPLOTLIB_VERSION} "
              "(update MATPLOTLIB_VERSION if you commit these)",
              file=sys.stderr)
    for path in render_all(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
