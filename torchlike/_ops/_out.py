"""``out=``: every public op that takes PyTorch's ``out=`` writes its result there.

The op functions keep PyTorch's signature (``out=None``) and compute out of place; ``install``
wraps each public function of a namespace whose signature has an ``out`` parameter, so that a
call with ``out=`` computes the result, then writes it into ``out`` as PyTorch does:

- any argument (``out`` included) requiring grad while grad mode is on: ``RuntimeError``
  (``out=`` functions don't support automatic differentiation);
- the result is cast into ``out``'s dtype where PyTorch allows it (``RuntimeError`` "result type
  Float can't be cast to the desired output type Long" otherwise); ops whose PyTorch kernel
  demands an exact dtype (matrix products, ``linalg``, index outputs) raise PyTorch's "Expected out
  tensor to have dtype ..." instead; ops whose result dtype PyTorch takes from ``out`` (creation
  ops, ``sum``/``prod``/``cumsum``) compute in it;
- ``out`` is resized when its shape differs (with PyTorch's deprecation warning unless it had no
  elements), and written through to its base when it is a view (a view that would need resizing
  raises ``NotImplementedError``: PyTorch resizes it inside its storage, which torchlike's views
  do not model);
- the call returns ``out`` itself (a tuple of them, or the op's named tuple, for tuple outputs).

Tensor methods never take ``out=`` in PyTorch: ``install_methods`` makes them reject it by name.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections import namedtuple
from collections.abc import Callable

import jax.numpy as jnp

from .. import _dtype
from .._tensor import Tensor
from ..autograd.grad_mode import is_grad_enabled
from . import inplace

# PyTorch computes these in ``out``'s dtype when no ``dtype=`` is given (the op's dtype argument
# defaults to the result's dtype).
DTYPE_FROM_OUT = {
    "sum", "nansum", "prod", "cumsum", "cumprod",
    "zeros", "ones", "full", "empty", "arange", "linspace", "logspace", "eye",
    "rand", "randn", "randint", "randperm", "normal",
}  # fmt: skip

# Kernels that check ``out``'s dtype exactly (no cast), by public name.
EXACT_DTYPE = {
    "matmul", "mm", "bmm", "mv", "dot", "vdot", "inner", "addmm", "addbmm", "baddbmm", "addmv",
    "tensordot", "multi_dot", "det", "slogdet", "inv", "inverse", "solve", "cholesky", "qr",
    "svd", "svdvals", "eigh", "eigvalsh", "vector_norm", "matrix_norm", "norm", "argmax",
    "argmin", "amax", "amin", "aminmax", "logdet", "cross", "outer", "ger", "histc", "bincount",
    "searchsorted", "bucketize", "nonzero", "argsort", "index_select", "take_along_dim", "gather",
    "masked_select", "take", "diag", "cdist", "dist", "trace", "complex", "polar", "where",
    "all", "any", "signbit", "isposinf", "isneginf", "nan_to_num", "logcumsumexp", "quantile",
    "nanquantile", "heaviside", "float_power",
}  # fmt: skip
# Unary kernels that keep their input's dtype: "Found dtype Double but expected Float".
SAME_DTYPE = {
    "abs", "absolute", "neg", "negative", "clamp", "clip", "sign", "floor", "ceil", "trunc",
    "fix", "frac", "round", "bitwise_not",
}  # fmt: skip
# Overloads whose kernel checks ``out``'s dtype exactly while the others cast.
SAME_DTYPE_WHEN = {
    "lerp": lambda args, kwargs: isinstance(
        args[2] if len(args) > 2 else kwargs.get("weight"), Tensor
    ),
}
EXACT_DTYPE_WHEN = {
    "matrix_power": lambda args, kwargs: kwargs.get("n", args[1] if len(args) > 1 else 0) != 0,
}
# Composite ops: PyTorch copies the result into ``out`` with autograd (no refusal).
COMPOSITE = {
    "quantile", "nanquantile", "diag", "tensordot", "inner", "matrix_norm", "linalg.norm",
}  # fmt: skip
# Factories resize ``out`` without PyTorch's deprecation warning.
NO_RESIZE_WARNING = {
    "zeros", "ones", "empty", "full", "linspace", "logspace", "eye", "rand", "randn",
    "randint", "randperm", "normal", "bernoulli", "addbmm",
}  # fmt: skip
_ARANGE_RESIZED = (
    "The number of elements in the out tensor of shape {} is {} which does not match the "
    "computed number of elements {}. Note that this may occur as a result of rounding error. "
    "The out tensor will be resized to a tensor of shape ({},)."
)
# Overloads without out= in PyTorch (the call is rejected as PyTorch's argument parser does).
_NO_DIM = ("dim", None)
NO_OUT_OVERLOAD = {
    "sum": _NO_DIM,
    "prod": _NO_DIM,
    "median": _NO_DIM,
    "nanmedian": _NO_DIM,
    "where": ("input", None),
    "det": None,  # torch.det (torch.linalg.det has out=)
    "pinverse": None,
}

_AUTOGRAD = (
    "{}(): functions with out=... arguments don't support automatic differentiation, but one of "
    "the arguments requires grad."
)
_RESIZED = (
    "An output with one or more elements was resized since it had shape {}, which does not match "
    "the required output shape {}. This behavior is deprecated, and in a future PyTorch release "
    "outputs will not be resized unless they have zero elements. You can explicitly reuse an out "
    "tensor t by resizing it, inplace, to zero elements with t.resize_(0)."
)


def _requires_grad(value) -> bool:
    if isinstance(value, Tensor):
        return value.requires_grad
    if isinstance(value, (list, tuple)):
        return any(_requires_grad(v) for v in value)
    return False


def _check_dtype(name: str, out: Tensor, result: Tensor, exact) -> None:
    if result.dtype is out.dtype:
        return
    if name in SAME_DTYPE or exact == "same":
        raise RuntimeError(
            f"Found dtype {_dtype.type_name(out.dtype)} but expected "
            f"{_dtype.type_name(result.dtype)}"
        )
    if exact:
        raise RuntimeError(
            f"Expected out tensor to have dtype {_dtype.CPP_NAMES[result.dtype.name]}, but got "
            f"{_dtype.CPP_NAMES[out.dtype.name]} instead"
        )
    if name in ("cat", "stack") and not inplace.can_cast(result.dtype, out.dtype):
        raise TypeError(
            "torch.cat(): input types can't be cast to the desired output type "
            f"{_dtype.type_name(out.dtype)}"
        )


def _write(name: str, out, result: Tensor, exact: bool) -> Tensor:
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if not isinstance(result, Tensor):
        raise TypeError(f"{name}(): out= is not supported for a result that is not a tensor")
    _check_dtype(name, out, result, exact)
    if name == "arange" and out.numel() not in (0, result.numel()):
        msg = _ARANGE_RESIZED.format(list(out.shape), out.numel(), result.numel(), result.numel())
        warnings.warn(msg, UserWarning, stacklevel=4)
    if tuple(out.shape) != tuple(result.shape):
        if out._base is not None:
            raise NotImplementedError(
                f"{name}(): torchlike cannot resize the view passed as out= (shape "
                f"{list(out.shape)}, result shape {list(result.shape)}): pass an out tensor of "
                "the result's shape, or one that is not a view"
            )
        if out.numel() != 0 and name not in NO_RESIZE_WARNING and name != "arange":
            msg = _RESIZED.format(list(out.shape), list(result.shape))
            warnings.warn(msg, UserWarning, stacklevel=4)
        out._data = jnp.zeros(tuple(result.shape), out._data.dtype)
    return inplace.commit(out, result)


_OUT_RESULTS: dict = {}


def _result_type(result: tuple) -> Callable:
    """PyTorch's ``torch.return_types.<op>_out`` for an op's named tuple."""
    cls = type(result)
    if not hasattr(cls, "_fields"):
        return lambda *items: tuple(items)
    if cls not in _OUT_RESULTS:
        _OUT_RESULTS[cls] = namedtuple(f"{cls.__name__}_out", cls._fields)
    return _OUT_RESULTS[cls]


def _out_position(fn: Callable) -> int | None:
    params = list(inspect.signature(fn).parameters.values())
    for i, p in enumerate(params):
        if p.name == "out":
            return i if p.kind is p.POSITIONAL_OR_KEYWORD else None
    raise ValueError(f"{fn.__name__} has no out parameter")


def _no_out_overload(fn: Callable, key: str, args, kwargs) -> bool:
    if key not in NO_OUT_OVERLOAD:
        return False
    rule = NO_OUT_OVERLOAD[key]
    if rule is None:
        return True
    param, value = rule
    bound = inspect.signature(fn).bind(*args, **kwargs)
    return bound.arguments.get(param, value) is value


def with_out(fn: Callable, name: str, key: str | None = None) -> Callable:
    """``fn`` (whose ``out`` parameter it ignores) with PyTorch's ``out=`` behaviour.

    ``name`` is the public name (``linalg.norm`` is ``norm`` under ``key`` ``linalg.norm``).
    """
    key = name if key is None else key
    pos = _out_position(fn)
    params = inspect.signature(fn).parameters
    dtype_from_out = name in DTYPE_FROM_OUT and "dtype" in params
    exact = name in EXACT_DTYPE
    composite = name in COMPOSITE or key in COMPOSITE

    if pos is None:  # the common, keyword-only out: one dict lookup on the fast path

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            if kwargs and kwargs.get("out") is not None:
                return with_out_given(args, kwargs)
            return fn(*args, **kwargs)

    else:

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            if (kwargs and kwargs.get("out") is not None) or len(args) > pos:
                return with_out_given(args, kwargs)
            return fn(*args, **kwargs)

    def with_out_given(args, kwargs):
        out = kwargs.pop("out", None)
        if pos is not None and len(args) > pos:
            if out is not None:
                raise TypeError(f"{name}() got multiple values for argument 'out'")
            out, args = args[pos], args[:pos] + (None,) + args[pos + 1 :]
        if out is None:
            return fn(*args, **kwargs)
        if NO_OUT_OVERLOAD.get(key, ()) is None:
            raise TypeError(f"{name}() got an unexpected keyword argument 'out'")
        if _no_out_overload(fn, key, args, kwargs):
            raise TypeError(
                f"{name}() received an invalid combination of arguments: this overload of "
                f"torch.{key} takes no 'out' argument"
            )
        if (
            not composite
            and is_grad_enabled()
            and (
                _requires_grad(out)
                or _requires_grad(args)
                or any(_requires_grad(v) for v in kwargs.values())
            )
        ):
            raise RuntimeError(_AUTOGRAD.format(name))
        if dtype_from_out and kwargs.get("dtype") is None and isinstance(out, Tensor):
            kwargs["dtype"] = out.dtype
        result = fn(*args, **kwargs)
        strict = exact
        if name in SAME_DTYPE_WHEN and SAME_DTYPE_WHEN[name](args, kwargs):
            strict = "same"
        elif name in EXACT_DTYPE_WHEN and EXACT_DTYPE_WHEN[name](args, kwargs):
            strict = True
        if isinstance(result, tuple):
            if not isinstance(out, (tuple, list)) or len(out) != len(result):
                raise TypeError(
                    f"{name}(): argument 'out' must be tuple of {len(result)} Tensors, "
                    f"not {type(out).__name__}"
                )
            outs = [
                _write(name, o, r, strict or r.dtype is _dtype.int64)
                for o, r in zip(out, result, strict=True)
            ]
            return _result_type(result)(*outs)
        return _write(name, out, result, strict)

    wrapper._handles_out = "write"
    return wrapper


def _takes_out(obj) -> bool:
    if not inspect.isfunction(obj) or getattr(obj, "_handles_out", False):
        return False
    try:
        return "out" in inspect.signature(obj).parameters
    except (TypeError, ValueError):
        return False


def install(namespace: dict, prefix: str = "") -> int:
    """Wrap every public function in ``namespace`` (a module's globals) that takes ``out``.

    ``prefix`` names the namespace under ``torch`` (``"linalg."``)."""
    count = 0
    for key, obj in list(namespace.items()):
        if not key.startswith("_") and _takes_out(obj):
            if key.endswith("_"):  # torch.exp_ ...: in-place, no out= in PyTorch
                namespace[key] = _rejecting(obj, key)
            else:
                namespace[key] = with_out(obj, key, prefix + key)
            count += 1
    return count


def reject_out(fn: Callable, name: str) -> Callable:
    """``fn`` without PyTorch's ``out=`` (a name whose PyTorch signature lacks it)."""
    return _rejecting(fn, name)


def _rejecting(fn: Callable, name: str) -> Callable:
    @functools.wraps(fn)
    def method(*args, **kwargs):
        if "out" in kwargs:
            raise TypeError(f"{name}() got an unexpected keyword argument 'out'")
        return fn(*args, **kwargs)

    method._handles_out = "reject"
    return method


def install_methods(cls: type) -> int:
    """Tensor methods sharing an op's function: reject ``out=`` as PyTorch's methods do."""
    count = 0
    for key, obj in list(vars(cls).items()):
        if _takes_out(obj):
            setattr(cls, key, _rejecting(obj, key))
            count += 1
    return count
