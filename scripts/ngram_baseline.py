"""A count-based yardstick for every bpc figure: interpolated Witten-Bell n-grams on characters.

    python scripts/ngram_baseline.py                 # writes data/runs/ngram.json and ngram.md
    python scripts/ngram_baseline.py --orders 3 5 7  # other orders

The n-grams are counted on the training pages and scored on every held-out character, with the
page-level split and the vocabulary `rnn-train` uses (rnn/data.py), so their bits per character
stand beside the models' validation bpc like for like. Witten-Bell smoothing gives a context h the
weight c(h) / (c(h) + N(h)) for its own counts, where N(h) is the number of distinct characters seen
after h, and passes the rest to the context one character shorter; below the unigram is the uniform
distribution over the vocabulary:

    P(w | h) = (c(h, w) + N(h) P(w | h')) / (c(h) + N(h)),   h' = h without its first character

A context never seen in training passes everything to h'. Each n-gram of order k is one integer,
its characters as base-V digits, so counting is `np.unique` and looking up is `np.searchsorted`.
"""

import argparse
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

from rnn.data import Vocab, read_text, split_pages  # noqa: E402

RECORD = ROOT / "data" / "runs" / "ngram.json"


def codes(data, k, V):
    """The k-gram ending at each position i >= k - 1, as one integer: data[i-k+1..i] in base V."""
    code = np.zeros(len(data) - k + 1, dtype=np.int64)
    for j in range(k):
        code = code * V + data[j:len(data) - k + 1 + j]
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
    """P(val[i] | up to order - 1 characters before it), for every position i of val."""
    p = np.full(len(val), 1 / V)
    for k in range(1, order + 1):
        counts = Counts(train, k, V)
        grams = codes(val, k, V)  # grams[j] ends at position j + k - 1
        p[k - 1:] = counts.interpolate(grams, p[k - 1:])
        # the first k - 1 positions have shorter contexts and keep the lower order's estimate
    return p


def bpc(train, val, order, V):
    """Bits per character of val[1:], as the models' validation scores it."""
    return float(-np.log2(probabilities(train, val, order, V)[1:]).mean())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "linux_man.txt", help="UTF-8 text")
    parser.add_argument("--orders", type=int, nargs="+", default=[5, 7], help="n-gram orders (default 5 7)")
    parser.add_argument("--record", type=Path, default=RECORD, help="where to write the record")
    args = parser.parse_args(argv)
    if any(n < 1 for n in args.orders):
        parser.error("orders must be at least 1")
    text = read_text(args.data)
    vocab = Vocab(text)
    V = len(vocab)
    if V ** max(args.orders) >= 2**63:
        parser.error(f"order {max(args.orders)} with {V} characters does not fit one int64 per n-gram")
    train_text, val_text, _ = split_pages(text)
    train, val = vocab.encode(train_text), vocab.encode(val_text)
    results = {}
    for n in args.orders:
        start = time.perf_counter()
        results[n] = bpc(train, val, n, V)
        print(f"{n}-gram (Witten-Bell, interpolated): {results[n]:.3f} bpc on {len(val) - 1:,} held-out "
              f"characters ({time.perf_counter() - start:.0f} s)")
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
    }
    args.record.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    table = [f"<!-- Generated by `{record['command']}`: do not edit, run it again. -->", "",
             "| count-based baseline, same split | held-out bpc |", "|---|--:|"]
    table += [f"| {n}-gram, interpolated Witten-Bell | {b:.3f} |" for n, b in results.items()]
    args.record.with_suffix(".md").write_text("\n".join(table) + "\n", encoding="utf-8")
    print(f"wrote {args.record} and {args.record.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
