"""PyTorch dtypes on top of JAX dtypes, with PyTorch's type-promotion rules.

torchlike enables JAX's 64-bit mode so that integer tensors are int64 (as in PyTorch) while the
default floating dtype stays float32. Every op therefore computes its result dtype with
:func:`result_type` (PyTorch's rules) and casts explicitly, never relying on JAX's own promotion,
which differs for Python scalars (``int64_tensor * 2.5`` is float32 in PyTorch, float64 in JAX).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

jax.config.update("jax_enable_x64", True)


class dtype:
    """A PyTorch dtype (``torch.float32`` ...). Compare with ``==``; ``repr`` is PyTorch's."""

    __slots__ = ("name", "np", "is_floating_point", "is_complex", "is_signed", "itemsize")

    def __init__(self, name: str, np_dtype) -> None:
        self.name = name
        self.np = np.dtype(np_dtype)
        kind = self.np.kind
        self.is_floating_point = kind == "f" or name == "bfloat16"
        self.is_complex = kind == "c"
        self.is_signed = kind in "fic" or name == "bfloat16"
        self.itemsize = self.np.itemsize

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))

    def to_real(self) -> dtype:
        return {"complex64": float32, "complex128": float64}.get(self.name, self)

    def to_complex(self) -> dtype:
        return {"float64": complex128}.get(self.name, complex64) if not self.is_complex else self


float32 = dtype("float32", jnp.float32)
float64 = dtype("float64", jnp.float64)
float16 = dtype("float16", jnp.float16)
bfloat16 = dtype("bfloat16", jnp.bfloat16)
complex64 = dtype("complex64", jnp.complex64)
complex128 = dtype("complex128", jnp.complex128)
int64 = dtype("int64", jnp.int64)
int32 = dtype("int32", jnp.int32)
int16 = dtype("int16", jnp.int16)
int8 = dtype("int8", jnp.int8)
uint8 = dtype("uint8", jnp.uint8)
bool_ = dtype("bool", jnp.bool_)

float = float32  # noqa: A001 - PyTorch's aliases
double = float64
half = float16
cfloat = complex64
cdouble = complex128
long = int64
int = int32  # noqa: A001
short = int16

_ALL = (
    float32,
    float64,
    float16,
    bfloat16,
    complex64,
    complex128,
    int64,
    int32,
    int16,
    int8,
    uint8,
    bool_,
)
_FROM_NP = {d.np: d for d in _ALL}


def _by_name(name: str) -> dtype:
    return next(d for d in _ALL if d.name == name)


_default_float = float32


def get_default_dtype() -> dtype:
    """The dtype of new floating tensors (``float32`` unless changed)."""
    return _default_float


def set_default_dtype(d: dtype) -> None:
    """Set the default floating dtype; PyTorch accepts only floating dtypes here."""
    global _default_float
    d = as_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_float = d


def as_dtype(d) -> dtype:
    """Accept a torchlike dtype, a numpy/JAX dtype, or Python's ``float``/``int``/``bool``."""
    if isinstance(d, dtype):
        return d
    if d is builtins_float:
        return _default_float
    if d is builtins_int:
        return int64
    if d is builtins_bool:
        return bool_
    if d is builtins_complex:
        return _default_float.to_complex()
    try:
        return _FROM_NP[np.dtype(d)]
    except (KeyError, TypeError):
        raise TypeError(f"unsupported dtype: {d!r}") from None


def from_jax(d) -> dtype:
    """The torchlike dtype of a JAX/numpy dtype; uint32/uint64 etc. have no PyTorch twin."""
    try:
        return _FROM_NP[np.dtype(d)]
    except KeyError:
        raise TypeError(f"JAX dtype {d} has no torchlike equivalent") from None


import builtins  # noqa: E402

builtins_float, builtins_int, builtins_bool, builtins_complex = (
    builtins.float,
    builtins.int,
    builtins.bool,
    builtins.complex,
)

# -- promotion -------------------------------------------------------------------------------------

_BOOL, _INT, _FLOAT, _COMPLEX = 0, 1, 2, 3


def category(d: dtype) -> builtins.int:
    if d is bool_:
        return _BOOL
    if d.is_complex:
        return _COMPLEX
    return _FLOAT if d.is_floating_point else _INT


def promote_types(a: dtype, b: dtype) -> dtype:
    """PyTorch's ``torch.promote_types`` (the pairwise lattice, which JAX's agrees with here)."""
    if a is b:
        return a
    return _FROM_NP[np.dtype(jnp.promote_types(a.np, b.np))]


def scalar_dtype(x) -> dtype:
    """The dtype a Python number gets when it becomes a tensor on its own."""
    if isinstance(x, builtins.bool):
        return bool_
    if isinstance(x, builtins.int):
        return int64
    if isinstance(x, builtins.complex):
        return _default_float.to_complex()
    return _default_float


def _combine(higher: dtype | None, lower: dtype | None) -> dtype | None:
    """Let a lower-priority group (0-d tensors, then Python scalars) lift the category only."""
    if higher is None:
        return lower
    if lower is None or higher.is_complex:
        return higher
    if lower.is_complex:
        return higher.to_complex() if higher.is_floating_point else lower
    if higher.is_floating_point:
        return higher
    if higher is bool_ or lower.is_floating_point:
        return promote_types(higher, lower)
    return higher


def result_type(*args) -> dtype:
    """PyTorch's ``torch.result_type`` over tensors and Python scalars.

    Tensors with dimensions decide the dtype; zero-dim tensors and then Python scalars only raise
    the category (bool < integer < floating < complex), taking the default dtype of that category.
    """
    dim = zero = wrapped = None
    for a in args:
        d = getattr(a, "dtype", None)
        if isinstance(d, dtype):
            if a.ndim:
                dim = d if dim is None else promote_types(dim, d)
            else:
                zero = d if zero is None else promote_types(zero, d)
        elif a is not None:
            s = scalar_dtype(a)
            wrapped = s if wrapped is None else (s if category(s) > category(wrapped) else wrapped)
    return _combine(dim, _combine(zero, wrapped))


# The C++ type names PyTorch's dtype-mismatch messages use, by NumPy dtype name.
CPP_NAMES = {
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

# PyTorch's scalar type names (``ScalarType``): its error messages print them ("expected scalar
# type Long"), and ``Tensor.type()`` adds ``Tensor`` (``torch.FloatTensor``).
SCALAR_NAMES = {
    "float32": "Float",
    "float64": "Double",
    "float16": "Half",
    "bfloat16": "BFloat16",
    "int64": "Long",
    "int32": "Int",
    "int16": "Short",
    "int8": "Char",
    "uint8": "Byte",
    "bool": "Bool",
    "complex64": "ComplexFloat",
    "complex128": "ComplexDouble",
}


def type_name(d: dtype) -> str:
    """PyTorch's scalar type name of ``d``: ``Float``, ``Long``, ``ComplexFloat``."""
    return SCALAR_NAMES[d.name]
