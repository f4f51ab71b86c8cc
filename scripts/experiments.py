"""The experiments behind the book's claims, each written to data/runs/ as a log the pages plot.

    python scripts/experiments.py dhnext     # with and without dhnext: val bpc against steps
    python scripts/experiments.py dhnext-state  # the same runs' Whh and tanh slopes, early on
    python scripts/experiments.py windows    # lanes or random windows, and window lengths: val bpc
    python scripts/experiments.py clipping   # with and without clipping: loss, largest gradient entry
    python scripts/experiments.py units      # what hidden units of the shipped model track

Each run is seeded and takes a few minutes at most on one core. `python scripts/figures.py` then
draws the pages' figures from these logs; data/runs/README.md lists the commands and what they ran.
"""

import argparse
import html
import json
import math
import re
import sys
from dataclasses import replace
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rnn import RNN, fast  # noqa: E402
from rnn.bptt import backward  # noqa: E402
from rnn.cell import forward  # noqa: E402
from rnn.checkpoint import load  # noqa: E402
from rnn.data import Vocab, lanes, read_text, split_pages, windows  # noqa: E402
from rnn.loss import cross_entropy_grad, softmax  # noqa: E402
from rnn.train import evaluate  # noqa: E402

RUNS = ROOT / "data" / "runs"
CORPUS = ROOT / "data" / "linux_man.txt"


def corpus():
    text = read_text(CORPUS)
    vocab = Vocab(text)
    train, val, _ = split_pages(text)
    return vocab, vocab.encode(train), vocab.encode(val)


def one_blas_thread():
    threadpool_limits(limits=1, user_api="blas")  # an (H, B) product gains nothing from a second


def in_parallel(run, calls, jobs):
    """run(*call) for each call, in `jobs` processes: the results in the calls' order, as if in turn."""
    with ProcessPoolExecutor(jobs, initializer=one_blas_thread) as pool:
        return list(pool.map(run, *zip(*calls)))


def write_log(name, records):
    path = RUNS / f"{name}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    print(f"wrote {path.relative_to(ROOT)} ({len(records)} lines)")


# --- with and without dhnext -------------------------------------------------


def cut_backward(inputs, cache, dys, Whh, **params):
    """The fast backward pass with no path from h[t] back to h[t-1]: dhnext = Whh.T @ dhraw is
    the only place it reads Whh, so a zero Whh cuts dhnext and changes nothing else."""
    return fast.backward(inputs, cache, dys, Whh=np.zeros_like(Whh), **params)


class CutRNN(RNN):
    """The package's RNN, trained with the gradient stopped after one step back (no dhnext)."""

    fast_cell = replace(RNN.fast_cell, backward=cut_backward)


def check_cut(vocab_size, data):
    """The cut gradients are the sum of T one-step windows' gradients: nothing else changes."""
    model = CutRNN(vocab_size, hidden_size=16, seq_length=10, seed=1, init_scale=0.3)
    X, Y = lanes(data[:2000], 4)
    inputs, targets = X[:10], Y[:10]
    _, grads, _ = model.loss(inputs, targets, None)
    ys, hs, _ = forward(inputs, np.zeros((16, 4)), **model.params)
    dys = cross_entropy_grad(softmax(ys), targets)
    one_step = [backward(inputs[t:t + 1], {-1: hs[t - 1], 0: hs[t]}, dys[t:t + 1], **model.params)[0]
                for t in range(len(inputs))]
    for name in grads:
        assert np.allclose(grads[name], sum(g[name] for g in one_step)), name


def train_both(seed, steps, batch_size):
    """Both variants from one seed, trained side by side in turn: (variant, step, model, loss, h)
    after each of `steps` steps, h being the window's last state, (H, B)."""
    vocab, train, _ = corpus()
    for variant, cls in [("carried", RNN), ("cut", CutRNN)]:
        model = cls(len(vocab), hidden_size=100, seq_length=25, seed=seed, dtype=np.float32,
                    optimizer="adam", learning_rate=2e-3)
        h = None
        for step, (position, inputs, targets) in enumerate(windows(train, 25, batch_size), 1):
            loss, h = model.train_step(inputs, targets, None if position == 0 else h)
            yield variant, step, model, loss, h
            if step == steps:
                break


def dhnext_seed(seed, steps, batch_size, eval_every, eval_chars):
    """Both variants from one seed: a validation record every eval_every steps."""
    val = corpus()[2][:eval_chars + 1]
    records = []
    for variant, step, model, loss, _ in train_both(seed, steps, batch_size):
        if step % eval_every == 0:
            bpc = evaluate(model, val)
            records.append({"seed": seed, "variant": variant, "step": step,
                            "loss": round(float(loss), 4), "val_bpc": round(bpc, 4)})
            print(seed, variant, step, f"{bpc:.3f}", flush=True)
    return records


def dhnext(args):
    vocab, train, _ = corpus()
    check_cut(len(vocab), train)
    runs = in_parallel(dhnext_seed, [(seed, args.steps, args.batch_size, args.eval_every, args.eval_chars)
                                     for seed in args.seeds], args.jobs)
    write_log("dhnext", [record for records in runs for record in records])


def dhnext_state_seed(seed, steps, every, batch_size):
    """Both variants from one seed: Whh's largest singular value and the states' mean tanh slope."""
    records = []
    for variant, step, model, _, h in train_both(seed, steps, batch_size):
        if step % every == 0:
            sigma = np.linalg.svd(model.Whh, compute_uv=False)[0]
            records.append({"seed": seed, "variant": variant, "step": step,
                            "sigma_max": round(float(sigma), 4),
                            "mean_slope": round(float(np.mean(1 - h * h)), 4)})
    return records


def dhnext_state(args):
    runs = in_parallel(dhnext_state_seed, [(seed, args.steps, args.every, args.batch_size)
                                           for seed in args.seeds], args.jobs)
    write_log("dhnext-state", [record for records in runs for record in records])


# --- how windows are cut -------------------------------------------------------


def random_windows(data, seq_length, batch_size, rng):
    """Windows at random places, a new place for every stream and step: (T, B) inputs and targets."""
    while True:
        starts = rng.integers(0, len(data) - seq_length, size=batch_size)
        rows = starts + np.arange(seq_length)[:, None]  # (T, B)
        yield data[rows], data[rows + 1]


def train_cut(variant, T, chars, batch_size, evals, eval_chars, seed):
    """One way of cutting windows, trained on `chars` characters: evals validation records."""
    vocab, train, val = corpus()
    val = val[:eval_chars + 1]
    model = RNN(len(vocab), hidden_size=100, seq_length=T, seed=seed, dtype=np.float32,
                optimizer="adam", learning_rate=2e-3)
    steps = chars // (T * batch_size)  # every variant reads the same characters
    if variant == "lanes":  # the package's: each window goes on where its lane stopped
        batches = ((x, y, position > 0) for position, x, y in windows(train, T, batch_size))
    else:  # every window starts from a zero state, at a random place
        rng = np.random.default_rng(seed)
        batches = ((x, y, False) for x, y in random_windows(train, T, batch_size, rng))
    evals_at = {steps * k // evals for k in range(1, evals + 1)}
    records, h = [], None
    for step, (inputs, targets, carry) in enumerate(batches, 1):
        _, h = model.train_step(inputs, targets, h if carry else None)
        if step in evals_at:
            bpc = evaluate(model, val)
            records.append({"seed": seed, "variant": variant, "seq_length": T, "step": step,
                            "chars": step * T * batch_size, "val_bpc": round(bpc, 4)})
            print(seed, variant, T, step, f"{bpc:.3f}", flush=True)
        if step == steps:
            return records


def cut_windows(args):
    cuts = [("lanes", 25), ("random", 25), ("lanes", 5), ("lanes", 100)]
    runs = in_parallel(train_cut, [(variant, T, args.chars, args.batch_size, args.evals,
                                    args.eval_chars, seed)
                                   for seed in args.seeds for variant, T in cuts], args.jobs)
    write_log("windows", [record for records in runs for record in records])


# --- with and without clipping -----------------------------------------------


def clipping_run(init_scale, variant, seed, steps, every, learning_rate):
    """One run of min-char-rnn's recipe, clipped at 5 or not: a record every `every` steps."""
    vocab, train, _ = corpus()
    model = RNN(len(vocab), hidden_size=100, seq_length=25, seed=seed,
                learning_rate=learning_rate, init_scale=init_scale)
    if variant == "unclipped":  # the constructor refuses clip=inf, a likely typo on the command line
        model.clip = math.inf
    h, losses, largest, records = None, [], 0.0, []
    for step, (position, inputs, targets) in enumerate(windows(train, 25, 1), 1):
        h = None if position == 0 else h
        _, grads, _ = model.loss(inputs, targets, h)  # the gradient train_step is about to clip
        largest = max(largest, max(float(np.abs(g).max()) for g in grads.values()))
        loss, h = model.train_step(inputs, targets, h)
        losses.append(loss)
        if step % every == 0:
            records.append({"init_scale": init_scale, "variant": variant, "step": step,
                            "loss": round(float(np.mean(losses)), 4),
                            "largest_grad": float(f"{largest:.4g}")})
            print(seed, init_scale, variant, step, records[-1]["loss"], records[-1]["largest_grad"],
                  flush=True)
            losses, largest = [], 0.0
        if step == steps:
            return records


def clipping(args):
    runs = in_parallel(clipping_run, [(init_scale, variant, 0, args.steps, args.every, args.learning_rate)
                                      for init_scale in args.init_scales
                                      for variant in ["clipped", "unclipped"]], args.jobs)
    write_log("clipping", [record for records in runs for record in records])


def clipping_seeds(args):
    calls = [(0.01, variant, seed, args.steps, args.every, args.learning_rate)
             for seed in args.seeds for variant in ["clipped", "unclipped"]]
    runs = in_parallel(clipping_run, calls, args.jobs)
    write_log("clipping-seeds", [dict(record, seed=call[2])
                                 for call, records in zip(calls, runs) for record in records])


# --- what hidden units track ---------------------------------------------------

FEATURES = {
    "indentation": "a space before the first word of its line",
    "line start": "the first character of a line",
    "section heading": "a character of a heading line such as NAME or SEE ALSO",
    "inside a flag": "a character of an option such as -h or --help",
}


def features(text):
    """For each character of text, 1.0 where the feature holds, else 0.0."""
    marks = {name: np.zeros(len(text)) for name in FEATURES}
    start = 0
    for line in text.split("\n"):
        end = start + len(line)
        indent = len(line) - len(line.lstrip(" "))
        marks["indentation"][start:start + indent] = 1
        marks["line start"][start] = 1
        if re.fullmatch(r"[A-Z][A-Z ]+", line):
            marks["section heading"][start:end] = 1
        for flag in re.finditer(r"(?<![\w-])--?[A-Za-z][\w-]*", line):
            marks["inside a flag"][start + flag.start():start + flag.end()] = 1
        start = end + 1
    return marks


def hidden_states(model, ixes):
    """h right after the model reads each character, one row per character: (N, H)."""
    h = np.zeros((model.hidden_size, 1), model.dtype)
    rows = np.empty((len(ixes), model.hidden_size))
    for t, ix in enumerate(ixes):
        _, h = model.step([ix], h)
        rows[t] = h[:, 0]
    return rows


def coloured(text, values):
    """text as HTML, each character on a background of its unit's value: red above 0, blue below."""
    spans, run, shade = [], "", None
    for char, value in zip(text, np.round(values, 1)):
        colour = f"rgba(220,38,38,{0.6 * value:.2f})" if value > 0 else f"rgba(37,99,235,{-0.6 * value:.2f})"
        if colour != shade and run:
            spans.append(f'<span style="background:{shade}">{html.escape(run)}</span>')
            run = ""
        run, shade = run + char, colour
    spans.append(f'<span style="background:{shade}">{html.escape(run)}</span>')
    return "".join(spans)


def units(args):
    ckpt = load(ROOT / "data" / "rnn-man.npz")
    _, val, _ = split_pages(read_text(CORPUS))
    text = val[:args.chars]
    hs = hidden_states(ckpt.model, ckpt.vocab.encode(text))
    centred = (hs - hs.mean(axis=0)) / (hs.std(axis=0) + 1e-12)
    record = {"model": "data/rnn-man.npz", "text": f"the first {args.chars:,} held-out characters",
              "features": {}}
    start = text.index("\nOPTIONS\n") + 1
    excerpt = slice(start, start + args.excerpt)
    cards = []
    for name, mark in features(text).items():
        m = (mark - mark.mean()) / mark.std()
        corr = centred.T @ m / len(m)  # Pearson correlation of every unit with the feature
        unit = int(np.abs(corr).argmax())
        record["features"][name] = {"description": FEATURES[name], "unit": unit,
                                    "correlation": round(float(corr[unit]), 3),
                                    "share": round(float(mark.mean()), 3)}
        print(f"{name:16} unit {unit:3}  r = {corr[unit]:+.3f}", flush=True)
        cards.append(f'<div class="unit-card" style="background:#fff;color:#1e293b;border-radius:6px;'
                     f'padding:0.5em 0.8em;margin:0 0 1em;overflow-x:auto">'
                     f'<p style="margin:0 0 0.4em"><strong>{name}</strong>: unit {unit}, '
                     f'r = {corr[unit]:+.2f}</p><pre style="margin:0;background:none;color:inherit;'
                     f'font-size:0.68rem;line-height:1.3">{coloured(text[excerpt], hs[excerpt, unit])}</pre>'
                     f'</div>')
    (RUNS / "units.json").write_text(json.dumps(record, indent=1) + "\n")
    rows = [f"| {name} | {f['description']} | {f['share']:.1%} | {f['unit']} | {f['correlation']:+.2f} |"
            for name, f in record["features"].items()]
    (RUNS / "units.md").write_text(
        "<!-- Generated by `python scripts/experiments.py units`: do not edit by hand. -->\n\n"
        "| feature | a character is marked when it is | share of the text | unit | r |\n"
        "|---|---|--:|--:|--:|\n" + "\n".join(rows) + "\n\n" + "\n".join(cards) + "\n")
    print("wrote data/runs/units.json and data/runs/units.md")


SEEDS = [0, 1, 2]
JOBS = (1, "runs trained at once, one process each")
EXPERIMENTS = {  # name: (function, help, {option: default, or (default, help)})
    "dhnext": (dhnext, "train with and without dhnext",
               dict(steps=10_000, batch_size=32, eval_every=500, seeds=SEEDS, jobs=JOBS, eval_chars=50_000)),
    "dhnext-state": (dhnext_state, "with and without dhnext: Whh's size, the states' slopes",
                     dict(steps=2000, every=50, batch_size=32, seeds=SEEDS, jobs=JOBS)),
    "windows": (cut_windows, "sequential lanes or random windows, and truncation lengths",
                dict(chars=(2_400_000, "training characters per variant"), batch_size=32,
                     evals=(4, "validations per variant, evenly spaced"), eval_chars=50_000,
                     seeds=SEEDS, jobs=JOBS)),
    "clipping": (clipping, "train with and without clipping",
                 dict(steps=10_000, every=100, learning_rate=0.1, init_scales=[0.01, 0.5], jobs=JOBS)),
    "clipping-seeds": (clipping_seeds, "clipped and unclipped from min-char-rnn's start, more seeds",
                       dict(steps=10_000, every=100, learning_rate=0.1, seeds=SEEDS, jobs=JOBS)),
    "units": (units, "correlate the shipped model's hidden units with features",
              dict(chars=50_000, excerpt=(900, "characters coloured on the page"))),
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="experiment", required=True)
    for name, (run, about, options) in EXPERIMENTS.items():
        p = sub.add_parser(name, help=about)
        for option, default in options.items():
            default, text = default if isinstance(default, tuple) else (default, None)
            many = isinstance(default, list)  # a list takes one value or more
            p.add_argument("--" + option.replace("_", "-"), type=type(default[0] if many else default),
                           nargs="+" if many else None, default=default, help=text)
        p.set_defaults(run=run)
    args = parser.parse_args(argv)
    one_blas_thread()
    args.run(args)


if __name__ == "__main__":
    main()
