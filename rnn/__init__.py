# Generated from docs/gru.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/gru/

"""clear-rnn: a character-level RNN in NumPy, tangled from its own documentation."""

__all__ = ["RNN", "LSTM", "GRU", "MODELS"]
__version__ = "0.1.0"


def __getattr__(name):
    """rnn.RNN, rnn.LSTM, rnn.GRU and rnn.MODELS, imported at the first use of one."""
    if name not in __all__:
        raise AttributeError(f"module 'rnn' has no attribute {name!r}")
    from rnn.gru import GRU
    from rnn.lstm import LSTM
    from rnn.model import RNN

    MODELS = {"rnn": RNN, "lstm": LSTM, "gru": GRU}
    globals().update(RNN=RNN, LSTM=LSTM, GRU=GRU, MODELS=MODELS)
    return globals()[name]
