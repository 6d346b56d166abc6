"""Running a row's sample in each library and comparing the results: converting a sample for a
library, ``assert_same`` (PyTorch's ``assert_close`` rules per dtype) and ``expect_same_error``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import ml_dtypes
import numpy as np
import pytest
import torch

import torchlike as tl

from .core import TOL, Dt, NumPy, Sample


def _tensor(lib, arr: np.ndarray):
    if arr.dtype == ml_dtypes.bfloat16:
        return lib.from_numpy(arr.astype(np.float32)).to(lib.bfloat16)
    return lib.from_numpy(np.array(arr))


def convert(lib, value, grads: list | None = None):
    """A sample value for ``lib``: arrays become tensors (float ones requiring grad, appended to
    ``grads``, when ``grads`` is a list), dtype markers become ``lib``'s dtypes."""
    if isinstance(value, np.ndarray):
        t = _tensor(lib, value)
        if grads is not None and is_float(value):
            t.requires_grad_(True)
            grads.append(t)
        return t
    if isinstance(value, Dt):
        return getattr(lib, value.name)
    if isinstance(value, NumPy):
        return np.array(value.array)
    if isinstance(value, list):
        return [convert(lib, v, grads) for v in value]
    if isinstance(value, tuple):
        return tuple(convert(lib, v, grads) for v in value)
    if isinstance(value, dict):
        return {k: convert(lib, v, grads) for k, v in value.items()}
    return value


def build(lib, sample: Sample, grads: list | None = None):
    args, kwargs = sample
    return convert(lib, args, grads), convert(lib, kwargs, grads)


def is_float(arr: np.ndarray) -> bool:
    return arr.dtype.kind == "f" or arr.dtype == ml_dtypes.bfloat16


def numpy_of(t) -> np.ndarray:
    """A tensor of either library as NumPy (bfloat16 widened to float32, exactly)."""
    if isinstance(t, torch.Tensor):
        t = t.detach()
        return (t.float() if t.dtype == torch.bfloat16 else t).numpy()
    arr = np.asarray(t.detach()._data)
    return arr.astype(np.float32) if arr.dtype == ml_dtypes.bfloat16 else arr


def dtype_name(t) -> str:
    return str(t.dtype).removeprefix("torch.")


def assert_same(ours, theirs, tol: dict | None = None, path: str = "result", values=True):
    """``ours`` (torchlike) equals ``theirs`` (torch): structure, types, shapes, dtypes, values.

    Float values are compared with ``TOL`` for their dtype (``tol`` overrides it per dtype);
    integer and bool values exactly; NaNs must match.
    """
    tol = {**TOL, **(tol or {})}
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, tl.Tensor), f"{path}: expected a Tensor, got {type(ours)}"
        assert repr(ours.dtype) == str(theirs.dtype), (
            f"{path}: dtype {ours.dtype} != {theirs.dtype}"
        )
        assert tuple(ours.shape) == tuple(theirs.shape), (
            f"{path}: shape {tuple(ours.shape)} != {tuple(theirs.shape)}"
        )
        if values:
            _assert_values(numpy_of(ours), numpy_of(theirs), dtype_name(theirs), tol, path)
    elif isinstance(theirs, np.ndarray):
        assert isinstance(ours, np.ndarray), f"{path}: expected an ndarray, got {type(ours)}"
        assert ours.dtype == theirs.dtype, f"{path}: dtype {ours.dtype} != {theirs.dtype}"
        _assert_values(ours, theirs, str(theirs.dtype), tol, path)
    elif isinstance(theirs, (tuple, list)):
        assert type(ours).__name__ == type(theirs).__name__, (
            f"{path}: {type(ours).__name__} != {type(theirs).__name__}"
        )
        assert len(ours) == len(theirs), f"{path}: {len(ours)} items != {len(theirs)}"
        for name in ("values", "indices"):  # torch.return_types (max, min, ...)
            if hasattr(theirs, name):
                assert_same(getattr(ours, name), getattr(theirs, name), tol, f"{path}.{name}")
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_same(a, b, tol, f"{path}[{i}]", values)
    elif isinstance(theirs, torch.dtype):
        assert repr(ours) == str(theirs), f"{path}: {ours!r} != {theirs}"
    else:
        assert type(ours) is type(theirs), f"{path}: {type(ours)} != {type(theirs)}"
        if isinstance(theirs, float):
            rtol, atol = tol["float64"]
            assert math.isclose(ours, theirs, rel_tol=rtol, abs_tol=atol) or (
                math.isnan(ours) and math.isnan(theirs)
            ), f"{path}: {ours} != {theirs}"
        else:
            assert ours == theirs, f"{path}: {ours} != {theirs}"


def _assert_values(a: np.ndarray, b: np.ndarray, dtype: str, tol: dict, path: str) -> None:
    if dtype in tol:
        rtol, atol = tol[dtype]
        np.testing.assert_allclose(
            a.astype(np.float64),
            b.astype(np.float64),
            rtol=rtol,
            atol=atol,
            equal_nan=True,
            err_msg=path,
        )
    else:
        np.testing.assert_array_equal(a, b, err_msg=path)


# PyTorch's own exception classes and torchlike's twins
SAME_ERRORS = {torch.linalg.LinAlgError: tl.linalg.LinAlgError}


def expect_same_error(torch_fn: Callable, our_fn: Callable) -> Exception:
    """Run PyTorch first (it must raise), then ours, which must raise the same exception type."""
    try:
        torch_fn()
    except Exception as e:  # noqa: BLE001 - any exception type is the thing under test
        theirs = e
    else:
        pytest.fail("PyTorch did not raise: this error sample is wrong")
    try:
        our_fn()
    except Exception as e:  # noqa: BLE001
        assert type(e) is SAME_ERRORS.get(type(theirs), type(theirs)), (
            f"raised {type(e).__name__}({e}) where PyTorch raises {type(theirs).__name__}({theirs})"
        )
        return e
    pytest.fail(f"did not raise; PyTorch raises {type(theirs).__name__}({theirs})")
