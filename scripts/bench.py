"""Benchmark clear-rnn against min-char-rnn's per-character loop and PyTorch, on real text.

    python scripts/bench.py                                   # the table, on stdout (under 3 minutes)
    python scripts/bench.py --markdown docs/benchmarks.md     # ... and the results page
    python scripts/bench.py --quick                           # tiny sizes, seconds: a smoke test

Every row runs in its own worker process, started before any timing, so that one row's
imports, allocations or memory peak cannot help or hurt another's. The parent then times in
rounds: each round asks every worker, in a rotating order, for a fixed number of steps (fixed
per row, from a warm-up), so all rows see the same machine at nearly the same moment. Speeds
are medians over rounds; ratios are medians of the per-round ratios (paired A/B).

Every worker, and the GEMM measurement, runs with one BLAS thread (threadpoolctl) and PyTorch
with one intra-op and one inter-op thread: on a shared two-core machine a second thread makes
these small products slower whenever another process runs.

The PyTorch rows need `pip install -e ".[bench]"` (CPU PyTorch); without it they are left out.
"""

import argparse
import datetime
import importlib.util
import json
import os
import platform
import resource
import shlex
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "linux_man.txt"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the package, also when it is not installed

FULL = {"chars": 200_000, "H": 100, "T": 25, "batches": [1, 32, 128, 512], "sample_chars": 10_000,
        "round_seconds": 0.3, "rounds": 15, "min_rounds": 5, "budget_seconds": 140, "gemm_seconds": 0.2}
QUICK = {"chars": 20_000, "H": 16, "T": 10, "batches": [1, 4, 16, 64], "sample_chars": 300,
         "round_seconds": 0.01, "rounds": 2, "min_rounds": 2, "budget_seconds": 30, "gemm_seconds": 0.005}


# --- the text ------------------------------------------------------------------------------

def load_text(n_chars):
    """The first n_chars characters of the man-page corpus, its vocabulary, and the text as indices."""
    text = DATA.read_text(encoding="utf-8")[:n_chars]
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    return text, chars, np.array([index[c] for c in text], dtype=np.int64)


def lanes(data, B, T):
    """B streams side by side, as the package trains: column b is the b-th stretch of the text."""
    n = (len(data) - 1) // B
    if n < T:
        raise SystemExit(f"bench: {len(data)} characters are too few for {B} lanes of {T} steps")
    return data[:n * B].reshape(B, n).T.copy(), data[1:n * B + 1].reshape(B, n).T.copy()


# --- min-char-rnn, written out as in the original: one-hot vectors, np.dot, dicts, float64 --

class MinCharRNN:
    """lossFun, the Adagrad update and sample of min-char-rnn, per character, batch one, float64."""

    def __init__(self, Wxh, Whh, Why, bh, by, learning_rate=0.1):
        self.Wxh, self.Whh, self.Why = Wxh.astype(np.float64), Whh.astype(np.float64), Why.astype(np.float64)
        self.bh, self.by = bh.astype(np.float64), by.astype(np.float64)
        self.vocab_size, self.learning_rate = len(self.by), learning_rate
        self.mWxh, self.mWhh, self.mWhy = np.zeros_like(self.Wxh), np.zeros_like(self.Whh), np.zeros_like(self.Why)
        self.mbh, self.mby = np.zeros_like(self.bh), np.zeros_like(self.by)

    def lossFun(self, inputs, targets, hprev):
        Wxh, Whh, Why, bh, by, vocab_size = self.Wxh, self.Whh, self.Why, self.bh, self.by, self.vocab_size
        xs, hs, ys, ps = {}, {}, {}, {}
        hs[-1] = np.copy(hprev)
        loss = 0
        for t in range(len(inputs)):
            xs[t] = np.zeros((vocab_size, 1))
            xs[t][inputs[t]] = 1
            hs[t] = np.tanh(np.dot(Wxh, xs[t]) + np.dot(Whh, hs[t - 1]) + bh)
            ys[t] = np.dot(Why, hs[t]) + by
            ps[t] = np.exp(ys[t]) / np.sum(np.exp(ys[t]))
            loss += -np.log(ps[t][targets[t], 0])
        dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
        dbh, dby = np.zeros_like(bh), np.zeros_like(by)
        dhnext = np.zeros_like(hs[0])
        for t in reversed(range(len(inputs))):
            dy = np.copy(ps[t])
            dy[targets[t]] -= 1
            dWhy += np.dot(dy, hs[t].T)
            dby += dy
            dh = np.dot(Why.T, dy) + dhnext
            dhraw = (1 - hs[t] * hs[t]) * dh
            dbh += dhraw
            dWxh += np.dot(dhraw, xs[t].T)
            dWhh += np.dot(dhraw, hs[t - 1].T)
            dhnext = np.dot(Whh.T, dhraw)
        for dparam in [dWxh, dWhh, dWhy, dbh, dby]:
            np.clip(dparam, -5, 5, out=dparam)
        return loss, dWxh, dWhh, dWhy, dbh, dby, hs[len(inputs) - 1]

    def train_step(self, inputs, targets, hprev):
        loss, dWxh, dWhh, dWhy, dbh, dby, hprev = self.lossFun(inputs, targets, hprev)
        for param, dparam, mem in zip([self.Wxh, self.Whh, self.Why, self.bh, self.by],
                                      [dWxh, dWhh, dWhy, dbh, dby],
                                      [self.mWxh, self.mWhh, self.mWhy, self.mbh, self.mby]):
            mem += dparam * dparam
            param += -self.learning_rate * dparam / np.sqrt(mem + 1e-8)
        return loss, hprev

    def sample(self, h, seed_ix, n):
        x = np.zeros((self.vocab_size, 1))
        x[seed_ix] = 1
        ixes = []
        for t in range(n):
            h = np.tanh(np.dot(self.Wxh, x) + np.dot(self.Whh, h) + self.bh)
            y = np.dot(self.Why, h) + self.by
            p = np.exp(y) / np.sum(np.exp(y))
            ix = np.random.choice(range(self.vocab_size), p=p.ravel())
            x = np.zeros((self.vocab_size, 1))
            x[ix] = 1
            ixes.append(ix)
        return ixes


# --- a yardstick: batch one written for the fewest NumPy calls, not for reading ----------------

class TunedBatchOne:
    """The package's batch-one float64 step (same arithmetic, min-char-rnn's Adagrad and clipping),
    rewritten only to spend fewer and cheaper NumPy calls: 1-D states in a (T + 1, H) array, `np.dot`,
    the gradients written straight into one flat vector, and every buffer allocated once. It is
    here to measure what the package's readable, any-batch code costs at batch one."""

    def __init__(self, Wxh, Whh, Why, bh, by, T, learning_rate=0.1):
        H, V = Wxh.shape
        self.T, self.learning_rate = T, learning_rate
        self.theta = np.concatenate([a.astype(np.float64).ravel() for a in (Wxh, Whh, Why, bh, by)])
        self.Wxh, self.Whh, self.Why, self.bh, self.by = self.views(self.theta, H, V)
        self.g = np.zeros_like(self.theta)
        self.dWxh, self.dWhh, self.dWhy, self.dbh, self.dby = self.views(self.g, H, V)
        self.mem, self.scratch = np.zeros_like(self.theta), np.empty_like(self.theta)
        self.WxhT, self.hs, self.eye, self.steps = np.empty((V, H)), np.empty((T + 1, H)), np.eye(V), np.arange(T)

    @staticmethod
    def views(flat, H, V):
        ends = np.cumsum([H * V, H * H, V * H, H, V])
        Wxh, Whh, Why, bh, by = np.split(flat, ends[:-1])
        return Wxh.reshape(H, V), Whh.reshape(H, H), Why.reshape(V, H), bh, by

    def train_step(self, inputs, targets, hprev):
        T, hs, steps = self.T, self.hs, self.steps
        np.add(self.Wxh.T, self.bh, out=self.WxhT)
        xs = self.WxhT[inputs]  # row t: Wxh @ onehot(inputs[t]) + bh
        hs[-1] = hprev
        for t in range(T):
            np.tanh(xs[t] + np.dot(self.Whh, hs[t - 1]), out=hs[t])
        ps = np.dot(hs[:T], self.Why.T)
        ps += self.by
        ps -= ps.max(axis=1, keepdims=True)
        np.exp(ps, out=ps)
        ps /= ps.sum(axis=1, keepdims=True)
        loss = -np.log(ps[steps, targets]).sum()
        ps[steps, targets] -= 1  # now dy, row by row
        np.dot(ps.T, hs[:T], out=self.dWhy)
        ps.sum(axis=0, out=self.dby)
        dhs = np.dot(ps, self.Why)  # becomes dhraws, row by row
        dtanhs = 1 - hs[:T] * hs[:T]
        dhnext = np.zeros_like(hprev)
        for t in reversed(range(T)):
            dhs[t] += dhnext
            dhs[t] *= dtanhs[t]
            dhnext = np.dot(self.Whh.T, dhs[t])
        np.dot(dhs[1:].T, hs[:T - 1], out=self.dWhh)
        self.dWhh += np.outer(dhs[0], hprev)
        dhs.sum(axis=0, out=self.dbh)
        np.dot(dhs.T, self.eye[inputs], out=self.dWxh)
        np.clip(self.g, -5, 5, out=self.g)
        np.multiply(self.g, self.g, out=self.scratch)
        self.mem += self.scratch
        np.add(self.mem, 1e-8, out=self.scratch)
        np.sqrt(self.scratch, out=self.scratch)
        np.divide(self.g, self.scratch, out=self.scratch)
        self.scratch *= self.learning_rate
        self.theta -= self.scratch
        return loss, hs[T - 1].copy()


def first_window_losses(data, vocab_size, H, T):
    """The loss of the text's first window, computed by the per-character loop, the package and the
    tuned batch-one step."""
    from rnn import RNN

    model = RNN(vocab_size=vocab_size, hidden_size=H, seq_length=T, seed=0)
    loop = MinCharRNN(model.Wxh, model.Whh, model.Why, model.bh, model.by)
    tuned = TunedBatchOne(model.Wxh, model.Whh, model.Why, model.bh, model.by, T)
    inputs, targets = data[:T], data[1:T + 1]
    loop_loss = loop.lossFun(list(inputs), list(targets), np.zeros((H, 1)))[0]
    tuned_loss = tuned.train_step(inputs, targets, np.zeros(H))[0]
    return float(loop_loss), float(model.loss(inputs, targets, None)[0]), float(tuned_loss)


# --- the rows --------------------------------------------------------------------------------

def rows(cfg, with_torch):
    """(key, what it is, kind, implementation, B, dtype) for every row, in table order."""
    out = [("loop", "per-character loop (min-char-rnn)", "train", "loop", 1, "float64"),
           ("numpy-1-float64", "clear-rnn", "train", "numpy", 1, "float64"),
           ("tuned-1-float64", "batch one tuned for calls (yardstick)", "train", "tuned", 1, "float64")]
    out += [(f"numpy-{B}-float32", "clear-rnn", "train", "numpy", B, "float32") for B in cfg["batches"]]
    if with_torch:  # with --quick only at the largest batch, as a check that the code runs
        out += [(f"torch-{B}-float32", "PyTorch nn.RNN", "train", "torch", B, "float32") for B in cfg["batches"]
                if not cfg["quick"] or B == max(cfg["batches"])]
    out += [("sample-loop", "per-character loop (min-char-rnn)", "sample", "loop", 1, "float64"),
            ("sample-numpy", "clear-rnn", "sample", "numpy", 1, "float64")]
    return out


def torch_available():
    return importlib.util.find_spec("torch") is not None


# --- a worker: one row, in its own process ---------------------------------------------------

def rusage():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_maxrss, usage.ru_minflt  # KiB on Linux, and minor page faults


def make_unit(row, cfg):
    """A function that runs one unit of the row's work (a train step, or one sample) and returns chars done."""
    _, _, kind, impl, B, dtype = row
    H, T = cfg["H"], cfg["T"]
    _, chars, data = load_text(cfg["chars"])
    V = len(chars)
    if kind == "sample":
        from rnn import RNN

        model = RNN(vocab_size=V, hidden_size=H, seq_length=T, seed=0, dtype=np.float64)
        weights = np.random.default_rng(1)  # larger weights than at init: a less uniform distribution
        model.Wxh, model.Whh, model.Why = (weights.standard_normal(s) * 0.1 for s in [(H, V), (H, H), (V, H)])
        n, h = cfg["sample_chars"], np.zeros((H, 1))
        if impl == "loop":
            loop = MinCharRNN(model.Wxh, model.Whh, model.Why, model.bh, model.by)
            np.random.seed(0)
            return lambda: len(loop.sample(h, 0, n))
        rng = np.random.default_rng(0)
        return lambda: len(model.sample(h, 0, n, rng=rng))

    X, Y = lanes(data, B, T)
    state = {"p": 0, "h": None}

    def window():
        p = state["p"]
        if p + T > len(X):
            p, state["h"] = 0, None  # back to the top of the text, from a zero state
        state["p"] = p + T
        return p

    if impl == "loop":
        from rnn import RNN

        init = RNN(vocab_size=V, hidden_size=H, seq_length=T, seed=0)
        loop = MinCharRNN(init.Wxh, init.Whh, init.Why, init.bh, init.by)
        xs, ys = X[:, 0].tolist(), Y[:, 0].tolist()  # min-char-rnn's inputs are lists of ints

        def unit():
            p = window()
            h = np.zeros((H, 1)) if state["h"] is None else state["h"]
            _, state["h"] = loop.train_step(xs[p:p + T], ys[p:p + T], h)
            return T

        return unit
    if impl == "tuned":
        from rnn import RNN

        init = RNN(vocab_size=V, hidden_size=H, seq_length=T, seed=0)
        tuned = TunedBatchOne(init.Wxh, init.Whh, init.Why, init.bh, init.by, T)
        xs, ys = X[:, 0].copy(), Y[:, 0].copy()

        def unit():
            p = window()
            h = np.zeros(H) if state["h"] is None else state["h"]
            _, state["h"] = tuned.train_step(xs[p:p + T], ys[p:p + T], h)
            return T

        return unit
    if impl == "numpy":
        from rnn import RNN

        model = RNN(vocab_size=V, hidden_size=H, seq_length=T, seed=0, dtype=np.dtype(dtype))

        def unit():
            p = window()
            _, state["h"] = model.train_step(X[p:p + T], Y[p:p + T], state["h"])
            return T * B

        return unit
    import torch

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)
    rnn = torch.nn.RNN(V, H, nonlinearity="tanh")
    linear = torch.nn.Linear(H, V)
    params = [*rnn.parameters(), *linear.parameters()]
    optimizer = torch.optim.Adagrad(params, lr=0.1)
    X, Y = torch.from_numpy(X), torch.from_numpy(Y)

    def unit():
        p = window()
        h = torch.zeros(1, B, H) if state["h"] is None else state["h"]
        x = torch.nn.functional.one_hot(X[p:p + T], V).to(torch.float32)  # (T, B, V)
        out, h_last = rnn(x, h)
        logits = linear(out)  # (T, B, V)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, V), Y[p:p + T].reshape(-1), reduction="sum") / B
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_value_(params, 5.0)
        optimizer.step()
        state["h"] = h_last.detach()
        return T * B

    return unit


def worker(key, cfg):
    """Serve one row: set up, then answer 'warmup', 'n' (time n units) and 'quit', one JSON line each."""
    row = next(r for r in rows(cfg, with_torch=True) if r[0] == key)
    with threadpool_limits(limits=1):
        unit = make_unit(row, cfg)
        baseline_kib, _ = rusage()
        print(json.dumps({"loaded": key}), flush=True)
        for line in sys.stdin:
            if line.strip() == "quit":
                break
            if line.strip() == "warmup":
                start, units = time.perf_counter(), 0
                while units < 2 or time.perf_counter() - start < cfg["round_seconds"]:
                    chars_per_unit = unit()
                    units += 1
                unit_seconds = (time.perf_counter() - start) / units
                print(json.dumps({"unit_seconds": unit_seconds, "chars_per_unit": chars_per_unit}), flush=True)
                continue
            n = int(line)
            _, faults = rusage()
            start = time.perf_counter()
            for _ in range(n):
                unit()
            seconds = time.perf_counter() - start
            _, faults_after = rusage()
            print(json.dumps({"seconds": seconds, "faults": faults_after - faults}), flush=True)
        peak_kib, _ = rusage()
        print(json.dumps({"peak_mib": max(0, peak_kib - baseline_kib) / 1024}), flush=True)


# --- the parent: start the workers, time them in interleaved rounds ---------------------------

class Worker:
    def __init__(self, row, cfg, quick):
        self.row = row
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", row[0]] + (["--quick"] if quick else [])
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def ask(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self.answer()

    def answer(self):
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"bench: the worker for {self.row[0]} stopped (exit code {self.proc.wait()})")
        return json.loads(line)


def run_rounds(cfg, quick, with_torch, log):
    workers = [Worker(row, cfg, quick) for row in rows(cfg, with_torch)]
    for w in workers:  # all of them set up (together) and warmed up (one at a time) before any timing
        w.answer()
    for w in workers:
        w.ready = w.ask("warmup")
        w.units = 1 if w.row[2] == "sample" else max(1, round(cfg["round_seconds"] / w.ready["unit_seconds"]))
        w.rates, w.faults = [], []
    start = time.perf_counter()
    for r in range(cfg["rounds"]):
        if r >= cfg["min_rounds"] and time.perf_counter() - start > cfg["budget_seconds"]:
            log(f"bench: stopping after {r} rounds, at the time budget")
            break
        for w in workers[r % len(workers):] + workers[:r % len(workers)]:  # a rotating order
            result = w.ask(str(w.units))
            w.rates.append(w.units * w.ready["chars_per_unit"] / result["seconds"])
            w.faults.append(result["faults"] / w.units)
        log(f"bench: round {r + 1} of {cfg['rounds']} done")
    for w in workers:
        w.peak_mib = w.ask("quit")["peak_mib"]
        w.proc.wait()
    return workers


# --- the GEMM ceiling ------------------------------------------------------------------------

def gflops(a, b, seconds):
    """Single-thread GFLOP/s of a @ b, as the median of repeated timings."""
    out = a @ b
    reps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds / 10 or reps < 3:
        np.matmul(a, b, out=out)
        reps += 1
    times = []
    for _ in range(7):
        start = time.perf_counter()
        for _ in range(reps):
            np.matmul(a, b, out=out)
        times.append((time.perf_counter() - start) / reps)
    return 2 * a.shape[0] * a.shape[1] * b.shape[1] / np.median(times) / 1e9


def gemm_ceiling(cfg, V, B, dtype):
    """The products one training step of H, T, B needs, and the chars/s if they were all it did."""
    H, T = cfg["H"], cfg["T"]
    rng = np.random.default_rng(0)
    m = lambda *shape: rng.standard_normal(shape).astype(dtype)  # noqa: E731
    products = [  # (what, a, b, how many per step)
        ("Whh @ h, and Whh.T @ dhraw", m(H, H), m(H, B), 2 * T),
        ("Why @ hs (all steps)", m(V, H), m(H, T * B), 1),
        ("Why.T @ dys (all steps)", m(V, H).T, m(V, T * B), 1),
        ("dys @ hs.T (dWhy)", m(V, T * B), m(H, T * B).T, 1),
        ("dhraws @ hs.T (dWhh)", m(H, T * B), m(H, T * B).T, 1),
    ]
    with threadpool_limits(limits=1):
        rates = [(what, a.shape, b.shape, count, gflops(a, b, cfg["gemm_seconds"])) for what, a, b, count in products]
    seconds = sum(count * 2 * a[0] * a[1] * b[1] / (rate * 1e9) for _, a, b, count, rate in rates)
    return rates, T * B / seconds


# --- the report --------------------------------------------------------------------------------

def machine():
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    blas = [lib for lib in threadpool_info() if lib.get("user_api") == "blas"]
    with threadpool_limits(limits=1):
        threads = [lib["num_threads"] for lib in threadpool_info() if lib.get("user_api") == "blas"]
    info = {
        "CPU": f"{cpu}, {os.cpu_count()} cores",
        "Python": platform.python_version(),
        "NumPy": np.__version__,
        "BLAS": ", ".join(f"{lib['internal_api']} {lib['version']} (kernel {lib.get('architecture', '?')})"
                          for lib in blas) or "none found",
        "BLAS threads": f"{threads[0] if threads else '?'} (threadpoolctl); "
                        f"{blas[0]['num_threads'] if blas else '?'} without it",
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "not set"),
    }
    if torch_available():
        import torch

        info["PyTorch"] = f"{torch.__version__}, 1 intra-op and 1 inter-op thread"
    else:
        info["PyTorch"] = 'not installed (pip install -e ".[bench]")'
    return info


def fmt_rate(x):
    return f"{x:,.0f}"


def fmt_ratio(x):
    return "—" if x is None else f"{x:.1f}×" if x >= 10 else f"{x:.2f}×"


def paired_ratio(a, b):
    return None if b is None else float(np.median(np.array(a.rates) / np.array(b.rates)))


def tables(cfg, workers, ceilings):
    by_key = {w.row[0]: w for w in workers}
    loop, sample_loop = by_key["loop"], by_key["sample-loop"]
    train = [
        "| row | B | dtype | chars/s | × per-character loop | × PyTorch, same B | % of GEMM ceiling "
        "| peak memory (MiB) | page faults / step |",
        "|---|--:|---|--:|--:|--:|--:|--:|--:|",
    ]
    summary = {}
    for w in workers:
        key, what, kind, impl, B, dtype = w.row
        if kind != "train":
            continue
        torch_row = by_key.get(f"torch-{B}-float32")
        rate = float(np.median(w.rates))
        ceiling = ceilings.get((B, dtype)) if impl != "loop" else None
        summary[key] = {"rate": rate, "vs_loop": paired_ratio(w, loop),
                        "vs_torch": paired_ratio(w, torch_row) if impl != "torch" else None,
                        "peak_mib": w.peak_mib, "faults": float(np.median(w.faults))}
        train.append(
            f"| {what} | {B} | {dtype} | {fmt_rate(rate)} | {fmt_ratio(summary[key]['vs_loop'])} "
            f"| {fmt_ratio(summary[key]['vs_torch'])} | {'—' if ceiling is None else f'{100 * rate / ceiling:.0f}%'} "
            f"| {w.peak_mib:.1f} | {np.median(w.faults):,.0f} |")
    sample = ["| row | B | dtype | chars/s | × per-character loop | peak memory (MiB) |", "|---|--:|---|--:|--:|--:|"]
    for w in workers:
        key, what, kind, impl, B, dtype = w.row
        if kind == "sample":
            summary[key] = {"rate": float(np.median(w.rates)), "vs_loop": paired_ratio(w, sample_loop)}
            sample.append(f"| {what} | {B} | {dtype} | {fmt_rate(summary[key]['rate'])} "
                          f"| {fmt_ratio(summary[key]['vs_loop'])} | {w.peak_mib:.1f} |")
    return "\n".join(train), "\n".join(sample), summary


def gemm_table(rates):
    lines = ["| product | shape | GFLOP/s (float32, 1 thread) |", "|---|---|--:|"]
    for what, a, b, _, rate in rates:
        lines.append(f"| {what} | ({a[0]}, {a[1]}) @ ({b[0]}, {b[1]}) | {rate:.1f} |")
    return "\n".join(lines)


VERDICT = {True: "met", False: "**not met**", None: "not measured"}


def floors(cfg, summary):
    """The project's targets, read off this run: (claim, measured, met)."""
    checks = []
    if not cfg.get("quick"):
        s128 = summary.get("numpy-128-float32", {})
        checks.append(("B = 128 float32 at least 40× the per-character loop", s128.get("vs_loop"), 40))
        checks.append(("B = 128 float32 at least 1.2× PyTorch at B = 128", s128.get("vs_torch"), 1.2))
        checks.append(("B = 1 float64 at least 3× the per-character loop", summary["numpy-1-float64"]["vs_loop"], 3))
        checks.append(("sampling at least 3× the per-character loop", summary["sample-numpy"]["vs_loop"], 3))
    return [(claim, value, None if value is None else value >= floor) for claim, value, floor in checks]


def reading(cfg, summary, ceilings, flops_per_char, loop_rates):
    """A few sentences reading the table, written from this run's numbers."""
    s = summary
    big = max(cfg["batches"])
    mid = 128 if 128 in cfg["batches"] else cfg["batches"][-2]
    text = []
    one = s["numpy-1-float64"]
    text.append(
        f"At batch one in float64, min-char-rnn's own setting and the same numbers to rounding, the package is "
        f"{fmt_ratio(one['vs_loop'])} the per-character loop: the column lookup instead of the one-hot product, the "
        f"output layer and the weight gradients as one product each over the window, and the flat update. Nothing "
        f"is batched; it is the same arithmetic in fewer, larger NumPy calls. What remains at batch one is mostly "
        f"calls: every product in the two loops is a matrix times a vector, each NumPy call costs about a "
        f"microsecond whatever it computes, and the Adagrad update is the same arithmetic in both.")
    tuned = s.get("tuned-1-float64")
    if tuned:
        text.append(
            f"The yardstick row shows what that costs. The same batch-one step, written for the fewest calls "
            f"rather than for reading, is {fmt_ratio(tuned['vs_loop'])} the loop, "
            f"{tuned['rate'] / one['rate']:.2f}× the package: that is the price, at batch one, of code that is "
            f"written once for every batch size and explained line by line. Everything it saves is call overhead: "
            f"the arithmetic is the same, in fewer and cheaper NumPy calls.")
    m = s.get(f"numpy-{mid}-float32")
    if m:
        sentence = (f"At B = {mid} in float32 it trains at {fmt_rate(m['rate'])} characters per second, "
                    f"{fmt_ratio(m['vs_loop'])} the loop")
        if m["vs_torch"] is not None:
            sentence += f" and {fmt_ratio(m['vs_torch'])} PyTorch's `nn.RNN` at the same batch size"
        ceiling = ceilings[(mid, "float32")]
        sentence += (f", which is {100 * m['rate'] / ceiling:.0f}% of what the matrix products alone would allow "
                     f"({fmt_rate(ceiling)} chars/s: {flops_per_char:,} flops a character at the GFLOP/s measured "
                     f"below).")
        text.append(sentence)
        text.append(
            f"That ceiling is {ceiling / float(np.median(loop_rates)):.0f}× the per-character loop: with products "
            f"this fast on one core, no code around them can train this model faster, so a speed-up over the loop "
            f"beyond {ceiling / float(np.median(loop_rates)):.0f}× at B = {mid} would need fewer flops, faster "
            f"products or more cores.")
    b = s.get(f"numpy-{big}-float32")
    if m and b:
        change = b["rate"] / m["rate"]
        sentence = (f"Going from B = {mid} to B = {big} changes the speed by {change:.2f}×: at B = {mid} the products "
                    f"are already large enough for the BLAS kernels, and the rest of a step is elementwise work that "
                    f"grows with B.")
        if change < 0.95:
            sentence += (f" It even costs speed: a step's arrays at B = {big} ({b['peak_mib']:.0f} MiB at the peak) "
                         f"no longer fit in the caches, and they are larger than any block its process had freed, so "
                         f"they come fresh from the kernel every step ({b['faults']:,.0f} page faults a step, "
                         f"see [Making it fast](fast.md#fresh-memory)).")
        text.append(sentence)
    t1 = s.get("numpy-1-float32")
    if t1 and t1["vs_torch"] is not None:
        text.append(
            f"PyTorch pays a fixed cost per operation, which dominates at B = 1: there the package is "
            f"{fmt_ratio(t1['vs_torch'])} PyTorch.")
    text.append(
        f"Sampling {cfg['sample_chars']:,} characters one at a time is {fmt_ratio(s['sample-numpy']['vs_loop'])} the "
        f"per-character loop's `np.random.choice`: no softmax at all (the Gumbel-max trick), and everything that does "
        f"not change from character to character computed once.")
    return text


def markdown(cfg, info, command, date, elapsed, rounds, train, sample, gemms, text, checks, with_torch):
    H, T = cfg["H"], cfg["T"]
    lines = [
        "<!-- Generated by `python scripts/bench.py --markdown docs/benchmarks.md`: do not edit by hand, "
        "run that command again to regenerate. -->",
        "",
        "# Benchmarks",
        "",
        "!!! note \"Generated page\"",
        "    This page is written by `python scripts/bench.py --markdown docs/benchmarks.md`. To regenerate it,",
        "    run that command from the repository root (about two minutes, one core busy at a time). How each",
        "    speed-up works is on [Making it fast](fast.md).",
        "",
        "## The machine and the run",
        "",
        "| | |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in info.items()],
        f"| Date | {date} |",
        f"| Command | `{command}` |",
        f"| Text | the first {cfg['chars']:,} characters of `data/linux_man.txt` |",
        f"| Model | H = {H}, T = {T}, V = {cfg['V']} |",
        f"| Rounds | {rounds}, in {elapsed:.0f} s |",
        "",
        "## Training",
        "",
        "Characters processed per second of training step ($T \\cdot B$ per step: forward, loss, backward, "
        "clipping, Adagrad), median over rounds. Ratios are medians of the per-round ratios, each row against "
        "the per-character loop and against the PyTorch row of the same batch size timed in the same round.",
        "",
        train,
        "",
        "- **per-character loop**: min-char-rnn's `lossFun` and Adagrad update as written in the original "
        "(one-hot vectors, `np.dot`, dictionaries of states, float64, batch one), in `scripts/bench.py`. On the "
        "first window it computes the same loss as the package.",
        "- **clear-rnn**: `RNN.train_step` of this package.",
        "- **batch one tuned for calls**: a yardstick, not the package: `TunedBatchOne` in `scripts/bench.py`, "
        "the package's batch-one float64 step rewritten for the fewest NumPy calls (1-D states, `np.dot`, the "
        "gradients written straight into one flat vector, every buffer allocated once). On the first window it "
        "computes the same loss.",
        "- **PyTorch nn.RNN**: `nn.RNN(tanh)` and `nn.Linear` on one-hot inputs, cross-entropy summed over time "
        "and averaged over the batch, `torch.optim.Adagrad(lr=0.1)`, `clip_grad_value_(5)`, float32, CPU."
        if with_torch else "- **PyTorch**: not installed on this run, so its rows are missing.",
        "- **% of GEMM ceiling**: the speed the row would have if a step did nothing but its matrix products, "
        f"{6 * H * H + 6 * H * cfg['V']:,} flops ($6H^2 + 6HV$) a character, at the single-thread GFLOP/s "
        "measured below for products of the sizes a step of that batch size needs.",
        "- **peak memory**: how far the training steps raised the worker process's peak resident memory "
        "(`ru_maxrss`) above where it stood after its imports and setup; each row has a process of its own.",
        "- **page faults / step**: minor page faults per step, the price of fresh memory from the kernel.",
        "",
        "## Sampling",
        "",
        f"Characters per second generating {cfg['sample_chars']:,} characters, one stream, from the same weights.",
        "",
        sample,
        "",
        "## The GEMM ceiling",
        "",
        f"Single-thread throughput of the products in one training step at B = 128 (or the largest batch below it), "
        "float32:",
        "",
        gemms,
        "",
        "## Reading the table",
        "",
        *[f"{sentence}\n" for sentence in text],
    ]
    if checks:
        lines += ["The project's floors, on this run:", ""]
        lines += [f"- {claim}: {fmt_ratio(value)}, {VERDICT[met]}" for claim, value, met in checks]
        lines.append("")
    lines += [
        "Every row ran with one BLAS thread (threadpoolctl) and PyTorch with one thread: on a shared machine a "
        "second thread makes products this small slower as soon as another process runs. Timings on a loaded "
        "machine are noisy; the interleaved rounds make the ratios, more than the absolute speeds, the numbers "
        "to trust.",
        "",
    ]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny sizes and two rounds: a smoke test")
    parser.add_argument("--markdown", type=Path, help="also write the results page here")
    parser.add_argument("--no-torch", action="store_true", help="leave out the PyTorch rows")
    parser.add_argument("--rounds", type=int, help="timing rounds (default 15, or 2 with --quick)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    cfg = dict(QUICK if args.quick else FULL, quick=args.quick)
    if args.rounds:
        cfg["rounds"] = cfg["min_rounds"] = args.rounds
    if args.worker:
        return worker(args.worker, cfg)

    started = time.perf_counter()
    log = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    _, chars, data = load_text(cfg["chars"])
    cfg["V"] = V = len(chars)
    loop_loss, package_loss, tuned_loss = first_window_losses(data, V, cfg["H"], cfg["T"])
    print(f"first window: per-character loop loss {loop_loss:.12f}, package loss {package_loss:.12f}, "
          f"tuned batch-one loss {tuned_loss:.12f}")
    if not np.allclose([package_loss, tuned_loss], loop_loss, rtol=1e-9, atol=0):
        raise SystemExit("bench: the per-character loop, the package and the tuned step disagree on the first window")
    with_torch = torch_available() and not args.no_torch
    workers = run_rounds(cfg, args.quick, with_torch, log)
    flops_per_char = 6 * cfg["H"] ** 2 + 6 * cfg["H"] * V
    ceilings, shown = {}, None
    for key, _, kind, impl, B, dtype in rows(cfg, with_torch):
        if kind == "train" and impl != "loop" and (B, dtype) not in ceilings:
            rates, ceilings[(B, dtype)] = gemm_ceiling(cfg, V, B, np.dtype(dtype))
            if dtype == "float32" and (shown is None or B <= 128):
                shown = rates
    train, sample, summary = tables(cfg, workers, ceilings)
    gemms = gemm_table(shown)
    checks = floors(cfg, summary)
    loop_rates = next(w for w in workers if w.row[0] == "loop").rates
    text = reading(cfg, summary, ceilings, flops_per_char, loop_rates)
    elapsed = time.perf_counter() - started
    rounds = len(workers[0].rates)
    print(f"\nTraining, H={cfg['H']} T={cfg['T']} V={V}, chars/s, median of {rounds} interleaved rounds, "
          "1 BLAS thread (threadpoolctl), PyTorch 1 thread\n")
    print(train)
    print(f"\nSampling {cfg['sample_chars']:,} characters\n")
    print(sample)
    print("\nGEMM throughput\n")
    print(gemms)
    print()
    for claim, value, met in checks:
        print(f"{VERDICT[met].strip('*'):12}  {claim}: {fmt_ratio(value)}")
    print(f"\n{elapsed:.0f} s")
    if args.markdown:
        given = argv if argv is not None else sys.argv[1:]
        command = "python scripts/bench.py " + " ".join(shlex.quote(a) for a in given)
        date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        page = markdown(cfg, machine(), command.strip(), date, elapsed, rounds, train, sample, gemms, text, checks,
                        with_torch)
        args.markdown.write_text(page, encoding="utf-8")
        log(f"bench: wrote {args.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
