"""Probe rnn-train and rnn-sample with faults and hostile input, and print what happened.

    python scripts/probe_faults.py          # a few minutes; a full disk needs root (tmpfs)

Each case runs the programs as a user would: in a process of their own for signals, pipes,
disks and file-size limits, in-process for the matrix of malformed checkpoints. A case is
handled when the exit code is one the case allows, stderr holds no traceback and at most one
message line, no file that was not the program's to write has changed, no temporary file is
left behind, and every checkpoint left on disk loads with finite weights. The last lines are
a Markdown table: the class probed, the number of cases, how many were handled.
"""

import contextlib
import io
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import defaultdict
from pathlib import Path

import numpy as np

from rnn import GRU, LSTM, RNN
from rnn.checkpoint import CheckpointError, load
from rnn.cli import sample_main

ROOT = Path(__file__).resolve().parent.parent
SMALL = ["--hidden-size", "16", "--seq-length", "10", "--eval-chars", "2000",
         "--sample-every", "1000000"]
results = defaultdict(list)  # class -> [(case, problem or None)]


def run(*argv, cwd=None, preexec_fn=None, timeout=300):
    """rnn-train or rnn-sample (argv[0]) in a process of its own; (code, stdout, stderr)."""
    code = f"import sys; from rnn.cli import {argv[0]}_main as m; sys.exit(m())"
    proc = subprocess.run([sys.executable, "-c", code, *map(str, argv[1:])], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout,
                          preexec_fn=preexec_fn)
    return proc.returncode, proc.stdout, proc.stderr


def problems(code, err, allowed, folder=None, untouched=()):
    """What is wrong with an outcome, or None when it was handled well."""
    if code not in allowed:
        return f"exit {code}, expected {allowed}: {err.strip()[-200:]}"
    if "Traceback" in err:
        return "traceback: " + err.strip().splitlines()[-1]
    lines = [line for line in err.splitlines() if line.startswith(("rnn-train:", "rnn-sample:"))]
    if len(lines) > 1:
        return f"{len(lines)} message lines"
    for path, content in untouched:
        if path.read_bytes() != content:
            return f"{path.name} was changed"
    if folder is not None:
        left = [p.name for p in Path(folder).rglob("*.tmp")]
        if left:
            return f"temporary files left: {left}"
        for ckpt in Path(folder).rglob("*.npz"):
            try:
                if not np.isfinite(load(ckpt).model.theta).all():
                    return f"{ckpt.name} holds non-finite weights"
            except CheckpointError as error:
                return f"{ckpt.name} does not load: {error}"
    return None


def record(kind, case, problem):
    results[kind].append((case, problem))
    print(f"{'ok  ' if problem is None else 'FAIL'} {kind}: {case}" +
          ("" if problem is None else f": {problem}"), flush=True)


def corpus(folder):
    pages = (ROOT / "data" / "linux_man.txt").read_text(encoding="ascii").split("\f\n")[:40]
    path = Path(folder) / "pages.txt"
    path.write_text("\f\n".join(pages), encoding="ascii")
    return path


def trained(folder, data, name="run.npz", *flags):
    path = Path(folder) / name
    code, _, err = run("train", *SMALL, "--data", data, "--steps", "20", "--eval-every", "10",
                       "--optimizer", "adam", *flags, "--checkpoint", path)
    assert code == 0, err
    return path


# 1. Before training: data and paths ------------------------------------------------------------


def probe_preflight(tmp, data):
    kind = "checks before training (data, paths, sizes, flags)"
    text = data.read_bytes()
    bad = tmp / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "binary.bin").write_bytes(b"\x7fELF\x00\x01" * 100)
    (bad / "latin1.txt").write_bytes("caf\xe9 ".encode("latin-1") * 100)
    (bad / "short.txt").write_bytes(b"NAME\n  ls\n")
    (bad / "parent").write_text("a file")
    (bad / "folder.npz").mkdir()
    os.mkfifo(bad / "fifo")
    precious = bad / "precious.npz"
    precious.write_bytes(b"a trained model")
    (bad / "old.best.npz").write_bytes(b"an earlier best model")
    (bad / "older.jsonl").write_bytes(b'{"step": 1}\n')
    os.link(data, bad / "hardlink.npz")
    (bad / "corpus.jsonl").write_bytes(text)
    ckpt = trained(tmp, data, "base.npz")
    cases = {
        "missing data": ["--data", bad / "missing.txt"],
        "data is a folder": ["--data", bad],
        "data is a FIFO": ["--data", bad / "fifo"],
        "data is /dev/zero": ["--data", "/dev/zero"],
        "empty data": ["--data", bad / "empty.txt"],
        "binary data": ["--data", bad / "binary.bin"],
        "non-UTF-8 data": ["--data", bad / "latin1.txt"],
        "data shorter than a window": ["--data", bad / "short.txt"],
        "checkpoint is the data": ["--checkpoint", data],
        "checkpoint is a hard link to the data": ["--checkpoint", bad / "hardlink.npz"],
        "log would be the data": ["--data", bad / "corpus.jsonl", "--checkpoint",
                                  bad / "corpus.npz"],
        "checkpoint named .jsonl": ["--checkpoint", bad / "x.jsonl"],
        "parent is a file": ["--checkpoint", bad / "parent" / "run.npz"],
        "checkpoint is a folder": ["--checkpoint", bad / "folder.npz", "--overwrite"],
        "existing checkpoint": ["--checkpoint", precious],
        "an earlier run's best copy": ["--checkpoint", bad / "old.npz"],
        "an earlier run's log": ["--checkpoint", bad / "older.npz"],
        "resume a missing checkpoint": ["--checkpoint", bad / "none.npz", "--resume"],
        "resume without --checkpoint": ["--resume"],
        "resume with other settings": ["--checkpoint", ckpt, "--resume", "--hidden-size", "32"],
        "resume with another batch size": ["--checkpoint", ckpt, "--resume", "--batch-size", "2"],
        "resume a damaged checkpoint": ["--checkpoint", precious, "--resume"],
        "hidden size 1e6": ["--hidden-size", "1000000"],
        "hidden size 1e5": ["--hidden-size", "100000"],
        "batch size 1e9": ["--batch-size", "1000000000"],
        "seq length 1e9": ["--seq-length", "1000000000"],
        "LSTM hidden size 1e6": ["--model", "lstm", "--hidden-size", "1000000"],
    }
    for case, flags in cases.items():
        defaults = [] if "--data" in flags else ["--data", data]
        if "--checkpoint" not in flags and "--resume" not in flags:
            defaults += ["--checkpoint", bad / "new" / "run.npz"]
        before = [(p, p.read_bytes()) for p in (data, precious, bad / "old.best.npz",
                                                bad / "older.jsonl", ckpt)]
        code, _, err = run("train", "--steps", "5", *defaults, *flags)
        problem = problems(code, err, {1}, untouched=before)
        if problem is None and (bad / "new" / "run.npz").exists():
            problem = "a checkpoint was written"
        record(kind, case, problem)
    for flag, value in [("--hidden-size", "2.5"), ("--learning-rate", "inf"),
                        ("--learning-rate", "nan"), ("--steps", "-1"), ("--clip", "abc"),
                        ("--batch-size", "0"), ("--minutes", "-1"), ("--temperature", "nan")]:
        code, _, err = run("train", "--data", data, flag, value)
        record(kind, f"{flag} {value}", problems(code, err, {2}))


# 2. Safe writes ----------------------------------------------------------------------------------


@contextlib.contextmanager
def tmpfs(folder, size, readonly=False):
    folder.mkdir()
    options = f"size={size}" + (",ro" if readonly else "")
    if subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                      capture_output=True).returncode != 0:
        yield None
        return
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def probe_writes(tmp, data):
    kind = "write faults (full disk, read-only, EFBIG, symlinks)"
    base = trained(tmp, data, "w.npz")
    size = base.stat().st_size
    for factor in (0.5, 1.5, 2.5, 3.5, 5.0):  # the initial save, a periodic one, the best copy
        with tmpfs(tmp / f"disk{factor}", int(size * factor)) as disk:
            if disk is None:
                break
            code, _, err = run("train", *SMALL, "--data", data, "--steps", "40",
                               "--eval-every", "10", "--checkpoint", disk / "run.npz")
            problem = problems(code, err, {0, 1}, folder=disk)
            if problem is None and code == 1 and "No space left" not in err:
                problem = "no word of the full disk: " + err.strip()[-120:]
            record(kind, f"tmpfs of {factor} checkpoints", problem)
    with tmpfs(tmp / "ro", "1m", readonly=True) as disk:
        if disk is not None:
            code, _, err = run("train", *SMALL, "--data", data, "--checkpoint", disk / "run.npz")
            record(kind, "read-only file system", problems(code, err, {1}))
    for limit in (1024, size // 2, size + size // 2):
        folder = tmp / f"efbig{limit}"
        folder.mkdir()
        for name in ("w.npz", "w.best.npz", "w.jsonl"):
            (folder / name).write_bytes(base.with_name(name).read_bytes())
        before = (folder / "w.npz").read_bytes()

        def limited(limit=limit):
            import resource
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        code, _, err = run("train", "--data", data, "--steps", "40", "--eval-every", "10",
                           "--eval-chars", "2000", "--checkpoint", folder / "w.npz", "--resume",
                           preexec_fn=limited)
        problem = problems(code, err, {0, 1}, folder=folder)
        if problem is None and code == 1 and "File too large" not in err:
            problem = "no word of the file-size limit: " + err.strip()[-120:]
        if problem is None and code == 1 and (folder / "w.npz").read_bytes() != before:
            problem = None if load(folder / "w.npz").step > 20 else "checkpoint changed"
        record(kind, f"file-size limit {limit} bytes", problem)
    victim = tmp / "victim.txt"
    victim.write_text("not the program's to write")
    untouched = [(victim, victim.read_bytes())]
    folder = tmp / "links"
    folder.mkdir()
    (folder / ".run.tmp.npz").symlink_to(victim)  # the name the temporary file once had
    code, _, err = run("train", *SMALL, "--data", data, "--steps", "20", "--eval-every", "10",
                       "--checkpoint", folder / "run.npz")
    record(kind, "symlink at the old temporary name", problems(code, err, {0}, untouched=untouched))
    (folder / "l.npz").symlink_to(victim)
    code, _, err = run("train", *SMALL, "--data", data, "--steps", "5", "--overwrite",
                       "--checkpoint", folder / "l.npz")
    record(kind, "checkpoint is a symlink, --overwrite", problems(code, err, {0}, untouched=untouched))
    for name in ("r.npz", "r.best.npz"):
        (folder / name).write_bytes(base.with_name("w" + name[1:]).read_bytes())
    (folder / "r.jsonl").symlink_to(victim)
    code, _, err = run("train", "--data", data, "--steps", "30", "--eval-every", "10",
                       "--eval-chars", "2000", "--resume", "--checkpoint", folder / "r.npz")
    record(kind, "log is a symlink, --resume", problems(code, err, {1}, untouched=untouched))
    (folder / "b.best.npz").symlink_to(victim)
    code, _, err = run("train", *SMALL, "--data", data, "--steps", "20", "--eval-every", "10",
                       "--overwrite", "--checkpoint", folder / "b.npz")
    record(kind, "best copy is a symlink, --overwrite",
           problems(code, err, {0}, untouched=untouched))


# 3. Stop signals ---------------------------------------------------------------------------------


def stopped(tmp, data, name, signums, delay, gap=0.05):
    path = tmp / name / "run.npz"
    path.parent.mkdir()
    code = "import sys; from rnn.cli import train_main; sys.exit(train_main())"
    proc = subprocess.Popen([sys.executable, "-c", code, *SMALL, "--data", str(data),
                             "--batch-size", "2", "--eval-every", "50", "--steps", "100000000",
                             "--checkpoint", str(path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(delay)
    for signum in signums:
        proc.send_signal(signum)
        time.sleep(gap)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err, path


def probe_signals(tmp, data, rng):
    kind = "stop signals (SIGINT, SIGTERM, SIGHUP; twice; resume)"
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        for i, delay in enumerate([0.05, 0.3, 0.8] + [rng.uniform(1, 4) for _ in range(4)]):
            code, err, path = stopped(tmp, data, f"{signum.name}{i}", [signum], delay)
            # before the handlers exist the default acts: -signum, or 130 for a caught Ctrl-C
            allowed = {128 + signum, -signum, 130 if signum == signal.SIGINT else 128 + signum}
            record(kind, f"{signum.name} after {delay:.2f} s",
                   problems(code, err, allowed, folder=path.parent))
        for i in range(3):
            code, err, path = stopped(tmp, data, f"{signum.name}twice{i}", [signum, signum],
                                      rng.uniform(1, 3), gap=rng.uniform(0, 0.05))
            allowed = {128 + signum, -signum, 130}
            record(kind, f"{signum.name} twice", problems(code, err, allowed, folder=path.parent))
    for i in range(3):  # stopped, then resumed: bitwise the run that never stopped
        code, err, path = stopped(tmp, data, f"resume{i}", [signal.SIGTERM], rng.uniform(1.5, 4))
        problem = problems(code, err, {128 + signal.SIGTERM}, folder=path.parent)
        if problem is None:
            n = load(path).step + 13
            flags = [*SMALL, "--data", data, "--batch-size", "2", "--eval-every", "50",
                     "--steps", n]
            run("train", *flags, "--checkpoint", path, "--resume")
            run("train", *flags, "--checkpoint", path.with_name("straight.npz"))
            a, b = load(path), load(path.with_name("straight.npz"))
            same = (np.array_equal(a.model.theta, b.model.theta) and np.array_equal(a.h, b.h)
                    and np.array_equal(a.model.optimizer.mem, b.model.optimizer.mem))
            problem = None if same else "the resumed run differs from the straight one"
        record(kind, "SIGTERM, then resume bitwise", problem)
    kills = []
    for i in range(8):  # SIGKILL cannot be caught: the checkpoint must still be whole
        code, err, path = stopped(tmp, data, f"kill{i}", [signal.SIGKILL], rng.uniform(0.5, 4))
        problem = problems(code, err, {-signal.SIGKILL})
        if problem is None and path.exists():
            try:
                load(path)
            except CheckpointError as error:
                problem = f"corrupt after SIGKILL: {error}"
        kills.append(len(list(path.parent.glob("*.tmp"))))
        record("SIGKILL at random moments (checkpoint whole)", f"after kill {i}", problem)
    print(f"temporary files left by SIGKILL (cannot be cleaned up): {sum(kills)}")
    for delay in (0.1, 0.3, 0.6):
        proc = subprocess.Popen([sys.executable, "-c", "import sys; from rnn.cli import "
                                 "sample_main; sys.exit(sample_main(['-n', '100000']))"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        record(kind, f"rnn-sample, Ctrl-C after {delay} s", problems(proc.returncode, err,
                                                                    {0, 130}))


# 4. Divergence -----------------------------------------------------------------------------------


def probe_divergence(tmp, data):
    kind = "divergence, then sampling the named checkpoint"
    for optimizer in ("adagrad", "rmsprop", "adam"):
        for rate in ("1e300", "1e100", "1e20"):
            for eval_every in ("1", "7"):
                folder = tmp / f"div-{optimizer}-{rate}-{eval_every}"
                code, _, err = run("train", *SMALL, "--data", data, "--optimizer", optimizer,
                                   "--learning-rate", rate, "--eval-every", eval_every,
                                   "--steps", "60", "--checkpoint", folder / "run.npz")
                problem = problems(code, err, {0, 1}, folder=folder)
                if problem is None and code == 1:
                    named = err.split("the last good checkpoint is ")[-1].split(" (step")[0]
                    scode, out, serr = run("sample", "--checkpoint", named, "-n", "200")
                    problem = problems(scode, serr, {0})
                    if problem is None and not out.strip():
                        problem = "the named checkpoint samples only blank lines"
                record(kind, f"{optimizer} at {rate}, saves every {eval_every}", problem)


# 5. Broken pipes ---------------------------------------------------------------------------------


def probe_pipes(tmp, data):
    kind = "broken pipe (rnn-sample or rnn-train into head -c N)"
    code = "import sys; from rnn.cli import {}_main as m; sys.exit(m())"
    cases = [("sample", ["-n", "100000"], n) for n in (0, 1, 10, 5000)]
    cases += [("sample", ["-n", "300", "--num-samples", "50"], 10)]
    cases += [("train", [*SMALL, "--data", data, "--steps", "300", "--eval-every", "10",
                         "--checkpoint", tmp / f"pipe{n}" / "run.npz"], n) for n in (0, 10)]
    for program, argv, n in cases:
        proc = subprocess.Popen([sys.executable, "-c", code.format(program), *map(str, argv)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        proc.stdout.read(n)
        proc.stdout.close()
        err = proc.stderr.read().decode()
        allowed = {0} if program == "train" else {0, 128 + signal.SIGPIPE}
        record(kind, f"rnn-{program} | head -c {n}", problems(proc.wait(60), err, allowed))


# 6. Malformed checkpoints ------------------------------------------------------------------------


def sample_in_process(path):
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = sample_main(["--checkpoint", str(path), "-n", "50", "--seed", "0"])
    except BaseException as error:  # what a user would see as a traceback
        return -1, "", f"Traceback: {type(error).__name__}: {error}"
    return code, out.getvalue(), err.getvalue()


def rewrite(source, path, arrays=None, config=None):
    loaded = dict(np.load(source, allow_pickle=False))
    loaded.update(arrays or {})
    if config is not None:
        loaded["config"] = np.array(json.dumps(config))
    with open(path, "wb") as f:
        np.savez(f, **{k: v for k, v in loaded.items() if v is not None})


def npy_header(shape, descr="<f8"):
    header = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode()
    header += b" " * (63 - (len(header) + 10) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header


def probe_checkpoints(tmp, data, rng):
    kind = "malformed checkpoints"
    source = trained(tmp, data, "m.npz")
    config = json.loads(str(np.load(source)["config"]))
    arrays = dict(np.load(source))
    path = tmp / "bad.npz"

    def check(case, allowed=(0, 1)):
        code, out, err = sample_in_process(path)
        problem = problems(code, err, set(allowed))
        if problem is None and code == 0 and not out.strip():
            problem = "exit 0 with blank output"
        record(kind, case, problem)

    values = {"missing": None, "null": "null", "text": "16", "list": [16], "dict": {},
              "2.5": 2.5, "negative": -3, "zero": 0, "huge": 10**12, "true": True,
              "infinite": float("inf"), "NaN": float("nan")}
    for key in config:
        for label, value in values.items():
            changed = dict(config)
            if value is None:
                del changed[key]
            else:
                changed[key] = value
            rewrite(source, path, config=changed)
            check(f"setting {key}: {label}")
    for name, value in arrays.items():
        if name == "config":
            continue
        for label, bad in {"missing": None, "scalar": np.float64(1.0),
                           "wrong shape": np.zeros((3, 3)), "float32": value.astype(np.float32),
                           "int": value.astype(np.int64), "text": np.full(value.shape, "x"),
                           "NaN": np.full(value.shape, np.nan),
                           "infinite": np.full(value.shape, np.inf),
                           "1e200": np.full(value.shape, 1e200)}.items():
            rewrite(source, path, arrays={name: bad})
            check(f"array {name}: {label}")
    raw = source.read_bytes()
    for cut in sorted(rng.sample(range(len(raw)), 15)) + [0, 1, 100]:
        path.write_bytes(raw[:cut])
        check(f"truncated at {cut} of {len(raw)} bytes", allowed=(1,))
    for i in range(25):
        flipped = bytearray(raw)
        for at in rng.sample(range(len(raw)), 3):
            flipped[at] ^= 1 << rng.randrange(8)
        path.write_bytes(bytes(flipped))
        check(f"three flipped bits, draw {i}")
    for label, shape, member in [("declares 5000 x 5000", (5000, 5000), "Whh.npy"),
                                 ("declares 10^15 elements", (10**5, 10**10), "Whh.npy"),
                                 ("200 MB past its header", (16, 16), "Whh.npy"),
                                 ("an extra member of 200 MB", (16, 16), "bomb.npy")]:
        with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for name in src.namelist():
                if name != member:
                    z.writestr(name, src.read(name))
            with z.open(member, "w", force_zip64=True) as f:
                f.write(npy_header(shape))
                for _ in range(200):
                    f.write(bytes(1 << 20))
        start = time.perf_counter()
        code, out, err = sample_in_process(path)
        seconds = time.perf_counter() - start
        problem = problems(code, err, {0, 1})
        if problem is None and seconds > 5:
            problem = f"took {seconds:.1f} s"
        record(kind, f"zip bomb ({path.stat().st_size // 1000} kB): {label}", problem)
    for label, content in [("empty", b""), ("text", b"hello"), ("zip of nothing", None),
                           ("pickled object array", "pickle")]:
        if content is None:
            with zipfile.ZipFile(path, "w"):
                pass
        elif content == "pickle":
            with open(path, "wb") as f:
                np.savez(f, config=np.array([{"format": 1}], dtype=object))
        else:
            path.write_bytes(content)
        check(label, allowed=(1,))


# 7. The Python API -------------------------------------------------------------------------------


def probe_api():
    kind = "Python API: bad sizes and hyperparameters"
    bad = {"vocab_size": [2.5, "10", 0, True, None], "hidden_size": [2.5, "8", 0, -1, True, None],
           "seq_length": [1.5, "25", 0], "learning_rate": [float("inf"), float("nan"), -1, "0.1", 0],
           "clip": [float("inf"), float("nan"), 0, "5"], "init_scale": [float("inf"), float("nan"), 0]}
    for cls in (RNN, LSTM, GRU):
        for name, values in bad.items():
            for value in values:
                kwargs = {"vocab_size": 10, name: value}
                try:
                    cls(**kwargs)
                    problem = "accepted"
                except ValueError as error:
                    problem = None if str(error).startswith(name) else f"message: {error}"
                except Exception as error:
                    problem = f"{type(error).__name__}: {error}"
                record(kind, f"{cls.__name__}({name}={value!r})", problem)


def main():
    rng = random.Random(0)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        data = corpus(tmp)
        probe_preflight(tmp, data)
        probe_writes(tmp, data)
        probe_signals(tmp, data, rng)
        probe_divergence(tmp, data)
        probe_pipes(tmp, data)
        probe_checkpoints(tmp, data, rng)
        probe_api()
    print("\n| class probed | cases | handled |\n|---|---|---|")
    for kind, outcomes in results.items():
        handled = sum(problem is None for _, problem in outcomes)
        print(f"| {kind} | {len(outcomes)} | {handled} |")
    failed = [(kind, case, p) for kind, o in results.items() for case, p in o if p is not None]
    for kind, case, problem in failed:
        print(f"not handled: {kind}: {case}: {problem}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
