"""``torch.func`` / ``torch.vmap``: function transforms over torchlike functions, on JAX's.

Each transform turns the user's function into a pure function of arrays (the Tensor leaves of
its arguments; other arguments are held fixed), applies the JAX transform (``jax.vmap``,
``jax.grad``, ``jax.jacrev``...), and runs the result as one op through ``apply``: so the
transformed call is itself differentiable by ``backward()``, works inside ``torchlike.compile``,
and transforms compose (``vmap(grad(f))``).

Where JAX differs: the function is traced, so it must not read tensor values in Python
(``.item()``, ``if tensor:``), as in ``torch.func``. Random ops inside ``vmap`` raise
(PyTorch's default ``randomness='error'``); the ``'same'`` and ``'different'`` modes are not
implemented. In-place ops on the inputs act on the traced copies only. Gradients of the
transformed call reach the tensors passed as arguments; a tensor the function only captures
from an enclosing scope is a constant there (pass it as an argument, or use
``functional_call`` for a module's parameters).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from typing import Any

import jax

from . import random as _random
from ._dispatch import apply
from ._tensor import Tensor
from .autograd.grad_mode import no_grad


def _is_tensor(x) -> bool:
    return isinstance(x, Tensor)


class _Traced:
    """Runs ``transform(pure)(*arrays)`` as one op; ``pure`` rebuilds the arguments and calls
    ``func``. The output tree structure is recorded while tracing."""

    def __init__(self, func: Callable, name: str) -> None:
        self.func = func
        self.name = name
        self.out_tree = None

    def pure(self, arg_tree, consts: tuple, tensor_pos: tuple, *arrays):
        """``func`` on arrays: the arguments rebuilt with ``arrays`` as their tensors."""
        leaves = list(consts)
        for pos, arr in zip(tensor_pos, arrays):
            leaves[pos] = Tensor._wrap(arr)
        args, kwargs = jax.tree.unflatten(arg_tree, leaves)
        with no_grad(), _no_random(self.name):
            out = self.func(*args, **kwargs)
        return jax.tree.map(lambda t: t._data if _is_tensor(t) else t, out, is_leaf=_is_tensor)


@contextlib.contextmanager
def _no_random(name: str):
    if name != "vmap":
        yield
        return
    gen = _random.Generator
    original = gen.next_key

    def refuse(self):
        raise RuntimeError(
            "vmap: called random operation while in randomness error mode. Please either use "
            "the 'same' or 'different' randomness flags on vmap or perform the randomness "
            "operation out of vmap"
        )

    gen.next_key = refuse
    try:
        yield
    finally:
        gen.next_key = original


def _run(traced: _Traced, transform: Callable, args: tuple, kwargs: dict, static: tuple):
    """Flatten ``args``/``kwargs``, run ``transform`` of the pure function as one op."""
    leaves, arg_tree = jax.tree.flatten((args, kwargs), is_leaf=_is_tensor)
    tensor_pos = tuple(i for i, x in enumerate(leaves) if _is_tensor(x))
    consts = tuple(None if _is_tensor(x) else x for x in leaves)
    tensors = [leaves[i] for i in tensor_pos]
    try:
        hash(consts)
    except TypeError as e:
        raise TypeError(
            f"torchlike.func.{traced.name}: arguments other than tensors must be hashable "
            f"(numbers, strings, tuples); got {consts}"
        ) from e
    flat = apply(
        _transformed,
        traced.name,
        tuple(tensors),
        traced=traced,
        transform=transform,
        arg_tree=arg_tree,
        consts=consts,
        tensor_pos=tensor_pos,
        static=static,
    )
    flat = list(flat) if isinstance(flat, tuple) else [flat]
    return jax.tree.unflatten(traced.out_tree, flat)


def _transformed(*arrays, traced, transform, arg_tree, consts, tensor_pos, static):
    pure = functools.partial(traced.pure, arg_tree, consts, tensor_pos)
    out = transform(pure, tensor_pos, arrays, static)(*arrays)
    leaves, traced.out_tree = jax.tree.flatten(out)
    return tuple(leaves) if len(leaves) != 1 else leaves[0]


# -- vmap ---------------------------------------------------------------------------------------


def _leaf_dims(dims, tree, what: str) -> list:
    """Broadcast ``in_dims`` (a prefix of the arguments' structure) to one dim per tensor."""
    if dims is None or isinstance(dims, int):
        return [dims] * len([x for x in jax.tree.leaves(tree, is_leaf=_is_tensor) if _is_tensor(x)])
    if isinstance(dims, (tuple, list)) and isinstance(tree, (tuple, list)):
        if len(dims) != len(tree):
            raise ValueError(
                f"vmap(f, {what}={dims}, ...)(<inputs>): {what} is not compatible with the "
                f"structure of `inputs`. {what} has structure with {len(dims)} entries but "
                f"inputs has {len(tree)} entries."
            )
        return [d for sub_d, sub in zip(dims, tree) for d in _leaf_dims(sub_d, sub, what)]
    if isinstance(dims, dict) and isinstance(tree, dict):
        return [d for k in sorted(tree) for d in _leaf_dims(dims[k], tree[k], what)]
    raise ValueError(f"vmap: {what}={dims} does not match the structure of the inputs")


def _vmap_transform(pure, tensor_pos, arrays, static):
    in_axes, out_dims = static
    for axis, arr in zip(in_axes, arrays):
        if axis is not None and not -arr.ndim <= axis < max(arr.ndim, 1):
            raise ValueError(
                f"vmap: Got in_dim={axis} for an input but the input is of dimension {arr.ndim}"
            )
    return jax.vmap(pure, in_axes=in_axes, out_axes=out_dims)


def vmap(
    func: Callable,
    in_dims=0,
    out_dims=0,
    randomness: str = "error",
    *,
    chunk_size=None,
) -> Callable:
    """``torch.vmap``: ``func`` mapped over a dimension of its tensor inputs.

    Args:
        func: a function of tensors (and other fixed arguments) returning tensors.
        in_dims: per positional argument (a prefix of their structure), the dimension to map
            over, or ``None`` for an unmapped argument. Non-tensor arguments are passed as is.
        out_dims: where the mapped dimension goes in each output.
        randomness: only ``'error'`` (PyTorch's default): random ops inside raise.
        chunk_size: accepted; the whole batch is mapped at once.
    """
    if randomness != "error":
        raise NotImplementedError(
            f"torchlike.vmap supports randomness='error' only (got {randomness!r})"
        )
    traced = _Traced(func, "vmap")

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        dims = _leaf_dims(in_dims, args, "in_dims")
        if all(d is None for d in dims):
            raise ValueError(
                "vmap(f, in_dims=..., ...)(<inputs>): at least one input must be a Tensor "
                "mapped over a dimension (in_dims not all None)"
            )
        n_kw = len([x for x in jax.tree.leaves(kwargs, is_leaf=_is_tensor) if _is_tensor(x)])
        in_axes = tuple(dims) + (None,) * n_kw  # keyword tensors are not mapped (as torch)
        out = out_dims if not isinstance(out_dims, list) else tuple(out_dims)
        return _run(traced, _vmap_transform, args, kwargs, (in_axes, out))

    return wrapped


# -- gradients ----------------------------------------------------------------------------------


def _arg_leaf_indices(tensor_pos, arg_tree, argnums):
    """For each differentiated positional argument: its structure, and for each of its leaves
    the index among the tensors (None for a non-tensor leaf)."""
    args_tree = jax.tree.unflatten(arg_tree, list(range(arg_tree.num_leaves)))[0]
    index_of = {pos: i for i, pos in enumerate(tensor_pos)}
    out = []
    for n in argnums:
        leaves, structure = jax.tree.flatten(args_tree[n])
        idx = [index_of.get(leaf) for leaf in leaves]
        if all(i is None for i in idx):
            raise RuntimeError(
                f"grad(f)(*args): Expected f to be a function that has tensor argument(s) at "
                f"argnums={n}"
            )
        out.append((structure, idx))
    return out


def _grad_transform(kind: str):
    def transform(pure, tensor_pos, arrays, static):
        argnums, has_aux, arg_tree, single = static
        groups = _arg_leaf_indices(tensor_pos, arg_tree, argnums)
        flat_nums = tuple(i for _, g in groups for i in g if i is not None)

        def scalar_fn(*arrs):
            out = pure(*arrs)
            value, aux = out if has_aux else (out, None)
            if kind == "grad" and getattr(value, "size", 2) != 1:
                raise RuntimeError(
                    "grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got "
                    f"tensor with {value.ndim} dims. Maybe you wanted to use the vjp or jacrev "
                    "APIs instead?"
                )
            return (value.reshape(()) if kind == "grad" else value), aux

        jax_transform = {"grad": jax.grad, "jacrev": jax.jacrev, "jacfwd": jax.jacfwd}[kind]
        inner = jax_transform(scalar_fn, argnums=flat_nums, has_aux=True)

        def run(*arrs):
            grads, aux = inner(*arrs)
            it = iter(grads)
            per_arg = [
                jax.tree.unflatten(structure, [None if i is None else next(it) for i in idx])
                for structure, idx in groups
            ]
            result = per_arg[0] if single else tuple(per_arg)
            return (result, aux) if has_aux else result

        return run

    return transform


def _make_grad(kind: str, func: Callable, argnums, has_aux: bool) -> Callable:
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)
    traced = _Traced(func, kind)

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        nums_ = tuple(n % len(args) for n in nums)
        leaves, arg_tree = jax.tree.flatten((args, kwargs), is_leaf=_is_tensor)
        del leaves
        return _run(traced, _grad_transform(kind), args, kwargs, (nums_, has_aux, arg_tree, single))

    return wrapped


def grad(func: Callable, argnums=0, has_aux: bool = False) -> Callable:
    """``torch.func.grad``: the gradient of a scalar-valued ``func`` w.r.t. ``argnums``."""
    return _make_grad("grad", func, argnums, has_aux)


def jacrev(func: Callable, argnums=0, *, has_aux: bool = False, chunk_size=None) -> Callable:
    """``torch.func.jacrev``: the Jacobian by reverse mode (shape ``out.shape + in.shape``)."""
    return _make_grad("jacrev", func, argnums, has_aux)


def jacfwd(func: Callable, argnums=0, has_aux: bool = False, *, randomness="error") -> Callable:
    """``torch.func.jacfwd``: the Jacobian by forward mode."""
    return _make_grad("jacfwd", func, argnums, has_aux)


def grad_and_value(func: Callable, argnums=0, has_aux: bool = False) -> Callable:
    """``torch.func.grad_and_value``: ``(grad, value)`` (``(grad, (value, aux))`` with aux)."""
    g = grad(lambda *a, **k: _with_value(func, has_aux, *a, **k), argnums, has_aux=True)

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        grads, (value, aux) = g(*args, **kwargs)
        return (grads, (value, aux)) if has_aux else (grads, value)

    return wrapped


def _with_value(func, has_aux, *args, **kwargs):
    out = func(*args, **kwargs)
    value, aux = out if has_aux else (out, None)
    return value, (value, aux)


# -- functional_call ----------------------------------------------------------------------------


def functional_call(
    module, parameter_and_buffer_dicts, args=None, kwargs=None, *, tie_weights=True, strict=False
) -> Any:
    """``torch.func.functional_call``: ``module(*args, **kwargs)`` with some parameters and
    buffers replaced by the given tensors (by ``state_dict`` name). Gradients flow to the given
    tensors, also under ``vmap``/``grad``; the module itself is left unchanged."""
    if isinstance(parameter_and_buffer_dicts, (list, tuple)):
        merged: dict = {}
        for d in parameter_and_buffer_dicts:
            dup = set(merged) & set(d)
            if dup:
                raise ValueError(f"{sorted(dup)} appeared in multiple dictionaries")
            merged.update(d)
        parameter_and_buffer_dicts = merged
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    kwargs = dict(kwargs or {})
    state = dict(module.named_parameters(remove_duplicate=False))
    state.update(dict(module.named_buffers(remove_duplicate=False)))
    missing = [k for k in parameter_and_buffer_dicts if k not in state]
    if missing:
        raise AttributeError(f"{type(module).__name__} has no parameter or buffer {missing[0]!r}")
    if strict:
        absent = [k for k in state if k not in parameter_and_buffer_dicts]
        if absent:
            raise RuntimeError(f"Missing key(s): {', '.join(map(repr, absent))}.")
    names = tuple(sorted(parameter_and_buffer_dicts))
    values = tuple(parameter_and_buffer_dicts[k] for k in names)
    return _call(module, names)(values, args, kwargs)


@functools.lru_cache(maxsize=256)  # one traced op per (module, names): compiled once, reused
def _call(module, names: tuple) -> Callable:
    def call(values, args, kwargs):
        state = dict(module.named_parameters(remove_duplicate=False))
        state.update(dict(module.named_buffers(remove_duplicate=False)))
        saved = {k: state[k]._data for k in names}
        try:
            for k, v in zip(names, values):
                state[k]._data = v._data if isinstance(v, Tensor) else v
            return module(*args, **kwargs)
        finally:
            for k in names:
                state[k]._data = saved[k]

    traced = _Traced(call, "functional_call")

    def run(values, args, kwargs):
        return _run(traced, _identity_transform, (values, args, kwargs), {}, ())

    return run


def _identity_transform(pure, tensor_pos, arrays, static):
    return pure


__all__ = [
    "functional_call",
    "grad",
    "grad_and_value",
    "jacfwd",
    "jacrev",
    "vmap",
]
