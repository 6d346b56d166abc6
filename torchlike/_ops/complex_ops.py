"""Complex numbers: ``torch.complex``, ``polar``, ``real``/``imag``, ``view_as_real``/
``view_as_complex``, ``conj``, ``angle`` (rotary position embeddings use the last four).

Each is a pure JAX function run through ``apply``, so gradients flow through complex
intermediates to real inputs exactly. Where torchlike differs: PyTorch's ``real``, ``imag``,
``view_as_real`` and ``view_as_complex`` are views sharing memory (writing to ``x.real`` changes
``x``); here they are new tensors, as torchlike's arrays are immutable. ``conj`` is computed
eagerly (``is_conj()`` is always False and ``resolve_conj`` returns its input).
"""

from __future__ import annotations

import jax.numpy as jnp

from .. import _dtype
from .._dispatch import apply
from .._tensor import Tensor
from .creation import _t

_COMPLEX_OF = {"float32": "complex64", "float64": "complex128", "float16": "complex64"}


def complex(real: Tensor, imag: Tensor, *, out=None) -> Tensor:  # noqa: A001
    """``torch.complex``: ``real + i·imag`` from two float tensors of one dtype."""
    real, imag = _t(real), _t(imag)
    if real.dtype != imag.dtype:
        raise RuntimeError(
            f"Expected object of scalar type {_dtype.type_name(real.dtype)} but got scalar type "
            f"{_dtype.type_name(imag.dtype)} for second argument"
        )
    if real.dtype.name not in ("float32", "float64", "float16"):
        raise RuntimeError(
            f"Expected both inputs to be Half, Float or Double tensors but got {real.dtype.name}"
            f" and {imag.dtype.name}"
        )
    dt = _dtype.as_dtype(_COMPLEX_OF[real.dtype.name]).np
    return apply(_make_complex, "Complex", (real, imag), dtype=dt)


def _make_complex(re, im, dtype):
    return jnp.asarray(re).astype(dtype) + jnp.asarray(im).astype(dtype) * jnp.asarray(1j, dtype)


def polar(abs: Tensor, angle: Tensor, *, out=None) -> Tensor:  # noqa: A002
    """``torch.polar``: ``abs·(cos(angle) + i·sin(angle))``."""
    abs, angle = _t(abs), _t(angle)
    dt = _dtype.as_dtype(_COMPLEX_OF.get(abs.dtype.name, "complex64")).np
    return apply(_polar, "Polar", (abs, angle), dtype=dt)


def _polar(r, theta, dtype):
    return (r * jnp.cos(theta)).astype(dtype) + (r * jnp.sin(theta)).astype(dtype) * jnp.asarray(
        1j, dtype
    )


def real(input: Tensor) -> Tensor:
    """The real part (a real tensor is returned as is, as in PyTorch)."""
    input = _t(input)
    if not input.dtype.is_complex:
        return input
    return apply(jnp.real, "Real", (input,))


def imag(input: Tensor) -> Tensor:
    input = _t(input)
    if not input.dtype.is_complex:
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return apply(jnp.imag, "Imag", (input,))


def view_as_real(input: Tensor) -> Tensor:
    """A complex ``(..., )`` tensor as a real ``(..., 2)`` one (real, imaginary)."""
    input = _t(input)
    if not input.dtype.is_complex:
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return apply(_as_real, "ViewAsReal", (input,))


def _as_real(z):
    return jnp.stack([jnp.real(z), jnp.imag(z)], axis=-1)


def view_as_complex(input: Tensor) -> Tensor:
    """A real ``(..., 2)`` tensor as a complex ``(...)`` one."""
    input = _t(input)
    if input.dtype.name not in ("float32", "float64", "float16"):
        raise RuntimeError(
            "view_as_complex is only supported for half, float and double tensors, but got a "
            f"tensor of scalar type: {_dtype.type_name(input.dtype)}"
        )
    if input.ndim == 0 or input.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    dt = _dtype.as_dtype(_COMPLEX_OF[input.dtype.name]).np
    return apply(_as_complex, "ViewAsComplex", (input,), dtype=dt)


def _as_complex(x, dtype):
    return _make_complex(x[..., 0], x[..., 1], dtype)


def conj(input: Tensor) -> Tensor:
    """The complex conjugate (a real tensor is returned as is)."""
    input = _t(input)
    if not input.dtype.is_complex:
        return input
    return apply(jnp.conj, "Conj", (input,))


conj_physical = conj


def resolve_conj(input: Tensor) -> Tensor:
    return input


resolve_neg = resolve_conj


def is_conj(input: Tensor) -> bool:
    return False


def angle(input: Tensor) -> Tensor:
    """The argument of each element (0 or pi for real inputs, as in PyTorch)."""
    input = _t(input)
    if not (input.dtype.is_floating_point or input.dtype.is_complex):
        input = input.to(_dtype.get_default_dtype())
    return apply(jnp.angle, "Angle", (input,))


def is_complex(input: Tensor) -> bool:
    return input.dtype.is_complex


__all__ = """complex polar real imag view_as_real view_as_complex conj conj_physical
    resolve_conj resolve_neg is_conj angle is_complex""".split()
