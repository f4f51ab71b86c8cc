"""The API says what is wrong: every public function refuses a bad argument in one line that names it,
raised by the package itself (not from inside NumPy), and a NaN never reaches a weight unannounced."""

import math
import re
import traceback
from pathlib import Path

import numpy as np
import pytest

import rnn
from rnn import GRU, LSTM, RNN
from rnn.data import Vocab, lanes, read_text, split_pages, windows

V, H = 10, 4
PACKAGE = Path(rnn.__file__).parent
X, Y = np.array([1, 2, 3]), np.array([2, 3, 4])
h0 = np.zeros((H, 1))
vocab = Vocab("abcdefghij")
codes = vocab.encode("abcdefghij" * 50)


def model(cls=RNN, **options):
    return cls(vocab_size=V, hidden_size=H, seed=0, **options)


def assign(name, value):
    setattr(model(), name, value)


def claim(text, call, error, argument):
    return pytest.param(call, error, argument, id=text)


REFUSED = [
    # building a model
    claim("a str vocab_size is refused, naming vocab_size", lambda: RNN(vocab_size="10"), ValueError, "vocab_size"),
    claim("a bool for hidden_size is refused, naming hidden_size", lambda: RNN(V, hidden_size=True), ValueError,
          "hidden_size"),
    claim("a dtype NumPy does not know is refused, naming dtype", lambda: RNN(V, dtype="banana"), ValueError, "dtype"),
    claim("dtype None is refused, naming dtype", lambda: RNN(V, dtype=None), ValueError, "dtype"),
    claim("an integer dtype is refused, naming dtype", lambda: RNN(V, dtype=np.int32), ValueError, "dtype"),
    claim("a list for optimizer is refused, naming optimizer", lambda: RNN(V, optimizer=["adam"]), ValueError,
          "optimizer"),
    claim("a str seed is refused, naming seed", lambda: RNN(V, seed="abc"), ValueError, "seed"),
    claim("a negative seed is refused, naming seed", lambda: RNN(V, seed=-1), ValueError, "seed"),
    claim("a float seed is refused, naming seed", lambda: RNN(V, seed=1.5), ValueError, "seed"),
    claim("a NaN clip is refused, naming clip", lambda: LSTM(V, clip=math.nan), ValueError, "clip"),
    claim("a str for fast is refused, naming fast", lambda: GRU(V, fast="no"), TypeError, "fast"),
    # loss, train_step, predict
    claim("a float index array is refused, naming inputs", lambda: model().loss(X * 1.0, Y, None), ValueError,
          "inputs"),
    claim("a bool index array is refused, naming inputs", lambda: model().loss([True, False], [1, 2], None),
          ValueError, "inputs"),
    claim("an object array is refused, naming inputs",
          lambda: model().loss(np.array([1, "a"], dtype=object), Y[:2], None), ValueError, "inputs"),
    claim("a negative index is refused, naming inputs", lambda: model().loss([-1, 2, 3], Y, None), ValueError,
          "inputs"),
    claim("an index past the vocabulary is refused, naming targets", lambda: model().loss(X, [2, 3, V], None),
          ValueError, "targets"),
    claim("empty inputs are refused, naming inputs", lambda: model().loss(np.array([], int), np.array([], int), None),
          ValueError, "inputs"),
    claim("empty inputs to the LSTM are refused, naming inputs", lambda: model(LSTM).predict(np.array([], int), None),
          ValueError, "inputs"),
    claim("zero streams are refused, naming inputs", lambda: model(GRU).loss(np.zeros((3, 0), int),
                                                                             np.zeros((3, 0), int), None),
          ValueError, "inputs"),
    claim("three-dimensional inputs are refused, naming inputs", lambda: model().predict(X[:, None, None], None),
          ValueError, "inputs"),
    claim("targets None are refused, naming targets", lambda: model().loss(X, None, None), ValueError, "targets"),
    claim("targets shorter than inputs are refused, naming targets", lambda: model().train_step(X, Y[:2], None),
          ValueError, "targets"),
    claim("targets of another batch size are refused, naming targets",
          lambda: model().loss(np.ones((3, 2), int), np.ones((3, 3), int), None), ValueError, "targets"),
    claim("a NaN state is refused, naming hprev", lambda: model().train_step(X, Y, np.full((H, 1), math.nan)),
          ValueError, "hprev"),
    claim("an infinite LSTM state is refused, naming hprev",
          lambda: model(LSTM).train_step(X, Y, np.full((2 * H, 1), math.inf)), ValueError, "hprev"),
    claim("a state of text is refused, naming hprev", lambda: model().loss(X, Y, "zeros"), ValueError, "hprev"),
    claim("a complex state is refused, naming hprev", lambda: model().loss(X, Y, np.zeros((H, 1)) + 1j),
          ValueError, "hprev"),
    claim("a bool state is refused, naming hprev", lambda: model().loss(X, Y, np.zeros((H, 1), bool)), ValueError,
          "hprev"),
    claim("a state of Nones is refused, naming hprev", lambda: model().loss(X, Y, np.array([[None]] * H)),
          ValueError, "hprev"),
    claim("a state with one row too many is refused, naming hprev", lambda: model().predict(X, np.zeros((H + 1, 1))),
          ValueError, "hprev"),
    claim("a state of another batch size is refused, naming hprev", lambda: model().loss(X, Y, np.zeros((H, 2))),
          ValueError, "hprev"),
    # the parameters
    claim("a NaN weight is refused, naming it", lambda: assign("Whh", np.full((H, H), math.nan)), ValueError, "Whh"),
    claim("an infinite weight is refused, naming it", lambda: assign("by", np.full((V, 1), math.inf)), ValueError,
          "by"),
    claim("complex weights are refused, naming them", lambda: assign("Wxh", np.zeros((H, V)) + 1j), ValueError,
          "Wxh"),
    claim("weights of Nones are refused, naming them", lambda: assign("Whh", np.array([[None] * H] * H)), ValueError,
          "Whh"),
    claim("a weight of the wrong shape is refused, naming it", lambda: assign("bh", np.zeros(H)), ValueError, "bh"),
    # sample and step
    claim("a seed character past the vocabulary is refused, naming seed_ix", lambda: model().sample(h0, V, 5),
          ValueError, "seed_ix"),
    claim("a float seed character is refused, naming seed_ix", lambda: model().sample(h0, 1.5, 5), ValueError,
          "seed_ix"),
    claim("no seed character is refused, naming seed_ix", lambda: model().sample(h0, [], 5), ValueError, "seed_ix"),
    claim("a negative n is refused, naming n", lambda: model().sample(h0, 1, -1), ValueError, "n"),
    claim("a float n is refused, naming n", lambda: model().sample(h0, 1, 2.5), ValueError, "n"),
    claim("a bool n is refused, naming n", lambda: model().sample(h0, 1, True), ValueError, "n"),
    claim("a str temperature is refused, naming temperature", lambda: model().sample(h0, 1, 5, temperature="1"),
          ValueError, "temperature"),
    claim("temperature None is refused, naming temperature", lambda: model().sample(h0, 1, 5, temperature=None),
          ValueError, "temperature"),
    claim("a NaN temperature is refused, naming temperature",
          lambda: model().sample(h0, 1, 5, temperature=math.nan), ValueError, "temperature"),
    claim("a float top_k is refused, naming top_k", lambda: model().sample(h0, 1, 5, top_k=2.0), ValueError, "top_k"),
    claim("a seed number for rng is refused, naming rng", lambda: model().sample(h0, 1, 5, rng=5), TypeError, "rng"),
    claim("a NaN sampling state is refused, naming h", lambda: model().sample(np.full((H, 1), math.nan), 1, 5),
          ValueError, "h"),
    claim("an RNN-sized state for the LSTM is refused, naming h", lambda: model(LSTM).sample(h0, 1, 5), ValueError,
          "h"),
    claim("a step past the vocabulary is refused, naming ix", lambda: model().step(V, h0), ValueError, "ix"),
    claim("a step from index -1 is refused, naming ix", lambda: model(GRU).step([-1], h0), ValueError, "ix"),
    claim("a step from a NaN state is refused, naming h", lambda: model().step([1], np.full((H, 1), math.nan)),
          ValueError, "h"),
    # the data
    claim("an empty vocabulary is refused, naming chars", lambda: Vocab(""), ValueError, "chars"),
    claim("a vocabulary of None is refused, naming chars", lambda: Vocab(None), TypeError, "chars"),
    claim("a vocabulary of numbers is refused, naming chars", lambda: Vocab([1, 2]), TypeError, "chars"),
    claim("bytes to encode are refused, naming text", lambda: vocab.encode(b"abc"), TypeError, "text"),
    claim("None to encode is refused, naming text", lambda: vocab.encode(None), TypeError, "text"),
    claim("a chunk of 0 is refused, naming chunk", lambda: vocab.encode("abc", chunk=0), ValueError, "chunk"),
    claim("a negative chunk is refused, naming chunk", lambda: vocab.encode("abc", chunk=-1), ValueError, "chunk"),
    claim("a single index to decode is refused, naming ixes", lambda: vocab.decode(3), ValueError, "ixes"),
    claim("index -1 to decode is refused, naming ixes", lambda: vocab.decode([-1]), ValueError, "ixes"),
    claim("None to split is refused, naming text", lambda: split_pages(None), TypeError, "text"),
    claim("a val_fraction over 1 is refused, naming it", lambda: split_pages("ab" * 50, val_fraction=1.5),
          ValueError, "val_fraction"),
    claim("a NaN val_fraction is refused, naming it", lambda: split_pages("ab" * 50, val_fraction=math.nan),
          ValueError, "val_fraction"),
    claim("a negative max_page_share is refused, naming it", lambda: split_pages("ab" * 50, max_page_share=-1),
          ValueError, "max_page_share"),
    claim("a batch size of 0 is refused, naming batch_size", lambda: lanes(codes, 0), ValueError, "batch_size"),
    claim("text not yet encoded is refused, naming data", lambda: lanes("abcdef", 2), ValueError, "data"),
    claim("float codes are refused, naming data", lambda: next(windows(codes * 1.0, 5, 2)), ValueError, "data"),
    claim("codes of two dimensions are refused, naming data", lambda: next(windows(codes.reshape(10, -1), 5, 2)),
          ValueError, "data"),
    claim("a seq_length of 0 is refused, naming seq_length", lambda: next(windows(codes, 0, 2)), ValueError,
          "seq_length"),
    claim("a negative position is refused, naming position", lambda: next(windows(codes, 5, 2, position=-7)),
          ValueError, "position"),
    claim("a position of None is refused, naming position", lambda: next(windows(codes, 5, 2, position=None)),
          ValueError, "position"),
    claim("a path of None is refused, naming path", lambda: read_text(None), TypeError, "path"),
    claim("a negative max_bytes is refused, naming max_bytes", lambda: read_text(__file__, max_bytes=-1),
          ValueError, "max_bytes"),
]


@pytest.mark.parametrize("call, error, argument", REFUSED)
def test_a_bad_argument_is_refused_in_one_line_that_names_it(call, error, argument):
    with pytest.raises(error) as caught:
        call()
    message = str(caught.value)
    assert message and "\n" not in message, message
    assert re.search(rf"(?<!\w){re.escape(argument)}(?!\w)", message), message
    raised_in = Path(traceback.extract_tb(caught.tb)[-1].filename)
    assert raised_in.parent == PACKAGE, f"raised in {raised_in}, not by the package: {message}"


def test_a_window_whose_loss_is_not_finite_leaves_the_weights_as_they_were():
    m = model()
    m.by[0, 0] = np.nan  # written into the view, past the checks of `m.by = ...`
    before = m.theta.copy()
    loss, _ = m.train_step(X, Y, None)
    assert math.isnan(loss)
    np.testing.assert_array_equal(m.theta, before)  # one NaN, where it was put, and no more


def test_a_checked_step_gives_what_the_sampler_reads():
    m = model(LSTM)
    m.theta[:] = np.random.default_rng(0).standard_normal(m.theta.size) * 0.5
    state = np.random.default_rng(1).standard_normal((2 * H, 3))
    y, s = m.step([1, 2, 3], state)
    y_read, s_read = m.read(np.array([1, 2, 3]), state)
    np.testing.assert_array_equal(y, y_read)
    np.testing.assert_array_equal(s, s_read)


@pytest.mark.parametrize("call", [
    pytest.param(lambda: model().train_step(X.astype(np.uint8), Y.astype(np.int32), np.zeros((H, 1), int)),
                 id="indices of any integer type and a state of integers"),
    pytest.param(lambda: RNN(V, seed=np.int64(3), dtype="float32"), id="a NumPy integer seed and a dtype by name"),
    pytest.param(lambda: model().sample(None, np.uint8(3), 4, temperature=0, rng=np.random.default_rng(0)),
                 id="a NumPy scalar seed character, a zero state and greedy sampling"),
    pytest.param(lambda: next(windows(list(codes), 5, 2, position=np.int64(10))), id="codes as a list"),
    pytest.param(lambda: vocab.decode([]), id="nothing to decode"),
])
def test_what_is_right_in_another_form_is_still_accepted(call):
    call()
