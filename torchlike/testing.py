"""``torch.testing.assert_close``, with PyTorch's default tolerances per dtype."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ._tensor import Tensor

# (rtol, atol) PyTorch uses when neither is given.
_DEFAULT_TOLERANCES = {
    "float16": (1e-3, 1e-5),
    "bfloat16": (1.6e-2, 1e-5),
    "float32": (1.3e-6, 1e-5),
    "float64": (1e-7, 1e-7),
    "complex64": (1.3e-6, 1e-5),
    "complex128": (1e-7, 1e-7),
}


def _as_tensor(x) -> Tensor:
    if isinstance(x, Tensor):
        return x
    from ._ops.creation import tensor

    return tensor(x)


def assert_close(
    actual,
    expected,
    *,
    allow_subclasses: bool = True,
    rtol: float | None = None,
    atol: float | None = None,
    equal_nan: bool = False,
    check_device: bool = True,
    check_dtype: bool = True,
    check_layout: bool = True,
    check_stride: bool = False,
    msg: str | None = None,
) -> None:
    """Raise AssertionError unless ``actual`` and ``expected`` are close, elementwise and in
    structure (sequences and mappings are compared item by item)."""
    if (rtol is None) != (atol is None):
        missing = "rtol" if rtol is None else "atol"
        raise ValueError(
            f"Both 'rtol' and 'atol' must be either specified or omitted, but got no {missing}."
        )
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        if list(actual) != list(expected):
            raise AssertionError(msg or f"The keys differ: {list(actual)} != {list(expected)}")
        for k in actual:
            assert_close(
                actual[k],
                expected[k],
                rtol=rtol,
                atol=atol,
                equal_nan=equal_nan,
                check_dtype=check_dtype,
                msg=msg,
            )
        return
    if (
        isinstance(actual, Sequence)
        and isinstance(expected, Sequence)
        and not isinstance(actual, str)
        and not isinstance(expected, str)
    ):
        if len(actual) != len(expected):
            raise AssertionError(
                msg or f"The length of the sequences mismatch: {len(actual)} != {len(expected)}"
            )
        for a, e in zip(actual, expected):
            assert_close(
                a, e, rtol=rtol, atol=atol, equal_nan=equal_nan, check_dtype=check_dtype, msg=msg
            )
        return
    a, e = _as_tensor(actual), _as_tensor(expected)
    if tuple(a.shape) != tuple(e.shape):
        raise AssertionError(
            msg or f"The values for attribute 'shape' do not match: {a.shape} != {e.shape}."
        )
    if check_dtype and a.dtype is not e.dtype:
        raise AssertionError(
            msg or f"The values for attribute 'dtype' do not match: {a.dtype} != {e.dtype}."
        )
    if rtol is None:
        tols = [_DEFAULT_TOLERANCES.get(d.name, (0.0, 0.0)) for d in (a.dtype, e.dtype)]
        rtol, atol = max(t[0] for t in tols), max(t[1] for t in tols)
    x = np.asarray(a.detach()._data).astype(np.complex128 if a.is_complex() else np.float64)
    y = np.asarray(e.detach()._data).astype(np.complex128 if e.is_complex() else np.float64)
    close = np.isclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan)
    if close.all():
        return
    if msg is not None:
        raise AssertionError(msg)
    bad = ~close
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = np.where(bad, np.nan_to_num(np.abs(x - y), nan=np.inf), -np.inf)
        rel = np.where(bad, np.nan_to_num(np.abs(x - y) / np.abs(y), nan=np.inf), -np.inf)
    worst = tuple(int(i) for i in np.unravel_index(np.argmax(diff), x.shape)) if x.ndim else ()
    kind = "Scalars" if x.ndim == 0 else "Tensor-likes"
    raise AssertionError(
        f"{kind} are not close!\n\n"
        f"Mismatched elements: {int(bad.sum())} / {bad.size} ({100 * bad.mean():.1f}%)\n"
        f"Greatest absolute difference: {diff.max()} at index {worst} (up to {atol} allowed)\n"
        f"Greatest relative difference: {rel.max()} (up to {rtol} allowed)"
    )


def assert_allclose(actual, expected, rtol=None, atol=None, equal_nan=True, msg="") -> None:
    """The deprecated spelling, kept for old scripts."""
    assert_close(
        actual,
        expected,
        rtol=rtol,
        atol=atol,
        equal_nan=equal_nan,
        check_dtype=False,
        msg=msg or None,
    )
