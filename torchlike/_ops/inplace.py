"""In-place ops on immutable arrays: rebind the tensor, and write views back to their base.

``commit(t, out)`` makes ``t`` take the value and autograd history of ``out`` (the result of the
out-of-place op computed from ``t``), after PyTorch's checks. If ``t`` is a view, the new value is
scattered into its base: recorded on the tape (PyTorch's ``CopySlices``) unless the view was taken
through ``.data``/``detach()``, whose writes bypass autograd as in PyTorch.
"""

from __future__ import annotations

import sys

import jax.numpy as jnp

from .. import _dtype
from .._dispatch import apply
from .._tensor import Tensor
from ..autograd.grad_mode import is_grad_enabled, no_grad
from ..autograd.graph import bump_version, set_history, version_counter

_COPY_SLICES = "torch::autograd::CopySlices"  # the node name PyTorch gives writes into views

_LEAF = "a leaf Variable that requires grad is being used in an in-place operation."
_VIEW_OF_LEAF = (
    "a view of a leaf Variable that requires grad is being used in an in-place operation."
)


def can_cast(src: _dtype.dtype, dst: _dtype.dtype) -> bool:
    """PyTorch's ``torch.can_cast`` as used for in-place results (no float->int, no ->bool)."""
    rank = _dtype.category
    if rank(src) > rank(dst):
        return False
    return not (dst is _dtype.bool_ and src is not _dtype.bool_)


def check_inplace(t: Tensor) -> None:
    if is_grad_enabled() and t.requires_grad:
        if t.grad_fn is None and t._base is None:
            raise RuntimeError(_LEAF)
        if (
            t._base is not None
            and not t._view_detached
            and t._base.requires_grad
            and t._base.grad_fn is None
        ):
            raise RuntimeError(_VIEW_OF_LEAF)


def commit(t: Tensor, out: Tensor) -> Tensor:
    """Rebind ``t`` to ``out`` (cast back to ``t.dtype``), then write through to its base."""
    check_inplace(t)
    if out.dtype is not t.dtype:
        if not can_cast(out.dtype, t.dtype):
            raise RuntimeError(
                f"result type {_dtype.type_name(out.dtype)} can't be cast to the desired output "
                f"type {_dtype.type_name(t.dtype)}"
            )
        from .pointwise import _cast

        out = _cast(out, t.dtype)
    if t.shape != out.shape:
        raise RuntimeError(
            f"output with shape {list(t.shape)} doesn't match the broadcast shape {list(out.shape)}"
        )
    t._data = out._data
    if out.grad_fn is not None:
        set_history(t, out.grad_fn, out._out_index)
        t.requires_grad = True
    elif t.grad_fn is not None and is_grad_enabled():  # overwritten by a constant
        set_history(t, None)
        t.requires_grad = False
    bump_version(t, out)
    if t._base is not None:
        _write_back(t)
    return t


Tensor._version = property(
    lambda self: version_counter(self)[0],
    doc="How many in-place writes this tensor (or a view of its storage) has had, as PyTorch's.",
)


def _scatter_into(base, flat_index, value):
    flat = base.reshape(-1).at[flat_index.reshape(-1)].set(value.reshape(-1).astype(base.dtype))
    return flat.reshape(base.shape)


def _write_back(view: Tensor) -> None:
    base = view._base
    if sys.getrefcount(base) <= 3:  # only this view (and this frame) hold the base: unobservable
        return
    index = view._view_fn(jnp.arange(base._data.size).reshape(base._data.shape))
    if view._view_detached or not (
        is_grad_enabled() and (base.requires_grad or view.requires_grad)
    ):
        with no_grad():
            base._data = apply(_scatter_into, _COPY_SLICES, (base, index, view))._data
        return
    out = apply(_scatter_into, _COPY_SLICES, (base, index, view))
    base._data = out._data
    set_history(base, out.grad_fn, out._out_index)
    base.requires_grad = True
