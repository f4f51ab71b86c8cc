# Generated from docs/gru.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/gru/

"""clear-rnn: a character-level RNN in NumPy, tangled from its own documentation."""

from rnn.gru import GRU
from rnn.lstm import LSTM
from rnn.model import RNN

MODELS = {"rnn": RNN, "lstm": LSTM, "gru": GRU}
__all__ = ["RNN", "LSTM", "GRU", "MODELS"]
__version__ = "0.1.0"
