"""The command line keeps its conventions: every default shown, runs that can be repeated, a bar
that ends at 100%, nanoGPT's sampling flags, and a package that works wherever it is installed."""

import contextlib
import io
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnn.checkpoint import load
from rnn.cli import sample_main, sample_parser, train_main, train_parser
from rnn.data import model_path
from rnn.optim import OPTIMIZERS
from rnn.train import TrainConfig

ROOT = Path(__file__).resolve().parent.parent
SMALL = ["--hidden-size", "16", "--seq-length", "10", "--eval-chars", "2000", "--sample-every", "1000000"]


@pytest.mark.parametrize("parser", [train_parser, sample_parser])
def test_help_gives_every_option_a_line_and_its_default(parser):
    for action in parser()._actions:
        if action.dest != "help":
            assert action.help and "(default: " in action.help, action.option_strings
    assert "%(default)" not in parser().format_help()


def test_the_learning_rate_default_is_the_optimizers_own(tmp_path, corpus):
    for name, cls in OPTIMIZERS.items():
        path = tmp_path / f"{name}.npz"
        assert train_main([*SMALL, "--data", str(corpus), "--optimizer", name, "--steps", "1",
                           "--checkpoint", str(path)]) == 0
        assert load(path).model.learning_rate == cls(1).learning_rate


@pytest.mark.parametrize("limit", [["--steps", "30"], ["--minutes", "0.02"], ["--minutes", "1", "--steps", "30"]],
                         ids=["steps", "minutes", "steps before minutes"])
def test_the_progress_bar_measures_what_ends_the_run_and_ends_at_100(tmp_path, corpus, capfd,
                                                                        limit):
    assert train_main([*SMALL, "--data", str(corpus), "--eval-every", "1000000", *limit,
                       "--checkpoint", str(tmp_path / "run.npz")]) == 0
    bar = capfd.readouterr().err.split("\r")[-1]
    assert bar.lstrip().startswith("100%"), bar
    assert ("char" in bar) == ("--minutes" not in limit), bar  # characters, or the clock


def test_temperature_zero_is_greedy_and_repeatable(capsys):
    texts = []
    for seed in (0, 1):
        assert sample_main(["--temperature", "0", "-n", "200", "--seed", str(seed)]) == 0
        texts.append(capsys.readouterr().out)
    assert texts[0] == texts[1]
    ckpt = load(model_path())
    ixes = ckpt.model.sample(None, ckpt.vocab.index["\n"], 50, temperature=0)
    h, ix = None, ckpt.vocab.index["\n"]
    for expected in ixes:  # each character is the argmax of the model's prediction
        p, h = ckpt.model.predict([ix], h)
        assert expected == p[0, :, 0].argmax()
        ix = expected


def test_top_k_draws_only_among_the_k_most_likely():
    ckpt = load(model_path())
    model, rng = ckpt.model, np.random.default_rng(0)
    h, ix = None, ckpt.vocab.index["\n"]
    for _ in range(40):
        p, _ = model.predict([ix], h)
        top3 = set(np.argsort(p[0, :, 0])[-3:])
        draws = model.sample(h, ix, 1, temperature=1.0, rng=rng, top_k=3) + \
            [model.sample(h, ix, 1, temperature=1.0, rng=rng, top_k=3)[0] for _ in range(20)]
        assert set(draws) <= top3
        _, h = model.predict([ix], h)
        ix = draws[0]


def test_num_samples_writes_that_many_from_the_prime(capsys):
    assert sample_main(["--prime", "NAME\\n", "-n", "40", "--num-samples", "3", "--seed", "0"]) == 0
    samples = capsys.readouterr().out.split("----\n")
    assert len(samples) == 3 and all(s.startswith("NAME\n") and len(s) == 5 + 40 + 1 for s in samples)
    assert len(set(samples)) == 3


def test_an_installed_wheel_samples_from_an_empty_folder(tmp_path):
    """pip install . (not editable) ships the model and the corpus inside the package."""
    source, wheels = tmp_path / "source", tmp_path / "wheels"  # a copy: the build writes into its tree
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".*", "build", "*.egg-info", "site", "*.npz"))
    shutil.copy(model_path(), source / "data")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(source)],
                   check=True, capture_output=True)
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
                    *map(str, wheels.glob("*.whl"))], check=True, capture_output=True)
    empty = tmp_path / "empty"
    empty.mkdir()
    code = ("import sys; from rnn.cli import sample_main; from rnn.data import corpus_path;"
            "print(corpus_path()); sys.exit(sample_main(['--prime', 'NAME\\\\n', '-n', '100', '--seed', '0']))")
    out = subprocess.run([sys.executable, "-c", code], cwd=empty, capture_output=True, text=True,
                         env={"PYTHONPATH": str(target)}, timeout=120)
    assert out.returncode == 0, out.stderr
    corpus, sample = out.stdout.split("\n", 1)
    assert Path(corpus).is_relative_to(target) and Path(corpus).stat().st_size > 1_000_000
    assert sample.startswith("NAME\n") and len(sample) > 100


# Every option's validation: one line naming the option, for any text ----------------------------------


NUMERIC = [(parser, action) for parser in (train_parser, sample_parser) for action in parser()._actions
           if action.type is not None and action.type is not Path]


@pytest.mark.parametrize("parser, action", NUMERIC, ids=[a.option_strings[0] for _, a in NUMERIC])
@settings(max_examples=60, deadline=None)
@given(text=st.one_of(st.text(max_size=12), st.floats().map(repr), st.integers(-10**30, 10**30).map(str),
                      st.sampled_from(["1e3", "1e300", "-0", "nan", "inf", "0x10", "1_000", " 5 ", "2.5"])))
def test_every_option_parses_or_refuses_in_one_line_naming_it(parser, action, text):
    flag, err = action.option_strings[-1], io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            value = getattr(parser().parse_args([f"{flag}={text}"]), action.dest)
    except SystemExit as exit_info:
        assert exit_info.code == 2
        last = err.getvalue().strip().splitlines()[-1]
        assert last.startswith(f"{parser().prog}: error: argument {flag}: "), err.getvalue()
        assert "Traceback" not in err.getvalue()
    else:
        assert math.isfinite(value) and value >= 0


@pytest.mark.parametrize("argv, needle", [
    (["--minutes", "1e300"], "argument --minutes: must be at most"),
    (["--sample-chars", "1e12"], "argument --sample-chars: must be at most"),
    (["--hidden-size", "2.5"], "argument --hidden-size: must be a whole number"),
    (["--preset", "gpt"], "argument --preset: invalid choice"),
    (["--learning-rate=--"], "argument --learning-rate: expected one argument"),  # argparse passes on []
])
def test_extreme_values_are_refused_before_anything_runs(argv, needle, capsys):
    with pytest.raises(SystemExit):
        train_main(argv)
    assert needle in capsys.readouterr().err


def test_rnn_sample_refuses_dashes_for_a_number_in_one_line(capsys):
    with pytest.raises(SystemExit) as exit_info:
        sample_main(["-n=--"])  # argparse passes it on as [], which reached the model
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and "Traceback" not in err
    assert err.strip().splitlines()[-1] == "rnn-sample: error: argument -n: expected one argument"


def test_1e3_is_a_whole_number():
    assert train_parser().parse_args(["--steps", "1e3"]).steps == 1000


def test_a_temperature_near_zero_is_greedy(capsys):
    outputs = []
    for temperature in ("0", "1e-50", "1e-300"):
        assert sample_main(["--temperature", temperature, "--prime", "NAME\\n", "-n", "300", "--seed", "3"]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1] == outputs[2] and outputs[0].strip()
    with pytest.raises(SystemExit):
        sample_main(["-n", "1e12"])  # 8 TB of indices: refused, not attempted


# Good defaults ------------------------------------------------------------------------------------------


def test_the_defaults_are_a_good_short_run_and_min_char_rnn_is_a_preset():
    default = TrainConfig()
    assert (default.batch_size, default.dtype, default.optimizer, default.hidden_size) == (32, "float32", "adam", 128)
    args = train_parser().parse_args(["--preset", "min-char-rnn", "--seq-length", "10"])
    from rnn.cli import given as given_settings
    mcr = given_settings(args)
    assert mcr == {"hidden_size": 100, "seq_length": 10, "optimizer": "adagrad", "clip": 5.0,
                   "dtype": "float64", "batch_size": 1}  # min-char-rnn's, and an option typed beside it wins


def test_sampling_works_on_any_model_and_starts_with_what_the_model_writes(tmp_path, capsys):
    text = tmp_path / "abc.txt"
    text.write_text("abcab cabca bcabc abca\n" * 3000)  # no form feed, no page at all
    assert train_main(["--data", str(text), "--hidden-size", "8", "--steps", "20",
                       "--checkpoint", str(tmp_path / "abc.npz")]) == 0
    capsys.readouterr()
    assert sample_main(["--checkpoint", str(tmp_path / "abc.npz"), "-n", "50", "--seed", "0"]) == 0
    out = capsys.readouterr().out
    assert len(out) == 51 and set(out[:-1]) <= set("abc \n")
    assert sample_main(["-n", "200", "--seed", "0"]) == 0  # the shipped model: no form feed first
    first = capsys.readouterr().out[0]
    assert first.isprintable() or first in "\n\t", repr(first)


def test_the_output_speaks_bits_per_character_and_names_both_validations(tmp_path, corpus, capsys):
    assert train_main(["--data", str(corpus), "--hidden-size", "16", "--steps", "20", "--eval-every", "10",
                       "--eval-chars", "2000", "--checkpoint", str(tmp_path / "run.npz")]) == 0
    out = capsys.readouterr().out
    first, *rest = out.splitlines()
    assert first.isprintable() and first.endswith("bpc is bits per character")
    assert "train_loss" not in out and " nats" not in out
    periodic = [line for line in rest if line.startswith("step ")]
    assert periodic and all(" train " in line and " bpc, validation " in line for line in periodic)
    assert any(line.startswith("final validation, on all ") for line in rest)
    log = [json.loads(line) for line in (tmp_path / "run.jsonl").read_text().splitlines()]
    assert [r.get("final", False) for r in log] == [False, False, True]  # the final figure is in the log
    assert log[0]["val_chars"] <= 2000 < log[-1]["val_chars"]  # periodic: the first 2000; final: all


# Linux, macOS and Windows ---------------------------------------------------------------------------------


def test_the_programs_run_without_the_posix_only_names(tmp_path, corpus):
    """What Windows lacks (SIGHUP, SIGPIPE, O_NOFOLLOW, sysconf), removed before rnn is imported."""
    code = f"""if True:
        import os, signal, sys
        for module, name in [(signal, "SIGHUP"), (signal, "SIGPIPE"), (os, "O_NOFOLLOW"), (os, "sysconf")]:
            if hasattr(module, name):  # on Windows, already absent
                delattr(module, name)
        from rnn.cli import sample_main, train_main
        path = {str(tmp_path / "run.npz")!r}
        assert train_main(["--data", {str(corpus)!r}, "--hidden-size", "8", "--steps", "20",
                           "--eval-every", "10", "--eval-chars", "1000", "--checkpoint", path]) == 0
        assert train_main(["--data", {str(corpus)!r}, "--steps", "30", "--checkpoint", path, "--resume"]) == 0
        assert sample_main(["--checkpoint", path, "-n", "40", "--seed", "0"]) == 0
        import rnn.checkpoint
        assert rnn.checkpoint.STOP_SIGNALS == (signal.SIGINT, signal.SIGTERM)
        assert rnn.checkpoint.memory() is None
    """
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert load(tmp_path / "run.npz").step == 30
