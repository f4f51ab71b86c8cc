"""Draw the pages' figures from the pages' own code and from the recorded runs in data/runs/.

    python scripts/figures.py          # writes every figure into imgs/
    python scripts/figures.py NAME...  # only these

A figure of a page's measurement runs that page's block (scripts/page_values.py) and plots its
variables; a figure of an experiment reads the log `python scripts/experiments.py NAME` wrote.
The SVGs are drawn on a white card, legible in the site's light and dark modes alike.
"""

import argparse
import json
import sys
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "imgs"  # served as docs/imgs, a link to it
RUNS = ROOT / "data" / "runs"

sys.path.insert(0, str(ROOT / "scripts"))
import page_values  # noqa: E402
from draw_diagrams import LETTERING  # noqa: E402

INK, MUTED, GRID = "#1e293b", "#64748b", "#e2e8f0"
BLUE, RED, GREEN = "#2563eb", "#dc2626", "#16a34a"
RC = {
    **LETTERING,
    "font.size": 10,
    "svg.hashsalt": "clear-rnn-figures",
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "axes.titlesize": 10.5,
    "axes.titlecolor": INK,
    "axes.grid": True,
    "grid.color": GRID,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "legend.frameon": False,
}


def page(name):
    return page_values.Page(ROOT / "docs" / f"{name}.md")


def log(name):
    return [json.loads(line) for line in (RUNS / f"{name}.jsonl").read_text().splitlines()]


def tanh():
    run = page("tanh-derivative")
    a, slope = run.value("a"), run.value("slope")
    fig, (left, right) = plt.subplots(1, 2, figsize=(7, 2.6), sharex=True)
    left.plot(a, np.tanh(a), color=BLUE, lw=2)
    left.set_title(r"$h = \tanh(a)$")
    right.plot(a, slope, color=RED, lw=2)
    for side in (-1, 1):  # where less than 1% of the gradient gets through
        right.axvspan(3 * side, 6 * side, color=RED, alpha=0.08, lw=0)
    right.set_title(r"$dh/da = 1 - h^2$ (shaded: below 0.01)")
    for ax in (left, right):
        ax.set_xlabel("$a$")
    return fig


def dhnext_decay():
    run = page("dhnext")
    ratio, gamma = run.value("ratio"), run.value("gamma")
    k = np.arange(len(ratio))
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.semilogy(k, ratio, color=RED, lw=2, label=r"median $\|\partial L/\partial h_{t-k}\| \,/\, \|\partial L/\partial h_t\|$")
    fit = ratio[5] * gamma ** (k[5:] - 5)
    ax.semilogy(k[5:], fit, color=MUTED, lw=1, ls="--", label=f"${gamma:.2f}^k$, the fitted per-step factor")
    ax.set_xlabel("steps back, $k$")
    ax.legend(loc="lower left")
    return fig


def adagrad_rates():
    rates = page("adagrad").value("rates")
    n = np.arange(1, len(rates) + 1)
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.loglog(n, rates[:, 0], color=BLUE, lw=2, label="a common weight (a gradient every step)")
    ax.loglog(n, rates[:, 1], color=RED, lw=2, label="a rare weight (a gradient every 100 steps)")
    ax.loglog(n, 0.1 / np.sqrt(n), color=MUTED, lw=1, ls="--", label=r"$0.1 / \sqrt{n}$")
    ax.set_xlabel("update $n$")
    ax.set_ylabel(r"step size $\eta / \sqrt{m_i}$")
    ax.legend(loc="upper right")
    return fig


def init_scales():
    norms = page("initialization").value("norms")
    fig, ax = plt.subplots(figsize=(7, 3))
    for (scale, values), color in zip(norms.items(), [BLUE, GREEN, RED]):
        ax.semilogy(np.array(values) / values[0], color=color, lw=2, label=f"scale {scale}")
    ax.axhline(1, color=MUTED, lw=1)
    ax.set_xlabel("steps back from the last step")
    ax.set_ylabel(r"$\|\partial L/\partial h\|$, relative")
    ax.legend(loc="lower left")
    return fig


def dhnext_training():
    records = log("dhnext")
    seeds = sorted({r["seed"] for r in records})
    fig, ax = plt.subplots(figsize=(7, 3.2))
    for variant, color, label in [("carried", BLUE, "dhnext carried back (BPTT)"),
                                  ("cut", RED, "dhnext cut: the gradient stops after one step")]:
        runs = [[r for r in records if r["variant"] == variant and r["seed"] == seed] for seed in seeds]
        steps = [r["step"] for r in runs[0]]
        for rows in runs:  # each seed thin, their mean thick
            ax.plot(steps, [r["val_bpc"] for r in rows], color=color, lw=0.8, alpha=0.45)
        mean = np.mean([[r["val_bpc"] for r in rows] for rows in runs], axis=0)
        ax.plot(steps, mean, color=color, lw=2.2, label=label)
    ax.set_title(f"thin: each of {len(seeds)} seeds; thick: their mean", color=MUTED)
    ax.set_xlabel("training step")
    ax.set_ylabel("validation bits per character")
    ax.legend(loc="upper right")
    return fig


def clipping_training():
    records = log("clipping")
    scales = sorted({r["init_scale"] for r in records})
    fig, axes = plt.subplots(2, len(scales), figsize=(7, 4.6), sharex=True, squeeze=False)
    for column, scale in zip(axes.T, scales):
        top, bottom = column
        for variant, color, label in [("clipped", BLUE, "clipped at ±5"), ("unclipped", RED, "not clipped")]:
            rows = [r for r in records if r["variant"] == variant and r["init_scale"] == scale]
            steps = [r["step"] for r in rows]
            top.plot(steps, [r["loss"] for r in rows], color=color, lw=1.4, label=label)
            bottom.semilogy(steps, [r["largest_grad"] for r in rows], color=color, lw=1.2, label=label)
        bottom.axhline(5, color=MUTED, lw=1, ls="--")
        top.set_title(f"weights started at scale {scale}")
        bottom.set_xlabel("training step")
    axes[0, 0].set_ylabel("loss of a window (nats)")
    axes[1, 0].set_ylabel("largest |gradient entry|")
    axes[0, -1].legend(loc="upper right")
    return fig


FIGURES = {"tanh": tanh, "dhnext-decay": dhnext_decay, "adagrad-rates": adagrad_rates,
           "init-scales": init_scales, "dhnext-training": dhnext_training,
           "clipping-training": clipping_training}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"the figures to draw (default: all): {', '.join(FIGURES)}")
    names = parser.parse_args(argv).names
    unknown = [name for name in names if name not in FIGURES]
    if unknown:
        parser.error(f"no figure named {', '.join(unknown)}; the figures are {', '.join(FIGURES)}")
    for name in names or FIGURES:
        with matplotlib.rc_context(RC):
            fig = FIGURES[name]()
            fig.tight_layout()
            path = OUT / f"{name}.svg"
            fig.savefig(path, format="svg", metadata={"Date": None, "Creator": None})
            plt.close(fig)
        print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
