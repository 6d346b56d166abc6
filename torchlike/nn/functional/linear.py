"""Linear functions: ``linear`` and ``bilinear`` (``nn.Linear``, ``nn.Bilinear``)."""

from __future__ import annotations

import math

import jax.numpy as jnp

from ..._dispatch import apply
from ..._ops.linalg import _check_same_dtype
from ..._tensor import Tensor
from ._utils import _check_expandable


def _linear_fn(x, w, b):
    y = jnp.matmul(x, w.T)
    return y if b is None else y + b


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """Apply ``y = x W^T + b``.

    Args:
        input: ``(*, in_features)``.
        weight: ``(out_features, in_features)`` (or ``(in_features,)``).
        bias: ``(out_features)`` or ``None``.

    Shape:
        - Output: ``(*, out_features)`` (``(*)`` for a 1-D weight).
    """
    xd, wd = input._data, weight._data
    if (  # the common case, checked on the arrays; anything else takes the full checks below
        wd.ndim == 2
        and xd.ndim >= 1
        and xd.dtype == wd.dtype
        and xd.shape[-1] == wd.shape[1]
        and (bias is None or bias._data.shape == wd.shape[:1])
    ):
        if xd.ndim == 2:
            return apply(_linear_fn, "Mm" if bias is None else "Addmm", (input, weight, bias))
        return apply(_linear_fn, "UnsafeView" if bias is None else "View", (input, weight, bias))
    _check_same_dtype(input, weight, "m1 and m2")
    in_features = weight.shape[-1]
    if input.shape[-1] != in_features:
        rows = math.prod(input.shape[:-1])
        cols = f"{weight.shape[1]}x{weight.shape[0]}" if weight.ndim == 2 else f"{in_features}x1"
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} and {cols})"
        )
    out_shape = tuple(input.shape[:-1]) + tuple(weight.shape[:-1])
    if bias is not None:
        _check_expandable(bias, out_shape)
    if input.ndim == 2 and weight.ndim == 2:
        name = "Mm" if bias is None else "Addmm"
    else:
        name = "UnsafeView" if bias is None else "View"
    return apply(_linear_fn, name, (input, weight, bias))


def _bilinear_fn(x1, x2, w, b):
    y = jnp.einsum("...i,oij,...j->...o", x1, w, x2)
    return y if b is None else y + b


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``y = x1^T W x2 + b`` per output feature.

    Shape:
        - Input1: ``(*, in1)``; input2: ``(*, in2)``; weight ``(out, in1, in2)``; bias ``(out)``.
        - Output: ``(*, out)``.
    """
    for i, (x, size) in enumerate(((input1, weight.shape[1]), (input2, weight.shape[2])), 1):
        if x.shape[-1] != size:
            raise RuntimeError(
                f"bilinear(): input{i} size does not match weight size: got {x.shape[-1]} but "
                f"expected {size}"
            )
    return apply(_bilinear_fn, "View" if bias is None else "Add", (input1, input2, weight, bias))
