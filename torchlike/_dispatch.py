"""Running an op: one pure JAX function, recorded on the tape when a gradient is needed.

``apply(fn, name, args, **static)`` is the single entry point every torchlike op goes through.
``fn`` is a pure function of arrays; ``args`` are tensors, arrays or Python numbers (passed as
dynamic values, so a changing scalar never recompiles); ``static`` are hashable options (dims,
dtypes, flags). Eagerly the forward, and the forward-with-pullback, are ``jax.jit``-compiled once
per ``(fn, static)`` and reused (much cheaper than tracing ``jax.vjp`` on every call). On tracers,
inside ``torchlike.compile`` or ``jax.jit``, ``fn`` and ``jax.vjp`` are called directly, so the
compiled program is exactly what ``jax.grad`` would produce.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ._tensor import Tensor
from .amp.autocast_mode import _state as _amp_state
from .amp.autocast_mode import cast_call
from .autograd.grad_mode import is_grad_enabled
from .autograd.graph import SAVES, Node, save_versions

_Tracer = jax.core.Tracer
_plain_cache: dict = {}
_vjp_cache: dict = {}


def _inexact(x) -> bool:
    return jnp.issubdtype(x.dtype, jnp.inexact)


def _split_outputs(out) -> tuple[Any, Any]:
    """Differentiable outputs (integer ones as None), and integer outputs (the others as None).

    A single output stays a bare array and a tuple stays a tuple, so the caller can tell them apart.
    """
    if isinstance(out, tuple):
        return (
            tuple(o if _inexact(o) else None for o in out),
            tuple(None if _inexact(o) else o for o in out),
        )
    return (out, None) if _inexact(out) else (None, out)


def _forward_with_pullback(fn: Callable, static: dict, mask: tuple) -> Callable:
    def run(*arrays):
        def diff_fn(*diff):
            it = iter(diff)
            full = [next(it) if m else a for a, m in zip(arrays, mask)]
            return _split_outputs(fn(*full, **static))

        diff_args = [a for a, m in zip(arrays, mask) if m]
        douts, pullback, aux = jax.vjp(diff_fn, *diff_args, has_aux=True)
        return douts, aux, pullback

    return run


def _unflatten_call(treedef, leaves, cts):
    return jax.tree.unflatten(treedef, leaves)(cts)


def _signature(x) -> Any:
    if isinstance(x, jax.Array):
        return (x.shape, x.dtype, getattr(x, "weak_type", False))
    if isinstance(x, np.ndarray | np.generic):  # NumPy operands: their shapes matter too
        return (x.shape, x.dtype, "numpy")
    return type(x)


class _EagerVjp:
    """One op's eager forward-with-pullback: a jitted forward that returns the pullback's
    residual arrays, and a jitted backward per residual layout.

    Passing residuals as a flat list is cheaper per call than passing the pullback object through
    ``jax.jit`` (whose tree structure holds a whole jaxpr to hash and compare).
    """

    def __init__(self, fn: Callable, static: dict, mask: tuple) -> None:
        self._run = _forward_with_pullback(fn, static, mask)
        self._fwd = jax.jit(self._flat_forward)
        self._backward: dict = {}  # input signature -> jitted backward
        self._treedef = None

    def _flat_forward(self, *arrays):
        douts, aux, pullback = self._run(*arrays)
        leaves, self._treedef = jax.tree.flatten(pullback)
        return douts, aux, leaves

    def __call__(self, arrays: list):
        sig = tuple(map(_signature, arrays))
        backward = self._backward.get(sig)
        self._treedef = None
        douts, aux, leaves = self._fwd(*arrays)
        if backward is None:
            if self._treedef is None:  # compiled before under an equivalent signature
                jax.eval_shape(self._flat_forward, *arrays)
            backward = jax.jit(functools.partial(_unflatten_call, self._treedef))
            self._backward[sig] = backward
        return douts, aux, functools.partial(backward, leaves)


def apply(fn: Callable, name: str, args: tuple, **static: Any):
    """Run ``fn(*arrays, **static)``; returns a Tensor, or a tuple of them if ``fn`` returns one."""
    if getattr(_amp_state, "stack", None):  # inside torch.autocast: cast as the op's policy asks
        args, static = cast_call(fn, args, static)
    arrays = [a._data if isinstance(a, Tensor) else a for a in args]
    tracing = any(isinstance(a, _Tracer) for a in arrays)
    record = is_grad_enabled() and any(isinstance(a, Tensor) and a.requires_grad for a in args)
    key = (fn, tuple(static.items()))
    if not record:
        if tracing:
            out = fn(*arrays, **static)
        else:
            jitted = _plain_cache.get(key)
            if jitted is None:
                jitted = _plain_cache[key] = jax.jit(lambda *a: fn(*a, **static))
            out = jitted(*arrays)
        if isinstance(out, tuple):
            return tuple(Tensor._wrap(o) for o in out)
        return Tensor._wrap(out)

    mask = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
    if tracing:
        douts, aux, pullback = _forward_with_pullback(fn, static, mask)(*arrays)
    else:
        key = key + (mask,)
        fwd = _vjp_cache.get(key)
        if fwd is None:
            fwd = _vjp_cache[key] = _EagerVjp(fn, static, mask)
        douts, aux, pullback = fwd(arrays)

    multi = isinstance(douts, tuple)
    douts, aux = (douts, aux) if multi else ((douts,), (aux,))

    def pull(cts, _pb=pullback):
        grads = iter(_pb(cts if multi else cts[0]))
        return [next(grads) if m else None for m in mask]

    inputs = tuple(
        (None if not m else (a.grad_fn, a._out_index) if a.grad_fn is not None else a)
        for a, m in zip(args, mask)
    )
    avals = tuple(None if d is None else (d.shape, d.dtype) for d in douts)
    node = Node(name, pull, inputs, avals, (fn, static, arrays, mask))
    outs = tuple(
        Tensor._make(d, node, i) if d is not None else Tensor._wrap(x)
        for i, (d, x) in enumerate(zip(douts, aux))
    )
    rule = SAVES.get(name)
    if rule is not None:  # what PyTorch saves for backward: checked for in-place writes there
        save_versions(node, rule, args, mask, outs)
    return outs if multi else outs[0]
