"""Matrix products: ``matmul``/``@``, ``mm``, ``bmm``, ``mv``, ``dot``, ``addmm``, ``einsum``."""

from __future__ import annotations

import jax.numpy as jnp

from .. import _dtype
from .._dispatch import apply
from .._tensor import Tensor


def _autocasting(a: Tensor, b: Tensor) -> bool:
    """Inside ``torch.autocast`` floating operands of different widths are allowed: the op
    casts them (see ``torchlike.amp``)."""
    from ..amp.autocast_mode import active_dtype

    return active_dtype() is not None and a.dtype.is_floating_point and b.dtype.is_floating_point


# The C++ type names PyTorch's dtype-mismatch messages use.
_CPP_NAMES = {
    "float32": "float",
    "float64": "double",
    "float16": "c10::Half",
    "bfloat16": "c10::BFloat16",
    "int64": "long int",
    "int32": "int",
    "int16": "short int",
    "int8": "signed char",
    "uint8": "unsigned char",
    "bool": "bool",
    "complex64": "c10::complex<float>",
    "complex128": "c10::complex<double>",
}


def _check_same_dtype(a: Tensor, b: Tensor, what: str) -> _dtype.dtype:
    if a.dtype is not b.dtype and not _autocasting(a, b):
        names = [_CPP_NAMES.get(str(t.dtype).removeprefix("torch."), str(t.dtype)) for t in (a, b)]
        raise RuntimeError(
            f"expected {what} to have the same dtype, but got: {names[0]} != {names[1]}"
        )
    return a.dtype


def _matmul_fn(a, b):
    return jnp.matmul(a, b)


def _shape_str(t: Tensor) -> str:
    return "x".join(str(s) for s in t.shape)


def matmul(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    if input.ndim == 0 or other.ndim == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are "
            f"{input.ndim}D and {other.ndim}D"
        )
    _check_same_dtype(input, other, "m1 and m2")
    k1 = input.shape[-1]
    k2 = other.shape[-2] if other.ndim > 1 else other.shape[0]
    if k1 != k2:
        if input.ndim == 2 and other.ndim == 2:
            raise RuntimeError(
                f"mat1 and mat2 shapes cannot be multiplied "
                f"({_shape_str(input)} and {_shape_str(other)})"
            )
        if other.ndim == 1:
            raise RuntimeError(
                f"size mismatch, got input ({input.shape[-2] if input.ndim > 1 else 1}"
                f"), mat ({_shape_str(input)}), vec ({other.shape[0]})"
            )
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: "
            f"[{other.shape[0] if other.ndim > 2 else 1}, {k1}] but got: "
            f"[{other.shape[0] if other.ndim > 2 else 1}, {k2}]."
        )
    # PyTorch's matmul dispatches to these ops, whose names its grad_fn shows
    name = {(1, 1): "Dot", (2, 1): "Mv", (2, 2): "Mm", (3, 3): "Bmm"}.get(
        (input.ndim, other.ndim), "Matmul"
    )
    if input.ndim > 2 and other.ndim > 2:
        try:
            import numpy as np

            np.broadcast_shapes(tuple(input.shape[:-2]), tuple(other.shape[:-2]))
        except ValueError:
            raise RuntimeError(
                f"The size of tensor a ({input.shape[-3]}) must match the size of tensor b "
                f"({other.shape[-3]}) at non-singleton dimension 0"
            ) from None
    return apply(_matmul_fn, name, (input, other))


def mm(input: Tensor, mat2: Tensor, *, out=None) -> Tensor:
    if input.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    return matmul(input, mat2)


def bmm(input: Tensor, mat2: Tensor, *, out=None) -> Tensor:
    if input.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if input.shape[0] != mat2.shape[0] or input.shape[2] != mat2.shape[1]:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{input.shape[0]}, "
            f"{input.shape[2]}] but got: [{mat2.shape[0]}, {mat2.shape[1]}]."
        )
    return matmul(input, mat2)


def mv(input: Tensor, vec: Tensor, *, out=None) -> Tensor:
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input.ndim}, {vec.ndim}")
    return matmul(input, vec)


def dot(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input.shape[0] != other.shape[0]:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
            f"[{other.shape[0]}] to have the same number of elements, but got {input.shape[0]} "
            f"and {other.shape[0]} elements respectively"
        )
    return matmul(input, other)


def _addmm_fn(c, a, b, *, beta, alpha):
    out = jnp.matmul(a, b)
    if alpha != 1:
        out = out * alpha
    return out if beta == 0 else out + (c if beta == 1 else beta * c)


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    if mat1.shape[-1] != mat2.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({_shape_str(mat1)} and {_shape_str(mat2)})"
        )
    return apply(_addmm_fn, "Addmm", (input, mat1, mat2), beta=beta, alpha=alpha)


def _einsum_fn(*xs, eq):
    return jnp.einsum(eq, *xs)


def einsum(equation: str, *operands) -> Tensor:
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    return apply(_einsum_fn, "Einsum", tuple(operands), eq=equation)


def _outer_fn(a, b):
    return jnp.outer(a, b)


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    return apply(_outer_fn, "Outer", (input, vec2))


ger = outer
