"""The live figures, driven in headless Chromium, offline, against the package in CPython.

The site is built once for every browser test (conftest.py), served on
127.0.0.1, and opened with every other host refused. Each test starts a widget,
moves a slider or types, and compares the numbers the page shows with the same
function of the package run here: the page's Python in WebAssembly and CPython
must agree to float tolerance.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlparse

import numpy as np
import pytest

from conftest import LOCAL_HOST, ROOT

START_TIMEOUT_MS = 180_000  # a cold start downloads Python and NumPy


# --- the functions the widgets call, in CPython ------------------------------------


def test_next_chars_is_the_distribution_sample_draws_from():
    from rnn.playground import next_chars

    rows = next_chars("NAME\n", temperature=1.0, shown=200)
    assert sum(p for _, p in rows) == pytest.approx(1, abs=1e-5)
    probs = [p for _, p in rows]
    assert probs == sorted(probs, reverse=True)
    greedy = next_chars("NAME\n", temperature=0)
    assert greedy[0] == [rows[0][0], 1.0] and all(p == 0 for _, p in greedy[1:])
    top3 = next_chars("NAME\n", temperature=1.0, top_k=3)
    assert [c for c, _ in top3[:3]] == [c for c, _ in rows[:3]]
    assert [p for _, p in top3[:3]] == pytest.approx(np.array(probs[:3]) / sum(probs[:3]))
    # Colder is sharper: the likeliest character gains.
    assert next_chars("NAME\n", temperature=0.5)[0][1] > rows[0][1]


def test_write_is_what_rnn_sample_writes(capsys):
    from rnn.cli import sample_main
    from rnn.playground import write

    sample_main(["--prime", "NAME\\n", "-n", "300", "--temperature", "0.5", "--top-k", "3",
                 "--seed", "0"])
    assert capsys.readouterr().out == "NAME\n" + write("NAME\n", 300, 0.5, top_k=3) + "\n"


def test_a_bad_prime_is_a_one_line_error():
    from rnn.data import DataError
    from rnn.playground import next_chars

    with pytest.raises(ValueError, match="at least one character"):
        next_chars("", 1.0)
    with pytest.raises(DataError, match="never seen"):
        next_chars("caf\u00e9", 1.0)


def test_read_gives_the_model_s_own_states_and_surprise():
    from rnn.inside import read, shipped

    text = "NAME\n       ls - list directory contents\n"
    model, vocab = shipped().model, shipped().vocab
    x = vocab.encode(text)
    ps, h = model.predict(x, None)  # the whole text in one call
    r = read(text, unit=63)
    assert r["activation"][-1] == pytest.approx(float(h[63, 0]), abs=1e-5)
    assert r["bits"][0] is None
    bits = -np.log2(ps[np.arange(len(x) - 1), x[1:], 0])
    assert r["bits"][1:] == pytest.approx(bits, abs=1e-4)
    for t in range(1, len(x)):
        assert r["guesses"][t][0][0] == vocab.chars[int(np.argmax(ps[t - 1, :, 0]))]
    with pytest.raises(ValueError, match="unit must be in"):
        read(text, unit=model.hidden_size)


def test_gradient_norms_are_the_norms_of_the_true_gradient():
    from rnn.decay import gradient_norms
    from rnn.loss import softmax
    from rnn.model import RNN

    model = RNN(vocab_size=5, hidden_size=4, seed=1, init_scale=0.5)
    x = np.array([0, 3, 1, 4, 2, 2])

    def loss_from(k, h):  # run the last k steps from state h, loss on the last one
        for ix in x[len(x) - 1 - k:-1]:
            h = np.tanh(model.Wxh[:, [ix]] + model.Whh @ h + model.bh)
        return -np.log(softmax(model.Why @ h + model.by)[x[-1], 0])

    h, hs = np.zeros((4, 1)), []
    for ix in x[:-1]:
        h = np.tanh(model.Wxh[:, [ix]] + model.Whh @ h + model.bh)
        hs.append(h)
    norms = gradient_norms(model, x)
    for k in range(len(norms)):
        base, eps = hs[-1 - k], 1e-6
        grad = [(loss_from(k, base + eps * e) - loss_from(k, base - eps * e)) / (2 * eps)
                for e in np.eye(4)[:, :, None]]
        assert norms[k] == pytest.approx(np.linalg.norm(grad), rel=1e-5)


def test_the_gradient_vanishes_at_small_scales_and_explodes_at_large_ones():
    from rnn.decay import decay

    small, large = decay(64, 0.01), decay(64, 1.0)
    assert small["factor"] < 0.5 and small["ratio"][-1] < 1e-10
    assert large["factor"] > 1.5 and large["ratio"][-1] > 1e5


def test_a_short_training_in_slices_learns():
    from rnn.inside import Trainer

    trainer = Trainer(hidden_size=16, batch_size=8, seq_length=10, val_chars=2000)
    before = trainer.val_bpc()
    assert before == pytest.approx(np.log2(len(trainer.vocab)), abs=0.05)  # uniform guesses
    done = trainer.train_for(1.0)
    assert done["chars"] > 0 and done["chars"] % (8 * 10) == 0
    assert trainer.val_bpc() < before - 1
    assert len(trainer.sample(50, seed=0)) == 50


# --- the widgets, in the browser ----------------------------------------------------


@pytest.fixture
def tab(browser):
    """A 1280 px page that refuses, and remembers, every request to another host."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    elsewhere = []

    def refuse(route):
        elsewhere.append(route.request.url)
        route.abort("blockedbyclient")

    context.route(lambda url: urlparse(url).hostname not in (LOCAL_HOST, None), refuse)
    page = context.new_page()
    page.set_default_timeout(60_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not elsewhere, f"requests to other hosts: {elsewhere}"
    assert not errors, f"errors on the page: {errors}"


def start(page, base_url, path, kind):
    page.goto(base_url + path)
    widget = page.locator(f'.clear-rnn-widget[data-widget="{kind}"]')
    widget.get_by_role("button", name=re.compile("^Start")).click()
    page.wait_for_function(
        f'document.querySelector(\'.clear-rnn-widget[data-widget="{kind}"]\').dataset.ready'
        " !== undefined", timeout=START_TIMEOUT_MS)
    return widget


def changed(page, widget, attribute, before):
    """Waits for the widget's data-`attribute` to differ from `before`, and returns it."""
    page.wait_for_function(
        "([el, name, old]) => el.dataset[name] !== undefined && el.dataset[name] !== old",
        arg=[widget.element_handle(), attribute, before])
    return json.loads(widget.get_attribute(f"data-{attribute}"))


# --- the sampling playground ---------------------------------------------------


def assert_same_rows(shown, expected):
    assert [c for c, _ in shown] == [c for c, _ in expected]
    assert np.allclose([p for _, p in shown], [p for _, p in expected], atol=1e-6)


def shown_for(page, widget, args):
    """The rows the playground shows once it has computed them for `args`."""
    page.wait_for_function("([el, args]) => el.dataset.shown !== undefined &&"
                           " JSON.stringify(JSON.parse(el.dataset.shown).args) === args",
                           arg=[widget.element_handle(), json.dumps(args, separators=(",", ":"))])
    return json.loads(widget.get_attribute("data-shown"))["rows"]


def test_sampling_playground_shows_what_the_package_computes(tab, base_url):
    from rnn.playground import next_chars, write

    widget = start(tab, base_url, "sampling/", "sampling")
    args = {"prime": "NAME\n", "temperature": 1, "top_k": None}
    rows = shown_for(tab, widget, args)
    assert_same_rows(rows, next_chars(**args))
    # The table under the figure says the same.
    cells = widget.locator("details table tbody tr td").all_text_contents()
    assert [float(p) for p in cells[1::2]] == pytest.approx([p for _, p in rows], abs=1e-4)

    widget.get_by_label("Temperature (0 = greedy)", exact=True).focus()
    for _ in range(10):  # the keyboard alone: 1.00 -> 0.50
        tab.keyboard.press("ArrowLeft")
    args["temperature"] = 0.5
    assert_same_rows(shown_for(tab, widget, args), next_chars(**args))

    args = {"prime": "SEE ALSO\n       ls(1), ", "temperature": 0.5, "top_k": 3}
    widget.get_by_label("Prime (what the model reads first)", exact=True).fill(args["prime"])
    widget.get_by_label("Top-k (empty: all)", exact=True).fill("3")
    expected = next_chars(**args)
    assert_same_rows(shown_for(tab, widget, args), expected)
    assert sum(p > 0 for _, p in expected) == 3

    widget.get_by_role("button", name="Write 300 characters").click()
    written = widget.get_by_label("Written")
    written.wait_for()
    assert written.text_content() == args["prime"] + write(n=300, **args)


def test_sampling_playground_says_what_is_wrong_with_a_prime(tab, base_url):
    widget = start(tab, base_url, "sampling/", "sampling")
    widget.get_by_label("Prime (what the model reads first)", exact=True).fill("")
    alert = widget.get_by_role("alert")
    tab.wait_for_function("el => el.textContent.length > 0", arg=alert.element_handle())
    assert alert.text_content() == "ValueError: the prime must hold at least one character"


# --- inside the model --------------------------------------------------------------


def test_inside_colours_each_character_by_the_package_numbers(tab, base_url):
    from rnn.inside import excerpt, read

    units = json.loads((ROOT / "data" / "runs" / "units.json").read_text())["features"]
    widget = start(tab, base_url, "inside/", "inside")
    unit = widget.get_by_label("Hidden unit", exact=True)
    first = next(iter(units.values()))
    assert unit.input_value() == str(first["unit"])  # the measurement's units come first
    assert widget.get_by_label("Text the model reads", exact=True).input_value() == excerpt()

    text = "NAME\n       ls - list directory contents\n"
    widget.get_by_label("Text the model reads", exact=True).fill(text)
    reading = widget.locator(".widget-reading")
    tab.wait_for_function("([el, n]) => el.children.length === n", arg=[reading.element_handle(), len(text)])
    expected = read(text, first["unit"])

    reading.focus()  # keyboard: Home, then five characters to the right
    tab.keyboard.press("Home")
    for _ in range(5):
        tab.keyboard.press("ArrowRight")
    guess = widget.locator(".widget-guess").text_content()
    bits, value = re.search(r": ([\d.]+) bits; unit \d+: (-?[\d.]+)\.", guess).groups()
    assert float(bits) == pytest.approx(expected["bits"][5], abs=0.006)
    assert float(value) == pytest.approx(expected["activation"][5], abs=0.006)
    top = re.findall(r" ([\d.]+)%", guess.split("top 5: ")[1])
    assert [float(p) / 100 for p in top] == pytest.approx([p for _, p in expected["guesses"][5]], abs=6e-4)

    rows = widget.locator("details table tbody tr").all()
    assert len(rows) == len(text)
    values = [float(r.locator("td").nth(2).text_content()) for r in rows]
    assert values == pytest.approx(expected["activation"], abs=6e-4)

    unit.select_option("0")
    # the widget, not its table: each reading replaces the table, so a handle on it goes stale
    tab.wait_for_function(
        "el => el.querySelector('details table caption')?.textContent.startsWith('Unit 0 ')",
        arg=widget.element_handle())
    values = [float(v) for v in widget.locator("details table tbody tr td:nth-child(3)").all_text_contents()]
    assert values == pytest.approx(read(text, 0)["activation"], abs=6e-4)


# --- train it here -----------------------------------------------------------------


def test_training_in_the_page_learns_and_stops_at_once(tab, base_url):
    from rnn.inside import BROWSER, Trainer

    widget = start(tab, base_url, "inside/", "train")
    widget.get_by_role("button", name="Train").click()
    curve = changed(tab, widget, "curve", "[]")
    # Before any step: the same untrained model, the same held-out text, as in CPython.
    assert curve[0]["bpc"] == pytest.approx(Trainer(**BROWSER).val_bpc(), abs=1e-4)
    tab.wait_for_function(
        "([el, first]) => JSON.parse(el.dataset.curve).some((c) => c.bpc < first - 1)",
        arg=[widget.element_handle(), curve[0]["bpc"]], timeout=60_000)
    widget.get_by_role("button", name="Stop").click()
    status = widget.locator("p.widget-status").last
    tab.wait_for_function("el => el.textContent.startsWith('Stopped')", arg=status.element_handle(),
                          timeout=2_000)
    stopped = status.text_content()
    tab.wait_for_timeout(2_000)
    assert status.text_content() == stopped  # nothing trains after Stop


# --- the gradient through time ------------------------------------------------------


def test_gradient_through_time_follows_the_sliders(tab, base_url):
    from rnn.decay import decay

    widget = start(tab, base_url, "dhnext/", "decay")
    result = json.loads(widget.get_attribute("data-result"))
    expected = decay(result["hidden_size"], result["whh_scale"])
    assert np.allclose(result["ratio"], expected["ratio"], rtol=1e-6)
    assert result["factor"] < 1
    factor = widget.locator(".widget-factor")
    assert f"{expected['factor']:.3f} (vanishing)" in factor.text_content()

    widget.get_by_label("Scale of Whh (log₁₀)", exact=True).focus()
    tab.keyboard.press("End")  # the largest scale: 1
    result = changed(tab, widget, "result", json.dumps(result))
    tab.wait_for_function("el => JSON.parse(el.dataset.result).whh_scale === 1", arg=widget.element_handle())
    result = json.loads(widget.get_attribute("data-result"))
    expected = decay(result["hidden_size"], 1.0)
    # At this scale the forward pass is chaotic: the last-bit differences between
    # WebAssembly's NumPy and native BLAS grow step by step, so only the fitted
    # factor is compared, and loosely.
    shown = re.search(r"Per-step factor: ([\d.]+) \(exploding\)", factor.text_content())
    assert float(shown.group(1)) == pytest.approx(expected["factor"], rel=0.05)
    assert result["factor"] == pytest.approx(expected["factor"], rel=0.05)
    assert expected["factor"] > 1.5
