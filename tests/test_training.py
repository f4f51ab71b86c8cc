"""The training program: resuming is bitwise, and every bad input gets a one-line error, never a traceback."""

import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from rnn.checkpoint import load
from rnn.cli import sample_main, train_main
from rnn.optim import Adagrad
from rnn.train import TrainConfig, TrainingError, train

# signals, pipes, file types and limits as POSIX has them (Windows runs the rest)
POSIX = pytest.mark.skipif(os.name != "posix", reason="POSIX processes and files")
ROOT = Path(__file__).resolve().parent.parent
SMALL = ["--preset", "min-char-rnn", "--hidden-size", "16", "--seq-length", "10", "--eval-chars", "2000", "--sample-chars", "20"]


def run(main, *argv):
    return main([str(a) for a in argv])


def one_line_error(capsys, program, *needles):
    """Exactly one message line from the program (the rest of stderr is the progress bar), no traceback."""
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith(f"{program}: ")]
    assert len(lines) == 1 and lines[0].startswith(f"{program}: error: "), err
    assert "Traceback" not in err and "Warning" not in err
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.mark.parametrize("model", ["rnn", "lstm", "gru"])
def test_training_n_steps_equals_k_steps_then_resume_to_n_bitwise(tmp_path, corpus, capsys, model):
    flags = [*SMALL, "--data", corpus, "--model", model, "--batch-size", "3", "--sample-every", "7",
             "--eval-every", "11"]
    assert run(train_main, *flags, "--steps", "40", "--checkpoint", tmp_path / "straight.npz") == 0
    assert run(train_main, *flags, "--steps", "17", "--checkpoint", tmp_path / "split.npz") == 0
    assert run(train_main, *flags, "--steps", "40", "--checkpoint", tmp_path / "split.npz", "--resume") == 0
    straight, split = load(tmp_path / "straight.npz"), load(tmp_path / "split.npz")
    assert straight.step == split.step == 40
    assert np.array_equal(straight.model.theta, split.model.theta)
    assert np.array_equal(straight.model.optimizer.mem, split.model.optimizer.mem)
    assert np.array_equal(straight.h, split.h) and straight.position == split.position
    assert straight.model.rng.bit_generator.state == split.model.rng.bit_generator.state
    assert type(straight.model).__name__.lower() == model
    final, summary = capsys.readouterr().out.strip().splitlines()[-2:]
    assert final.startswith("final validation, on all ") and final.endswith(" bpc")
    assert summary.startswith("done: 40 steps, ") and " characters/s; saved " in summary
    assert run(sample_main, "--checkpoint", tmp_path / "split.npz", "--prime", "NAME\\n", "-n", "30") == 0
    assert capsys.readouterr().out.startswith("NAME\n")


def test_a_cosine_schedule_sets_the_rate_by_step_and_a_resumed_run_continues_it(
        tmp_path, corpus, monkeypatch):
    rates, stop_after = [], math.inf
    update = Adagrad.update

    def recorded_update(self, theta, g):
        rates.append(self.learning_rate)
        update(self, theta, g)
        if len(rates) == stop_after:  # as Ctrl-C would, in the middle of the run
            signal.raise_signal(signal.SIGINT)  # to this thread, so it acts at once

    monkeypatch.setattr(Adagrad, "update", recorded_update)
    flags = [*SMALL, "--data", corpus, "--schedule", "cosine", "--learning-rate", "0.2",
             "--eval-every", "5", "--sample-every", "7", "--steps", "20"]
    assert run(train_main, *flags, "--checkpoint", tmp_path / "straight.npz") == 0
    expected = [0.2 * 0.5 * (1 + math.cos(math.pi * s / 20)) for s in range(20)]
    assert rates == expected and rates[0] == 0.2 and 0 < rates[-1] < 0.002
    rates[:], stop_after = [], 8
    assert run(train_main, *flags, "--checkpoint", tmp_path / "split.npz") == 128 + signal.SIGINT
    assert load(tmp_path / "split.npz").step == 8
    assert run(train_main, *flags, "--checkpoint", tmp_path / "split.npz", "--resume") == 0
    assert rates == expected
    straight, split = load(tmp_path / "straight.npz"), load(tmp_path / "split.npz")
    assert np.array_equal(straight.model.theta, split.model.theta)
    assert np.array_equal(straight.model.optimizer.mem, split.model.optimizer.mem)
    assert split.model.learning_rate == 0.2  # the checkpoint keeps the base rate


def test_a_best_copy_is_kept_by_validation_loss(tmp_path, corpus):
    assert run(train_main, *SMALL, "--data", corpus, "--steps", "30", "--eval-every", "10",
               "--checkpoint", tmp_path / "run.npz") == 0
    best = load(tmp_path / "run.best.npz")
    assert best.step in (10, 20, 30) and best.best_val_bpc == load(tmp_path / "run.npz").best_val_bpc


@pytest.mark.parametrize("optimizer", ["rmsprop", "adam"])
def test_other_optimizers_train_and_resume_with_their_state(tmp_path, corpus, optimizer):
    flags = [*SMALL, "--data", corpus, "--optimizer", optimizer, "--dtype", "float32", "--eval-every", "3"]
    assert run(train_main, *flags, "--steps", "10", "--checkpoint", tmp_path / "a.npz") == 0
    assert run(train_main, *flags, "--steps", "5", "--checkpoint", tmp_path / "b.npz") == 0
    assert run(train_main, *flags, "--steps", "10", "--checkpoint", tmp_path / "b.npz", "--resume") == 0
    a, b = load(tmp_path / "a.npz"), load(tmp_path / "b.npz")
    assert type(a.model.optimizer).__name__.lower() == optimizer and a.model.dtype == np.float32
    assert np.array_equal(a.model.theta, b.model.theta)
    assert np.array_equal(a.model.optimizer.mem, b.model.optimizer.mem)


def write(path, content):
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    "make, needle",
    [
        (lambda d: d / "missing.txt", "no such file"),
        (lambda d: write(d / "empty.txt", b""), "empty"),
        (lambda d: write(d / "binary.bin", b"\x7fELF\x00\x01\x02" * 100), "binary"),
        (lambda d: write(d / "latin1.txt", "caf\xe9 ".encode("latin-1") * 100), "not UTF-8"),
        (lambda d: write(d / "utf16.txt", "NAME\n  ls\n".encode("utf-16") * 100), "UTF-16 text"),
        (lambda d: write(d / "short.txt", b"NAME\n  ls\n"), "too short"),
    ],
    ids=["missing", "empty", "binary", "non-UTF-8", "UTF-16", "shorter than seq_length + 1"],
)
def test_bad_data_files_get_a_one_line_error(tmp_path, capsys, make, needle):
    assert run(train_main, *SMALL, "--data", make(tmp_path), "--checkpoint", tmp_path / "c.npz") == 1
    one_line_error(capsys, "rnn-train", needle)
    assert not (tmp_path / "c.npz").exists()


@pytest.mark.parametrize("flag, value", [("--hidden-size", "0"), ("--learning-rate", "-0.1"),
                                         ("--seq-length", "-3"), ("--batch-size", "0"), ("--steps", "nan")])
def test_non_positive_hyperparameters_are_refused(flag, value, capsys):
    with pytest.raises(SystemExit) as exit_info:
        train_main([flag, value])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {flag}: must be positive" in err or "must be a finite number" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("name, value, needle", [
    ("batch_size", 0, "must be positive"), ("steps", -5, "must be positive"),
    ("report_seconds", math.nan, "must be a finite number"), ("temperature", 1e9, "must be at most 100"),
    ("sample_chars", 2.5, "not a whole number"), ("eval_every", True, "not a whole number"), ("model", "transformer", "must be one of"),
])
def test_a_train_config_refuses_what_the_command_line_refuses_naming_the_setting(name, value, needle):
    with pytest.raises(TrainingError, match=f"run setting {name} .*{needle}"):
        TrainConfig(**{name: value})


def test_train_refuses_a_validation_text_shorter_than_a_window(trained, tmp_path):
    ckpt = load(trained)
    data = ckpt.vocab.encode("hello world " * 100)
    with pytest.raises(TrainingError, match="val_data holds 3 characters; validation needs more than seq_length 10"):
        train(ckpt, data, data[:3], tmp_path / "run.npz", TrainConfig(steps=25, eval_every=1))
    assert not (tmp_path / "run.npz").exists() and not (tmp_path / "run.jsonl").exists()


def test_an_existing_checkpoint_is_never_overwritten_without_resume(tmp_path, corpus, capsys):
    path = write(tmp_path / "precious.npz", b"a trained model")
    assert run(train_main, *SMALL, "--data", corpus, "--checkpoint", path) == 1
    one_line_error(capsys, "rnn-train", "exists; pass --resume")
    assert path.read_bytes() == b"a trained model"


@pytest.fixture
def trained(tmp_path, corpus):
    path = tmp_path / "trained.npz"
    assert run(train_main, *SMALL, "--data", corpus, "--steps", "5", "--checkpoint", path) == 0
    return path


@pytest.mark.parametrize(
    "damage, needle",
    [
        (lambda p: p.unlink(), "no such checkpoint"),
        (lambda p: p.write_bytes(b"not a zip file at all"), "not a readable checkpoint"),
        (lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]), "not a readable checkpoint"),
        (lambda p: np.savez(p, weights=np.zeros(3)), "not a clear-rnn checkpoint"),
    ],
    ids=["missing", "corrupt", "truncated", "another program's npz"],
)
def test_bad_checkpoints_get_a_one_line_error(trained, capsys, damage, needle):
    damage(trained)
    assert run(sample_main, "--checkpoint", trained) == 1
    one_line_error(capsys, "rnn-sample", needle)


def test_a_checkpoint_with_wrong_shapes_is_incompatible(trained, capsys):
    arrays = dict(np.load(trained, allow_pickle=False))
    arrays["Whh"] = np.zeros((3, 3))
    np.savez(trained, **arrays)
    assert run(sample_main, "--checkpoint", trained) == 1
    one_line_error(capsys, "rnn-sample", "Whh should have shape (16, 16)")


def test_resuming_on_text_with_unseen_characters_is_a_vocabulary_mismatch(trained, tmp_path, capsys):
    other = write(tmp_path / "other.txt", ("\u00e9t\u00e9 " * 2000).encode("utf-8"))
    assert run(train_main, "--data", other, "--checkpoint", trained, "--resume", "--steps", "10") == 1
    one_line_error(capsys, "rnn-train", "does not match the checkpoint's vocabulary")


def test_resuming_with_contradicting_settings_is_refused(trained, corpus, capsys):
    assert run(train_main, "--data", corpus, "--checkpoint", trained, "--resume", "--hidden-size", "32") == 1
    one_line_error(capsys, "rnn-train", "--hidden-size 32 (saved: 16)")


def test_prime_characters_outside_the_vocabulary_are_refused(trained, capsys):
    assert run(sample_main, "--checkpoint", trained, "--prime", "NAME \u00e9") == 1
    one_line_error(capsys, "rnn-sample", "never seen")


def test_sampling_a_checkpoint_continues_the_prime(trained, capsys):
    assert run(sample_main, "--checkpoint", trained, "--prime", "NAME\\n", "-n", "50", "--seed", "1") == 0
    out = capsys.readouterr().out
    assert out.startswith("NAME\n") and len(out) == len("NAME\n") + 50 + 1


@pytest.mark.parametrize("flag, value", [("--learning-rate", "1e300"), ("--init-scale", "1e300")])
def test_a_divergence_before_the_first_save_names_its_cause_and_leaves_nothing(tmp_path, corpus, capsys,
                                                                                flag, value):
    path = tmp_path / "run.npz"
    assert run(train_main, *SMALL, "--data", corpus, flag, value, "--steps", "50", "--checkpoint", path) == 1
    one_line_error(capsys, "rnn-train", "diverged at step ", "nothing was saved", f"try a smaller {flag}")
    assert not path.exists() and not path.with_suffix(".jsonl").exists()  # a rerun is not blocked


@POSIX
def test_ctrl_c_saves_a_checkpoint_and_exits_cleanly(tmp_path, corpus):
    path = tmp_path / "run.npz"
    cmd = [sys.executable, str(ROOT / "scripts" / "example_text_generation.py"), *SMALL, "--data", str(corpus),
           "--steps", "100000000", "--eval-every", "1000000", "--sample-every", "1000000", "--checkpoint", str(path)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "char/s" not in (line := proc.stderr.read(200) or ""):
        pass  # wait until the progress bar shows training under way
    time.sleep(1)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "stopped by Ctrl-C" in err and "Traceback" not in err
    saved = load(path)
    assert saved.step > 0 and np.all(np.isfinite(saved.model.theta))


def test_resume_reads_every_setting_from_the_checkpoint_and_refuses_only_a_contradiction(
        tmp_path, corpus, capsys, monkeypatch):
    """A cosine run of 3 streams, stopped, continues its curve with nothing but its checkpoint's name."""
    rates, stop_after = [], 8
    update = Adagrad.update

    def recorded_update(self, theta, g):
        rates.append(self.learning_rate)
        update(self, theta, g)
        if len(rates) == stop_after:
            signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(Adagrad, "update", recorded_update)
    flags = [*SMALL, "--data", corpus, "--schedule", "cosine", "--batch-size", "3", "--steps", "20",
             "--eval-every", "5"]
    path = tmp_path / "run.npz"
    assert run(train_main, *flags, "--checkpoint", path) == 128 + signal.SIGINT
    rates[:], stop_after = [], math.inf
    assert run(train_main, "--data", corpus, "--checkpoint", path, "--resume") == 0
    assert rates == [0.1 * 0.5 * (1 + math.cos(math.pi * s / 20)) for s in range(8, 20)]
    assert load(path).step == 20 and load(path).h.shape[1] == 3
    capsys.readouterr()
    assert run(train_main, "--data", corpus, "--checkpoint", path, "--resume", "--schedule", "constant",
               "--batch-size", "3", "--steps", "30") == 1
    one_line_error(capsys, "rnn-train", "--schedule constant (saved: cosine)")
    assert "--batch-size" not in capsys.readouterr().err  # agreeing with the checkpoint is no clash
    assert run(train_main, "--data", corpus, "--checkpoint", path, "--resume", "--steps", "25") == 0
    assert load(path).step == 25  # what may change, changes


def test_minutes_bound_the_whole_run_final_validation_included(tmp_path):
    """H = 1024 on the whole corpus: the full final validation alone would take far longer than 6 s."""
    start = time.monotonic()
    code = subprocess.run([sys.executable, str(ROOT / "scripts" / "example_text_generation.py"),
                           "--hidden-size", "1024", "--batch-size", "1", "--minutes", "0.1",
                           "--checkpoint", str(tmp_path / "run.npz")], capture_output=True, text=True,
                          timeout=300)
    seconds = time.monotonic() - start
    assert code.returncode == 0, code.stderr
    assert "final validation, on the first " in code.stdout and "(the time limit)" in code.stdout
    assert seconds < 6 + 10, seconds  # the limit, and the reading and checks before the clock starts
