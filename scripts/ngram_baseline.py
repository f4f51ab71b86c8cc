"""A count-based yardstick for every bpc figure: interpolated Witten-Bell n-grams on characters.

    python scripts/ngram_baseline.py                 # writes data/runs/ngram.json and ngram.md
    python scripts/ngram_baseline.py --orders 3 5 7  # other orders

The n-grams are counted on the training pages, with the page-level split and the vocabulary
`rnn-train` uses (rnn/data.py), and scored twice: on every held-out character, and on exactly the
characters each validation of a run reads, the first 100,000 held-out characters (`--eval-chars`)
cut into 64 lanes, each read from its own first character (rnn/train.py's `measure`, whose lanes
start from a zero state), so their bits per character stand beside a run's logged validations like
for like. Witten-Bell smoothing gives a context h the
weight c(h) / (c(h) + N(h)) for its own counts, where N(h) is the number of distinct characters seen
after h, and passes the rest to the context one character shorter; below the unigram is the uniform
distribution over the vocabulary:

    P(w | h) = (c(h, w) + N(h) P(w | h')) / (c(h) + N(h)),   h' = h without its first character

A context never seen in training passes everything to h'. Each n-gram of order k is one integer,
its characters as base-V digits, so counting is `np.unique` and looking up is `np.searchsorted`.
"""

import argparse
import inspect
import json
import math
import shlex
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the package, also when it is not installed

from rnn.data import Vocab, lanes, read_text, split_pages  # noqa: E402
from rnn.train import TrainConfig, measure  # noqa: E402

RECORD = ROOT / "data" / "runs" / "ngram.json"
LANES = inspect.signature(measure).parameters["lanes_at_once"].default  # as validation reads


def codes(data, k, V):
    """The k-gram ending at each position i >= k - 1 of the last axis, as one integer:
    data[..., i-k+1..i] in base V."""
    n = data.shape[-1]
    code = np.zeros(data.shape[:-1] + (n - k + 1,), dtype=np.int64)
    for j in range(k):
        code = code * V + data[..., j:n - k + 1 + j]
    return code


class Counts:
    """The counts of one order: each k-gram, and for each context (its first k - 1 characters)
    the total count c(h) and the number N(h) of distinct characters that followed it."""

    def __init__(self, data, k, V):
        self.k, self.V = k, V
        self.grams, self.gram_counts = np.unique(codes(data, k, V), return_counts=True)
        contexts = self.grams // V
        self.contexts, first, self.types = np.unique(contexts, return_index=True, return_counts=True)
        self.totals = np.add.reduceat(self.gram_counts, first)

    @staticmethod
    def lookup(keys, values, query):
        at = np.minimum(np.searchsorted(keys, query), len(keys) - 1)
        return np.where(keys[at] == query, values[at], 0)

    def interpolate(self, grams, lower):
        """P(w | h) for the given k-grams, from the next-lower order's probabilities."""
        c_hw = self.lookup(self.grams, self.gram_counts, grams)
        c_h = self.lookup(self.contexts, self.totals, grams // self.V)
        n_h = self.lookup(self.contexts, self.types, grams // self.V)
        seen = c_h > 0
        return np.where(seen, (c_hw + n_h * lower) / np.maximum(c_h + n_h, 1), lower)


def probabilities(train, val, order, V):
    """P(val[..., i] | up to order - 1 characters before it in its row), for every position i
    of val's last axis: each row is a text of its own."""
    p = np.full(val.shape, 1 / V)
    for k in range(1, order + 1):
        counts = Counts(train, k, V)
        grams = codes(val, k, V)  # grams[..., j] ends at position j + k - 1
        p[..., k - 1:] = counts.interpolate(grams, p[..., k - 1:])
        # the first k - 1 positions have shorter contexts and keep the lower order's estimate
    return p


def bpc(train, val, order, V):
    """Bits per character of val[..., 1:]: each row's first character is only read."""
    return float(-np.log2(probabilities(train, val, order, V)[..., 1:]).mean())


def as_validated(val, eval_chars):
    """The first eval_chars held-out characters (and the one before them) as a run's validation
    reads them: in lanes, each a row from the character it starts with to the last it predicts."""
    X, Y = lanes(val[:eval_chars + 1], LANES)  # (L, B) inputs and targets
    return np.concatenate([X[:1], Y]).T  # (B, L + 1)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "linux_man.txt", help="UTF-8 text")
    parser.add_argument("--orders", type=int, nargs="+", default=[5, 7], help="n-gram orders (default 5 7)")
    parser.add_argument("--eval-chars", type=int, default=TrainConfig().eval_chars,
                        help="held-out characters a run's periodic validation reads (default %(default)s)")
    parser.add_argument("--record", type=Path, default=RECORD, help="where to write the record")
    args = parser.parse_args(argv)
    if any(n < 1 for n in args.orders):
        parser.error("orders must be at least 1")
    if args.eval_chars < LANES:
        parser.error(f"--eval-chars must be at least {LANES}, a character a lane")
    text = read_text(args.data)
    vocab = Vocab(text)
    V = len(vocab)
    if V ** max(args.orders) >= 2**63:
        parser.error(f"order {max(args.orders)} with {V} characters does not fit one int64 per n-gram")
    train_text, val_text, _ = split_pages(text)
    train, val = vocab.encode(train_text), vocab.encode(val_text)
    validated = as_validated(val, args.eval_chars)
    results, first = {}, {}
    for n in args.orders:
        start = time.perf_counter()
        results[n], first[n] = bpc(train, val, n, V), bpc(train, validated, n, V)
        print(f"{n}-gram (Witten-Bell, interpolated): {results[n]:.3f} bpc on {len(val) - 1:,} held-out "
              f"characters, {first[n]:.3f} on the {validated[:, 1:].size:,} a validation reads "
              f"({time.perf_counter() - start:.0f} s)")
    given = argv if argv is not None else sys.argv[1:]
    record = {
        "command": " ".join(["python scripts/ngram_baseline.py", *map(shlex.quote, given)]),
        "data": str(args.data.resolve().relative_to(ROOT)) if args.data.resolve().is_relative_to(ROOT)
        else str(args.data),
        "smoothing": "interpolated Witten-Bell, uniform over the vocabulary below the unigram",
        "vocab_size": V,
        "train_chars": len(train),
        "val_chars_scored": len(val) - 1,
        "val_bpc": {str(n): round(b, 4) for n, b in results.items()},
        "as_validated": {
            "eval_chars": args.eval_chars,
            "lanes": len(validated),
            "chars_scored": validated[:, 1:].size,
            "val_bpc": {str(n): round(b, 4) for n, b in first.items()},
        },
    }
    args.record.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    table = [f"<!-- Generated by `{record['command']}`: do not edit, run it again. -->", "",
             f"| count-based baseline, same split | all held-out characters | the first "
             f"{args.eval_chars:,}, as a validation reads them |", "|---|--:|--:|"]
    table += [f"| {n}-gram, interpolated Witten-Bell | {results[n]:.3f} | {first[n]:.3f} |"
              for n in args.orders]
    args.record.with_suffix(".md").write_text("\n".join(table) + "\n", encoding="utf-8")
    print(f"wrote {args.record} and {args.record.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
