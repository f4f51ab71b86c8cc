# Generated from docs/dataset.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/dataset/

"""The corpus: reading it, a sorted vocabulary, a page-level split, and (inputs,
targets) windows."""

import hashlib
import os
import stat
from pathlib import Path

import numpy as np

from rnn.arguments import check_codes, check_counts, check_fraction, check_type

PAGE_BREAK = "\f\n"
MAX_BYTES = 2**30  # 1 GiB: the text is then held several times over (bytes, str, codes)


class DataError(ValueError):
    """A problem with the training text, said in one line."""


def read_text(path, max_bytes=MAX_BYTES):
    check_type((str, os.PathLike), path=path)
    check_counts(max_bytes=max_bytes)
    path = Path(path)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a FIFO would hang, a device never end
            raise DataError(f"{path}: not a regular file (a folder, FIFO or device)")
        if info.st_size > max_bytes:  # checked before reading a byte
            raise DataError(f"{path}: {info.st_size:,} bytes, more than the "
                            f"{max_bytes:,} this program reads")
        with open(path, "rb") as f:
            raw = f.read(1 << 16)  # a binary file is found in its first 64 KiB
            if b"\0" not in raw:
                raw += f.read(max_bytes + 1 - len(raw))  # + 1: a file that grew
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except OSError as error:  # a file we may not read, or a disk that fails under it
        raise DataError(f"{path}: cannot read it ({error.strerror})") from None
    if len(raw) > max_bytes:
        raise DataError(f"{path}: more than the {max_bytes:,} bytes this program reads")
    if not raw.strip():
        raise DataError(f"{path}: the file is empty" if not raw
                        else f"{path}: the file holds only whitespace")
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):  # a byte-order mark: Windows "Unicode"
        raise DataError(f"{path}: UTF-16 text; save it as UTF-8")
    if b"\0" in raw:
        raise DataError(
            f"{path}: this looks like a binary file (it contains NUL bytes), not text"
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DataError(
            f"{path}: not UTF-8 text (invalid byte at offset {error.start})"
        ) from None


def shipped(name):
    """A file shipped with the package: the installed copy, else the clone's data/."""
    here = Path(__file__).resolve().parent
    installed = here / "files" / name
    return installed if installed.exists() else here.parent / "data" / name


def corpus_path():
    return shipped("linux_man.txt")


def model_path():
    return shipped("rnn-man.npz")


class Vocab:
    def __init__(self, chars):
        check_type(str, chars=chars)
        if not chars:
            raise ValueError("chars must hold at least one character")
        self.chars = "".join(sorted(set(chars)))
        self.index = {c: i for i, c in enumerate(self.chars)}

    def __len__(self):
        return len(self.chars)

    def encode(self, text, chunk=2**20):
        check_type(str, text=text)
        check_counts(chunk=chunk)
        points = np.array([ord(c) for c in self.chars])  # sorted, so index = rank
        data = np.empty(len(text), np.min_scalar_type(len(self) - 1))  # V <= 256: uint8
        for start in range(0, len(text), chunk):  # a chunk at a time: 4 bytes a char
            piece = text[start:start + chunk].encode("utf-32-le", "surrogatepass")
            codes = np.frombuffer(piece, np.uint32)
            ix = np.minimum(np.searchsorted(points, codes), len(points) - 1)
            unknown = codes[points[ix] != codes]
            if unknown.size:
                unknown = np.unique(unknown)
                shown = "".join(map(chr, unknown))[:20]
                raise DataError(
                    f"{unknown.size} character(s) the model has never seen: {shown!r}"
                )
            data[start:start + chunk] = ix
        return data

    def decode(self, ixes):
        ixes = np.asarray(ixes)
        if ixes.ndim != 1 or (ixes.size and ixes.dtype.kind not in "iu"):
            raise ValueError(f"ixes must be a sequence of integers, not {ixes.dtype} "
                             f"of shape {ixes.shape}")
        if ixes.size and not 0 <= ixes.min() <= ixes.max() < len(self):
            raise ValueError(f"ixes must be from 0 to {len(self) - 1}, not "
                             f"{ixes.min() if ixes.min() < 0 else ixes.max()}")
        return "".join(self.chars[i] for i in ixes.tolist())


def split_pages(text, val_fraction=0.1, max_page_share=0.02):
    check_type(str, text=text)
    check_fraction(val_fraction=val_fraction, max_page_share=max_page_share)
    pages = text.split(PAGE_BREAK)
    if len(pages) < 10:  # no page structure to respect: hold out the end
        cut = int(len(text) * (1 - val_fraction))
        return text[:cut], text[cut:], []
    order = sorted(
        range(len(pages)), key=lambda i: hashlib.sha256(pages[i].encode()).hexdigest()
    )
    held_out, size = [], 0
    for i in order:
        if size >= val_fraction * len(text):
            break
        if len(pages[i]) <= max_page_share * len(text):
            held_out.append(i)
            size += len(pages[i]) + len(PAGE_BREAK)
    held = set(held_out)
    train = PAGE_BREAK.join(p for i, p in enumerate(pages) if i not in held)
    val = PAGE_BREAK.join(p for i, p in enumerate(pages) if i in held)
    return train, val, sorted(held_out)


def lanes(data, batch_size):
    data = check_codes("data", data)
    check_counts(batch_size=batch_size)
    L = (len(data) - 1) // batch_size
    X = data[:L * batch_size].reshape(batch_size, L).T
    Y = data[1:L * batch_size + 1].reshape(batch_size, L).T
    return X, Y


def windows(data, seq_length, batch_size, position=0):
    check_counts(seq_length=seq_length)
    check_counts(low=0, position=position)
    X, Y = lanes(data, batch_size)
    if len(X) < seq_length:
        raise DataError(
            f"the text is too short: {len(data)} characters make lanes of {len(X)}, "
            f"fewer than seq_length {seq_length} (with batch size {batch_size})"
        )
    while True:
        if position + seq_length > len(X):
            position = 0
        window = slice(position, position + seq_length)
        yield position, X[window], Y[window]
        position += seq_length
