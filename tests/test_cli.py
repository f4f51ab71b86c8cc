"""The command line keeps its conventions: every default shown, runs that can be repeated, a bar
that ends at 100%, nanoGPT's sampling flags, and a package that works wherever it is installed."""

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rnn.checkpoint import load
from rnn.cli import sample_main, sample_parser, train_main, train_parser
from rnn.data import model_path
from rnn.optim import OPTIMIZERS

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
