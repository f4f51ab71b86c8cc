"""Train the RNN on the shipped man pages and watch it write: the same program as `rnn-train`.

    python scripts/example_text_generation.py --steps 2000
    python scripts/example_text_generation.py --help
"""

import sys

from rnn.start import train_main

if __name__ == "__main__":
    sys.exit(train_main())
