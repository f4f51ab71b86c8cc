# Generated from docs/model.md by scripts/tangle.py: edit the page,
# then run `python scripts/tangle.py`. Explained at https://clear-rnn.github.io/clear-rnn/model/

"""The checks on what a caller hands the package: one line naming the argument."""

import math
import numbers

import numpy as np


def check_counts(low=1, **values):
    """Whole numbers of at least low; a bool is not one."""
    for name, value in values.items():
        whole = isinstance(value, numbers.Integral) and not isinstance(value, bool)
        if not (whole and value >= low):
            least = "a positive integer" if low == 1 else f"an integer >= {low}"
            raise ValueError(f"{name} must be {least}, not {value!r}")


def check_positive(zero=False, **values):
    """Finite numbers above 0 (or 0 itself, where it means something)."""
    for name, value in values.items():
        real = isinstance(value, numbers.Real) and not isinstance(value, bool)
        if not (real and (value >= 0 if zero else value > 0) and value < math.inf):
            raise ValueError(f"{name} must be a positive finite number"
                             f"{' or 0' if zero else ''}, not {value!r}")


def check_fraction(**values):
    for name, value in values.items():
        real = isinstance(value, numbers.Real) and not isinstance(value, bool)
        if not (real and 0 < value < 1):
            raise ValueError(f"{name} must be a number between 0 and 1, not {value!r}")


def check_type(kinds, **values):
    kinds = kinds if isinstance(kinds, tuple) else (kinds,)
    for name, value in values.items():
        if not isinstance(value, kinds):
            wanted = " or ".join(kind.__name__ for kind in kinds)
            raise TypeError(f"{name} must be a {wanted}, not {type(value).__name__}")


def check_dtype(dtype):
    """float32 or float64, named in any way NumPy reads (None is not one)."""
    try:
        found = None if dtype is None else np.dtype(dtype)
    except (TypeError, ValueError):
        found = None
    if found not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, not "
                         f"{repr(dtype) if found is None else found}")
    return found


def generator(seed):
    """A random generator from seed: None, a whole number >= 0, or a Generator."""
    if not isinstance(seed, bool):
        try:
            return np.random.default_rng(seed)
        except (TypeError, ValueError):
            pass
    raise ValueError(f"seed must be None or an integer >= 0, not {seed!r}")


def check_indices(name, ixes, size, like=None):
    """Characters (T,) or (T, B), each in [0, size), shaped as like -> (T, B) intp."""
    given = np.asarray(ixes)
    ixes = given[:, None] if given.ndim == 1 else given
    if ixes.ndim != 2 or ixes.dtype.kind not in "iu" or ixes.size == 0:
        raise ValueError(f"{name} must be integers of shape (T,) or (T, B), T and B "
                         f"at least 1, not {given.dtype} {given.shape}")
    low, high = ixes.min(), ixes.max()
    if not (0 <= low and high < size):
        raise ValueError(f"{name} must be character indices in [0, {size}), "
                         f"not {low}..{high}")
    if like is not None and ixes.shape != like.shape:
        raise ValueError(f"{name} {ixes.shape} and inputs {like.shape} differ in shape")
    return ixes.astype(np.intp, copy=False)  # the index type on every platform


def check_codes(name, data):
    """A text as Vocab.encode gives it: a 1-D array of integers."""
    data = np.asarray(data)
    if data.ndim != 1 or data.dtype.kind not in "iu":
        raise ValueError(f"{name} must be a 1-D array of integers, as Vocab.encode "
                         f"returns, not {data.dtype} {data.shape}")
    return data


def check_array(name, value, shape, dtype):
    """Real numbers of this shape, all finite -> an array of dtype."""
    value = np.asarray(value)
    if value.dtype.kind not in "iuf":
        raise ValueError(f"{name} must hold real numbers, not {value.dtype}")
    if value.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, not {value.shape}")
    if not np.isfinite(value).all():  # a NaN state would poison every weight
        raise ValueError(f"{name} must be finite; it holds NaN or infinity")
    return value.astype(dtype, copy=False)
