"""Time clear-rnn's RNN, LSTM and GRU against PyTorch's twins and against their own matrix products.

    python scripts/bench.py                          # both tables on stdout (about ten minutes)
    python scripts/bench.py --write data/runs/bench  # ... and the snippets the pages include
    python scripts/bench.py --quick                  # tiny sizes, seconds: a smoke test
    python scripts/bench.py --cells rnn --batches 128 512 --threads 1 --baseline HEAD~1

For every cell, hidden size H and batch size B there are three rows, each in its own worker
process: clear-rnn's `train_step`, the same model in PyTorch (`nn.RNN`, `nn.LSTM`, `nn.GRU` on
one-hot inputs, `nn.Linear`, cross-entropy summed over time and averaged over the batch, the same
optimizer and clipping), and the GEMM ceiling: the step's matrix products alone, at the same
shapes. Workers are started before any timing, so that no row's imports or memory help or hurt
another's. The parent then times in rounds, asking every worker in a rotating order for a fixed
number of steps, so that all rows see the machine at nearly the same moment. With one thread a
row is timed by its process's CPU time, which other processes' turns on a shared machine do not
inflate; with two, by wall time. Speeds are medians over rounds; ratios are medians of the
per-round ratios.

`--baseline REV` times, instead of PyTorch and the ceiling, the package as it was at git revision
REV, in the same rounds: the before and after of a change (of the working tree, or of the
revision given by `--after`). The history table times min-char-rnn's
per-character loop (scripts/min_char_rnn.py) beside the package. PyTorch comes from
`pip install -e ".[bench]"`.
"""

import argparse
import datetime
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import min_char_rnn  # noqa: E402

FULL = {"chars": 200_000, "H": 100, "T": 25, "batches": [1, 32, 128, 512], "big_H": 512, "big_B": 128,
        "round_seconds": 0.25, "rounds": 9}
QUICK = {"chars": 20_000, "H": 16, "T": 10, "batches": [1, 8], "big_H": 32, "big_B": 8,
         "round_seconds": 0.01, "rounds": 2}
GATES = {"rnn": 1, "lstm": 4, "gru": 3}  # how many H-row blocks Wx and Wh stack
OPTIMIZER = {"rnn": ("adagrad", 0.1), "lstm": ("adam", 2e-3), "gru": ("adam", 2e-3)}  # at FULL's H
NAMES = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}


def row_optimizer(cell, H):
    """The row's optimizer and its rate: the cell's, scaled by FULL's H / H above FULL's H.
    Adagrad at 0.1 makes the RNN at H = 512 diverge within a few steps; a step's speed does not
    depend on the rate, but a benchmark should time a model that learns (tests/test_bench.py)."""
    name, lr = OPTIMIZER[cell]
    return name, lr * min(1, FULL["H"] / H)


def row_model(cell, V, H, T, dtype):
    """The package's model that a row trains, at the row's optimizer and rate."""
    import rnn

    optimizer, lr = row_optimizer(cell, H)
    return getattr(rnn, NAMES[cell])(vocab_size=V, hidden_size=H, seq_length=T, seed=0, dtype=np.dtype(dtype),
                                     optimizer=optimizer, learning_rate=lr)


def load_text(n_chars):
    """The first n_chars characters of the man-page corpus, encoded as rnn-train encodes them."""
    from rnn.data import Vocab, corpus_path, read_text

    text = read_text(corpus_path())[:n_chars]
    vocab = Vocab(text)
    return len(vocab), vocab.encode(text)


def lanes(data, B, T):
    """B streams side by side, as rnn-train reads them, refused if shorter than a window."""
    from rnn.data import lanes

    X, Y = lanes(data, B)
    if len(X) < T:
        raise SystemExit(f"bench: {len(data)} characters are too few for {B} lanes of {T} steps")
    return X, Y


# --- the rows: key "impl:cell:H:B:dtype" ---------------------------------------------------------

def configs(cfg):
    out = [(cell, cfg["H"], B) for cell in cfg["cells"] for B in cfg["batches"]]
    return out + [(cell, cfg["big_H"], cfg["big_B"]) for cell in cfg["cells"] if cfg["big_H"]]


def rows(cfg, history):
    impls = ["baseline", "numpy"] if cfg.get("baseline") else ["numpy", "torch", "gemm"]
    out = [f"{impl}:{cell}:{H}:{B}:float32" for cell, H, B in configs(cfg) for impl in impls]
    if history:
        out += ["loop:rnn:{H}:1:float64".format(**cfg), "numpy:rnn:{H}:1:float64".format(**cfg)]
    return list(dict.fromkeys(out))


def parse(key):
    impl, cell, H, B, dtype = key.split(":")
    return impl, cell, int(H), int(B), dtype


# --- one unit of work per row: a training step, or the step's products ---------------------------

def torch_twin(cell, V, H):
    """PyTorch's cell of the same kind and sizes, on one-hot inputs, and its output layer."""
    import torch

    torch.manual_seed(0)
    return {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell](V, H), torch.nn.Linear(H, V)


def torch_step(cell, V, H, B, X, Y, T, threads):
    import torch

    torch.set_num_threads(threads)
    net, linear = torch_twin(cell, V, H)
    params = [*net.parameters(), *linear.parameters()]
    name, lr = row_optimizer(cell, H)
    optimizer = {"adagrad": torch.optim.Adagrad, "adam": torch.optim.Adam}[name](params, lr=lr)
    X, Y = torch.from_numpy(X.astype(np.int64)), torch.from_numpy(Y.astype(np.int64))  # what one_hot takes
    state = {"h": None}

    def step(p):
        x = torch.nn.functional.one_hot(X[p:p + T], V).to(torch.float32)  # (T, B, V)
        out, h = net(x, state["h"])  # None: a zero state
        logits = linear(out)  # (T, B, V)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, V), Y[p:p + T].reshape(-1),
                                                 reduction="sum") / B
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_value_(params, 5.0)
        optimizer.step()
        state["h"] = tuple(s.detach() for s in h) if cell == "lstm" else h.detach()

    return step, state


def products(cell, V, H, B, T, dtype=np.float32):
    """The matrix products of one training step: (a, b, how many a step)."""
    G, rng = GATES[cell], np.random.default_rng(0)
    m = lambda *shape: rng.standard_normal(shape).astype(dtype)  # noqa: E731
    return [
        (m(G * H, H), m(H, B), T),  # Wh @ h, every step forward
        (m(G * H, H).T, m(G * H, B), T),  # Wh.T @ da, every step back
        (m(V, H), m(H, T * B), 1),  # Why @ hs
        (m(V, H).T, m(V, T * B), 1),  # Why.T @ dys
        (m(V, T * B), m(H, T * B).T, 1),  # dWhy
        (m(G * H, T * B), m(H, T * B).T, 1),  # dWh
    ]


def make_unit(key, cfg, threads):
    """A function that does one unit of the row's work and returns the characters it stands for."""
    impl, cell, H, B, dtype = parse(key)
    T = cfg["T"]
    V, data = load_text(cfg["chars"])
    if impl == "gemm":
        work = [(a, b, np.empty((a.shape[0], b.shape[1]), a.dtype), n) for a, b, n in products(cell, V, H, B, T)]

        def gemm():
            for a, b, out, n in work:
                for _ in range(n):
                    np.matmul(a, b, out=out)
            return T * B

        return gemm
    X, Y = lanes(data, B, T)
    at = {"p": 0}

    def window(state):
        if at["p"] + T > len(X):
            at["p"] = 0
            state["h"] = None  # back to the top of the text, from a zero state
        at["p"] += T
        return at["p"] - T

    if impl == "torch":
        step, state = torch_step(cell, V, H, B, X, Y, T, threads)
        return lambda: step(window(state)) or T * B
    if impl == "loop":
        from rnn import RNN

        p, mem = min_char_rnn.init(RNN(vocab_size=V, hidden_size=H, seq_length=T, seed=0))
        xs, ys, state = X[:, 0].tolist(), Y[:, 0].tolist(), {"h": None}  # min-char-rnn reads lists

        def loop():
            i = window(state)
            h = np.zeros((H, 1)) if state["h"] is None else state["h"]
            state["h"] = min_char_rnn.train_step(p, mem, xs[i:i + T], ys[i:i + T], h)[1]
            return T

        return loop
    model = row_model(cell, V, H, T, dtype)
    state = {"h": None}

    def train():
        i = window(state)
        state["h"] = model.train_step(X[i:i + T], Y[i:i + T], state["h"])[1]
        return T * B

    return train


def worker(key, cfg, threads, package_dir):
    """Serve one row: answer 'warmup', a number n (time n units) and 'quit', one JSON line each."""
    sys.path.insert(0, package_dir or str(ROOT))  # a revision's package, or this one
    # One thread: the process's CPU time, which other processes' turns on a shared machine do not
    # inflate. More threads: wall time, since a thread that waits for a busy core costs wall time.
    clock = time.process_time if threads == 1 else time.perf_counter
    with threadpool_limits(limits=threads):
        unit = make_unit(key, cfg, threads)
        print(json.dumps({"loaded": key}), flush=True)
        for line in sys.stdin:
            if line.strip() == "quit":
                break
            if line.strip() == "warmup":
                start, units = clock(), 0
                while units < 2 or clock() - start < cfg["round_seconds"]:
                    chars = unit()
                    units += 1
                print(json.dumps({"unit_seconds": (clock() - start) / units, "chars": chars}),
                      flush=True)
                continue
            faults = minor_faults()
            start = clock()
            for _ in range(int(line)):
                unit()
            seconds = clock() - start
            faults = minor_faults() - faults
            print(json.dumps({"seconds": seconds, "faults": faults}), flush=True)


def minor_faults():
    """The process's minor page faults so far; 0 where the system does not count them (Windows)."""
    try:
        import resource
    except ImportError:
        return 0
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


class Worker:
    def __init__(self, key, args, threads, dirs):
        cmd = [sys.executable, __file__, "--worker", key, "--threads", str(threads)]
        package_dir = dirs.get(parse(key)[0])
        cmd += ["--quick"] * args.quick + ["--package-dir", package_dir] * bool(package_dir)
        self.key = key
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.rates, self.faults = [], []

    def ask(self, line=None):
        if line is not None:
            self.proc.stdin.write(line + "\n")
            self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        if not answer:
            raise SystemExit(f"bench: the worker for {self.key} stopped (exit code {self.proc.wait()})")
        return json.loads(answer)


def run_rounds(keys, cfg, args, threads, dirs):
    workers = [Worker(key, args, threads, dirs) for key in keys]
    for w in workers:  # every worker set up before any is timed
        w.ask()
    for w in workers:
        ready = w.ask("warmup")
        w.units, w.chars = max(1, round(cfg["round_seconds"] / ready["unit_seconds"])), ready["chars"]
    for r in range(cfg["rounds"]):
        for w in workers[r % len(workers):] + workers[:r % len(workers)]:  # a rotating order
            result = w.ask(str(w.units))
            w.rates.append(w.units * w.chars / result["seconds"])
            w.faults.append(result["faults"] / w.units)
        print(f"bench: {threads} thread(s), round {r + 1} of {cfg['rounds']}", file=sys.stderr, flush=True)
    for w in workers:
        w.proc.stdin.write("quit\n")
        w.proc.stdin.close()
        w.proc.wait()
    return {w.key: w for w in workers}


# --- the tables ------------------------------------------------------------------------------------

def ratio(a, b):
    """The median of per-round ratios of two rows timed in the same rounds."""
    return float(np.median(np.array(a.rates) / np.array(b.rates)))


def speed_table(done, cfg, threads):
    head = ["cell", "H", "B", "clear-rnn (chars/s)", "PyTorch (chars/s)", "× PyTorch",
            "% of GEMM ceiling", "PyTorch % of GEMM ceiling"]
    lines = ["| " + " | ".join(head) + " |", "|---|--:|--:|--:|--:|--:|--:|--:|"]
    summary = []
    for cell, H, B in configs(cfg):
        ours, torch, gemm = (done[f"{impl}:{cell}:{H}:{B}:float32"] for impl in ["numpy", "torch", "gemm"])
        row = {"cell": cell, "H": H, "B": B, "threads": threads, "chars_per_s": float(np.median(ours.rates)),
               "torch_chars_per_s": float(np.median(torch.rates)), "vs_torch": ratio(ours, torch),
               "of_ceiling": ratio(ours, gemm), "torch_of_ceiling": ratio(torch, gemm),
               "faults_per_step": float(np.median(ours.faults))}
        cells = [NAMES[cell], H, B, f"{row['chars_per_s']:,.0f}", f"{row['torch_chars_per_s']:,.0f}",
                 f"{row['vs_torch']:.2f}×", f"{100 * row['of_ceiling']:.0f}%", f"{100 * row['torch_of_ceiling']:.0f}%"]
        lines.append("| " + " | ".join(map(str, cells)) + " |")
        summary.append(row)
    return "\n".join(lines), summary


def change_table(done, cfg, threads):
    """Before and after: the package at --baseline and as it is, timed in the same rounds."""
    lines = ["| cell | H | B | before (chars/s) | after (chars/s) | after / before | page faults a step, "
             "before → after |", "|---|--:|--:|--:|--:|--:|--:|"]
    summary = []
    for cell, H, B in configs(cfg):
        before, after = (done[f"{impl}:{cell}:{H}:{B}:float32"] for impl in ["baseline", "numpy"])
        row = {"cell": cell, "H": H, "B": B, "threads": threads, "before": float(np.median(before.rates)),
               "after": float(np.median(after.rates)), "speedup": ratio(after, before),
               "faults_before": float(np.median(before.faults)), "faults_after": float(np.median(after.faults))}
        lines.append(f"| {NAMES[cell]} | {H} | {B} | {row['before']:,.0f} | {row['after']:,.0f} "
                     f"| {row['speedup']:.2f}× | {row['faults_before']:,.0f} → {row['faults_after']:,.0f} |")
        summary.append(row)
    return "\n".join(lines), summary


def history_table(done, cfg):
    loop = done["loop:rnn:{H}:1:float64".format(**cfg)]
    lines = ["| row | B | dtype | chars/s | × min-char-rnn |", "|---|--:|---|--:|--:|"]
    for what, key in [("min-char-rnn, per character", loop.key),
                      ("clear-rnn RNN", "numpy:rnn:{H}:1:float64".format(**cfg)),
                      ("clear-rnn RNN", "numpy:rnn:{H}:{B}:float32".format(H=cfg["H"], B=max(cfg["batches"][:3])))]:
        _, _, _, B, dtype = parse(key)
        lines.append(f"| {what} | {B} | {dtype} | {np.median(done[key].rates):,.0f} | {ratio(done[key], loop):.2f}× |")
    return "\n".join(lines)


def machine(threads_run):
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    blas = [f"{lib['internal_api']} {lib['version']}" for lib in threadpool_info() if lib.get("user_api") == "blas"]
    try:
        import torch

        torch_version = torch.__version__
    except ImportError:
        raise SystemExit('bench: PyTorch is not installed: pip install -e ".[bench]"') from None
    return {"CPU": f"{cpu}, {os.cpu_count()} cores", "load average before the run": threads_run,
            "Python": platform.python_version(), "NumPy": np.__version__, "BLAS": ", ".join(blas),
            "PyTorch": torch_version}


def baseline_tree(rev, into):
    """The package as it was at git revision rev, extracted into a directory of its own."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "rnn"], capture_output=True)
    if archive.returncode:
        raise SystemExit(f"bench: no revision {rev!r}: {archive.stderr.decode().strip()}")
    os.makedirs(into)
    subprocess.run(["tar", "-x", "-C", into], input=archive.stdout, check=True)
    # the package finds its corpus beside itself, in ../data (rnn.data.shipped)
    os.makedirs(os.path.join(into, "data"))
    shutil.copy(ROOT / "data" / "linux_man.txt", os.path.join(into, "data"))
    return into


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny sizes and two rounds: a smoke test")
    parser.add_argument("--write", type=Path, help="write the tables as markdown snippets into this folder")
    parser.add_argument("--cells", nargs="+", choices=list(GATES), default=list(GATES))
    parser.add_argument("--batches", nargs="+", type=int, help="batch sizes (default 1 32 128 512)")
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2], help="a table for each (default 1 2)")
    parser.add_argument("--rounds", type=int, help="timing rounds (default 9)")
    parser.add_argument("--baseline", help="time the package at this git revision beside today's")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--after", help="with --baseline: this git revision instead of the working tree")
    parser.add_argument("--package-dir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    cfg = dict(QUICK if args.quick else FULL, cells=args.cells, baseline=args.baseline)
    if args.batches:
        cfg["batches"], cfg["big_H"] = args.batches, None  # a chosen subset: no H = 512 row
    if args.rounds:
        cfg["rounds"] = args.rounds
    if args.worker:
        return worker(args.worker, cfg, args.threads[0], args.package_dir)

    from rnn import RNN

    V, data = load_text(cfg["chars"])
    H, T = cfg["H"], cfg["T"]
    model = RNN(vocab_size=V, hidden_size=H, seq_length=T, seed=0)
    p, _ = min_char_rnn.init(model)
    expected = min_char_rnn.lossFun(p, data[:T], data[1:T + 1], np.zeros((H, 1)))[0]
    if not np.isclose(model.loss(data[:T], data[1:T + 1], None)[0], expected, rtol=1e-9, atol=0):
        raise SystemExit("bench: the package and min-char-rnn disagree on the first window")
    info = machine(" ".join(f"{x:.2f}" for x in os.getloadavg()))
    given = argv if argv is not None else sys.argv[1:]
    command = " ".join(["python scripts/bench.py", *map(shlex.quote, given)])
    started = time.perf_counter()
    out = {"tables": {}, "summary": []}
    with tempfile.TemporaryDirectory() as tmp:
        dirs = {}
        for impl, rev in [("baseline", args.baseline), ("numpy", args.after)]:
            if rev:
                dirs[impl] = baseline_tree(rev, os.path.join(tmp, impl))
        for threads in args.threads:
            history = threads == 1 and "rnn" in cfg["cells"] and 1 in cfg["batches"] and not args.baseline
            done = run_rounds(rows(cfg, history), cfg, args, threads, dirs)
            table, summary = (change_table if args.baseline else speed_table)(done, cfg, threads)
            out["tables"][f"{'change' if args.baseline else 'threads'}-{threads}"] = table
            out["summary"] += summary
            if history:
                out["tables"]["history"] = history_table(done, cfg)
    elapsed = time.perf_counter() - started
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    run = {**info, "Date": date, "Command": f"`{command}`",
           "Model": f"H = {H} (and {cfg['big_H']}), T = {T}, V = {V}, float32" if cfg["big_H"] else
                    f"H = {H}, T = {T}, V = {V}, float32",
           "Rounds": f"{cfg['rounds']} per table, {elapsed:.0f} s in all"}
    out["tables"]["run"] = "| | |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in run.items())
    for name, table in out["tables"].items():
        print(f"\n{name}\n\n{table}")
    if args.write:
        args.write.mkdir(parents=True, exist_ok=True)
        note = f"<!-- Generated by `{command}`: do not edit, run it again. -->\n\n"
        for name, table in out["tables"].items():
            (args.write / f"{name}.md").write_text(note + table + "\n", encoding="utf-8")
        summary = {"command": command, "date": date, "rows": out["summary"]}
        (args.write / "summary.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
        print(f"bench: wrote {args.write}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
