# Generated from docs/program.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/program/

"""rnn-train and rnn-sample start here: the rest is imported once they run."""

import sys


def train_main(argv=None):
    return start("rnn-train", "train_main", argv)


def sample_main(argv=None):
    return start("rnn-sample", "sample_main", argv)


def start(prog, main, argv):
    try:
        from rnn import cli  # NumPy and the package: a fraction of a second
    except KeyboardInterrupt:
        print(f"{prog}: interrupted while starting; nothing was written",
              file=sys.stderr)
        return 130
    return getattr(cli, main)(argv)
