"""The autograd tape: how ``loss.backward()`` works, on one screen.

Every differentiable op that sees an input requiring grad (with grad mode on) records a
:class:`Node` through :func:`record`, the tape's one writer (ops through ``_dispatch.apply``,
custom ``autograd.Function``, compiled functions and module backward hooks alike): the op's
pullback and, for each input that needs a gradient, where it goes (the producing ``Node`` or, for
a leaf, the leaf tensor itself). Pullbacks of JAX functions come from :func:`vjp`, the one place
``jax.vjp`` is called. ``backward()`` sorts the nodes reachable
from the output topologically and runs the pullbacks in reverse order, summing gradients per node
and accumulating them into leaf ``.grad``. The same code runs on tracers inside ``jax.jit``, so a
compiled step contains exactly the XLA program ``jax.grad`` would build.

``create_graph=True`` (gradients of gradients) runs the same walk on tensors instead of arrays:
each node's backward is replayed as an ordinary recorded op (the ``jax.vjp`` of the node's forward
function, applied to the forward inputs it saved and to the incoming gradient), so the gradients
it produces have a ``grad_fn`` of their own and can be differentiated again.
"""

from __future__ import annotations

import functools
import re
import weakref
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp

from .. import _trace_state
from .._tensor import Tensor
from .anomaly_mode import _ANOMALY, check_nan

if TYPE_CHECKING:
    from ..utils.hooks import RemovableHandle

_FREED = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you "
    "call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward "
    "through the graph a second time or if you need to access saved tensors after calling "
    "backward."
)


class Node:
    """A recorded op (PyTorch's ``grad_fn``): the pullback and where input gradients flow.

    ``mask[i]`` says whether the op's input ``i`` needs a gradient. ``inputs`` has one entry per
    such input, in order: the ``(Node, output_index)`` that produced it, or the leaf tensor whose
    ``.grad`` receives it; ``pullback(cts)`` returns one gradient (or None) per entry of
    ``inputs``. ``out_avals`` gives the shape and dtype of each differentiable output (``None``
    for integer outputs), used to fill in zero cotangents for outputs that received no gradient.
    """

    __slots__ = (
        "_name",
        "pullback",
        "inputs",
        "mask",
        "out_avals",
        "retained",
        "saved",
        "hooks",
        "versions",
        "__weakref__",
    )

    def __init__(
        self,
        name: str,
        pullback: Callable,
        inputs: tuple,
        mask: tuple,
        out_avals: tuple,
        saved=None,
    ) -> None:
        self._name = name
        self.pullback = pullback
        self.inputs = inputs
        self.mask = mask
        self.out_avals = out_avals
        # (fn, static, forward argument values, mask): what create_graph needs to replay the
        # backward as recorded ops; None for nodes that cannot be replayed.
        self.saved = saved
        self.retained: dict[int, Any] | None = (
            None  # output index -> tensor that called retain_grad
        )
        self.hooks: dict[int, dict] | None = None  # output index -> {handle id: register_hook fn}
        # The tensors PyTorch's backward of this op saves, as (version counter, version then,
        # input tensor or None for an output, output index): see ``save_versions``.
        self.versions: tuple | None = None

    def name(self) -> str:
        """PyTorch's node name: ``MulBackward0``; ops may pass a full name (``SumBackward1``)."""
        if "Backward" in self._name or "::" in self._name:
            return self._name
        return f"{self._name}Backward0"

    @property
    def next_functions(self) -> tuple:
        """PyTorch's view of the graph: ``((node_or_AccumulateGrad, index), ...)``."""
        inputs = iter(self.inputs)
        out = []
        for m in self.mask:
            if not m:
                out.append((None, 0))
                continue
            inp = next(inputs)
            out.append(inp if isinstance(inp, tuple) else (AccumulateGrad(inp), 0))
        return tuple(out)

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"

    def __call__(self, *grads):
        """The op's backward on output gradients ``grads``: one gradient per input of the op (None
        for those that need none), as PyTorch's ``grad_fn(*grads)``."""
        results = iter(self.pullback(_fill(self, [getattr(g, "_data", g) for g in grads])))
        return tuple(
            None if not m or (g := next(results)) is None else Tensor._wrap(g) for m in self.mask
        )


def set_history(t, node: Node | None, index: int = 0) -> None:
    """``t`` (rebound by an in-place op) now comes from output ``index`` of ``node``. A
    ``retain_grad()`` moves with it, as PyTorch's: ``.grad`` is the gradient of the tensor's latest
    version. Hooks from ``register_hook`` stay with the old version, as PyTorch's do."""
    old = t.grad_fn
    if old is not None and old.retained and old.retained.get(t._out_index) is t:
        del old.retained[t._out_index]
        if node is not None:
            if node.retained is None:
                node.retained = {}
            node.retained[index] = t
    t.grad_fn, t._out_index = node, index


class AccumulateGrad:
    """Stands for a leaf in ``next_functions``, as in PyTorch."""

    def __init__(self, variable: Any) -> None:
        self.variable = variable

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {hex(id(self))}>"


def _fill(node: Node, cts: list) -> tuple:
    """Cotangents for every differentiable output, zeros where none arrived."""
    if len(cts) == 1 and cts[0] is not None and node.out_avals[0] is not None:  # the usual
        return (cts[0],)
    return tuple(
        None if aval is None else (jnp.zeros(aval[0], aval[1]) if ct is None else ct)
        for aval, ct in zip(node.out_avals, cts)
    )


# -- recording -----------------------------------------------------------------------------------
def record(
    name: str, pullback: Callable, inputs: Sequence, mask: tuple, outputs: Any, saved=None
) -> Any:
    """Record one op on the tape; returns its outputs as tensors whose ``grad_fn`` is the node.

    ``inputs`` are the op's arguments (tensors or other values) and ``mask[i]`` whether input
    ``i`` needs a gradient; ``pullback(cts)`` is the op's backward: given a tuple of one cotangent
    per output, one gradient (or None) per input that needs one. ``outputs`` is one array (the
    common case: one Tensor is returned), or a tuple in which each array is a differentiable
    output of the node and anything else (an integer output, already a tensor; a Python value)
    is returned as given. ``saved`` is what ``create_graph=True`` needs to replay the backward
    as recorded ops: ``(fn, static, forward argument values, mask)``.
    """
    targets = tuple(
        a if (src := a.grad_fn) is None else (src, a._out_index) for a, m in zip(inputs, mask) if m
    )
    if type(outputs) is tuple:
        avals = tuple((o.shape, o.dtype) if isinstance(o, jax.Array) else None for o in outputs)
        node = Node(name, pullback, targets, mask, avals, saved)
        outs = tuple(
            Tensor._make(o, node, i) if isinstance(o, jax.Array) else o
            for i, o in enumerate(outputs)
        )
    else:  # one output (the common case), without the loops
        node = Node(name, pullback, targets, mask, ((outputs.shape, outputs.dtype),), saved)
        outs = Tensor._make(outputs, node, 0)
    rule = SAVES.get(name)
    if rule is not None:  # what PyTorch saves for backward: checked for in-place writes there
        save_versions(node, rule, inputs, mask, outs if type(outs) is tuple else (outs,))
    return outs


def differentiable(x) -> bool:
    """Whether an array's dtype carries a gradient (floating point or complex)."""
    return jnp.issubdtype(x.dtype, jnp.inexact)


def split_outputs(fn: Callable, static: dict, *arrays) -> tuple[Any, Any]:
    """``fn(*arrays, **static)`` as (differentiable outputs, integer outputs): the integer ones
    are None in the first, the others None in the second. A single output stays a bare array and
    a tuple stays a tuple, so the caller can tell them apart."""
    out = fn(*arrays, **static)
    if isinstance(out, tuple):
        return (
            tuple(o if differentiable(o) else None for o in out),
            tuple(None if differentiable(o) else o for o in out),
        )
    return (out, None) if differentiable(out) else (None, out)


def vjp(fn: Callable, args: Sequence, mask: tuple, flat: bool = False) -> tuple:
    """``jax.vjp`` of ``fn(*args)`` with respect to the ``args[i]`` where ``mask[i]``; ``fn``
    returns ``(differentiable outputs, aux)``. Returns ``(outputs, aux, pullback)``, where
    ``pullback(cts)`` takes a tuple of one cotangent per output (``record``'s convention) and
    returns one gradient per masked argument. With ``flat=True`` the pullback comes as its
    residual arrays and their layout, ``(outputs, aux, residuals, layout)``, for
    :func:`call_pullback` (a list of arrays is cheaper to pass through ``jax.jit`` than the
    pullback, whose tree structure holds a whole jaxpr to hash and compare)."""

    def diff_fn(*diff):
        it = iter(diff)
        return fn(*[next(it) if m else a for a, m in zip(args, mask)])

    douts, pullback, aux = jax.vjp(diff_fn, *[a for a, m in zip(args, mask) if m], has_aux=True)
    multi = isinstance(douts, tuple)
    if flat:
        residuals, treedef = jax.tree.flatten(pullback)
        return douts, aux, residuals, (treedef, multi)
    return douts, aux, (pullback if multi else lambda cts: pullback(cts[0]))


def call_pullback(layout: tuple, residuals: list, cts: tuple) -> tuple:
    """The pullback ``vjp(..., flat=True)`` returned as ``residuals`` and ``layout``, applied to
    ``cts`` (one cotangent per output); meant to be ``jax.jit``-compiled per layout."""
    treedef, multi = layout
    pullback = jax.tree.unflatten(treedef, residuals)
    return pullback(cts if multi else cts[0])


# -- tensor hooks (Tensor.register_hook / register_post_accumulate_grad_hook) ------------------
# A non-leaf's hooks live on its grad_fn (keyed by output index); a leaf's live here, keyed by the
# tensor's id (Parameters are nnx Variables, which take no new attributes) and dropped with it.
_LEAF_HOOKS: dict[int, dict] = {}  # id(leaf) -> {handle id: fn(grad)}
_POST_HOOKS: dict[int, dict] = {}  # id(leaf) -> {handle id: fn(tensor)}


def _leaf_table(store: dict, tensor) -> dict:
    key = id(tensor)
    table = store.get(key)
    if table is None:
        table = store[key] = {}
        weakref.finalize(tensor, store.pop, key, None)
    return table


def register_hook(tensor, hook: Callable) -> RemovableHandle:
    """``Tensor.register_hook``: ``hook(grad)`` runs when this tensor's gradient is computed and
    may return a replacement gradient. On a leaf it sees the gradient summed over all uses, before
    it is accumulated into ``.grad``; it also runs inside ``torchlike.compile`` (on traced
    values), where it must not read the gradient's value in Python."""
    if not tensor.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if tensor.grad_fn is None:
        table = _leaf_table(_LEAF_HOOKS, tensor)
    else:
        node = tensor.grad_fn
        if node.hooks is None:
            node.hooks = {}
        table = node.hooks.setdefault(tensor._out_index, {})
    from ..utils.hooks import register  # (torchlike.utils imports the tape's users)

    return register(table, hook)


def register_post_accumulate_grad_hook(tensor, hook: Callable) -> RemovableHandle:
    """``Tensor.register_post_accumulate_grad_hook``: ``hook(tensor)`` runs after a backward has
    accumulated into this leaf's ``.grad`` (its return value is ignored)."""
    if not tensor.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if tensor.grad_fn is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
    from ..utils.hooks import register

    return register(_leaf_table(_POST_HOOKS, tensor), hook)


def _run_hooks(hooks: dict | None, g, create_graph: bool):
    """Pass ``g`` through the hooks in registration order; a hook may return a new gradient."""
    if not hooks:
        return g
    for hook in list(hooks.values()):
        t = g if isinstance(g, Tensor) else Tensor._wrap(g)
        new = hook(t)
        if new is None:
            continue
        if not isinstance(new, Tensor):
            raise TypeError(f"hook returned an object of type {type(new).__name__}, not a Tensor")
        if tuple(new.shape) != tuple(t.shape):
            raise RuntimeError(
                f"hook 'hook' has changed the size of value: expected {list(t.shape)} but got "
                f"{list(new.shape)}"
            )
        g = new if create_graph else new._data
    return g


# -- version counters ------------------------------------------------------------------------------
# PyTorch counts in-place writes per tensor (``t._version``; a tensor and its views share one
# count) and raises at backward when a tensor an op saved for its gradient was written since.
# torchlike's arrays are immutable, so its pullbacks would silently use the old values; the check
# keeps PyTorch's error. ``SAVES`` says, per op name, which tensors PyTorch's backward formula
# saves; ops it does not list save none (add, sub, sum, views, cat, indexing) or are not checked.
_OUT, _SELF, _SELF_OUT, _CROSS, _DIV, _POW = range(6)
SAVES = {
    **dict.fromkeys(["Exp", "Tanh", "Sigmoid", "Relu", "Sqrt", "Rsqrt", "Reciprocal"], _OUT),
    **dict.fromkeys(["Softmax", "LogSoftmax"], _OUT),
    **dict.fromkeys(["Log", "Log1p", "Sin", "Cos", "Abs", "Pow", "Erf"], _SELF),
    **dict.fromkeys(["Gelu", "Silu", "LeakyRelu", "Softplus", "Hardtanh", "ClampBackward1"], _SELF),
    **dict.fromkeys(["MaxBackward1", "LinalgVectorNorm"], _SELF_OUT),
    **dict.fromkeys(["Mul", "Mm", "Bmm", "Mv", "Dot"], _CROSS),  # each input saves the other
    "Div": _DIV,
    "PowBackward1": _POW,
}


def version_counter(t) -> list:
    """``t``'s version counter, a one-element list shared with its views (``detach()`` too; a
    ``.data`` view has its own), made on first need."""
    vc = t.__dict__.get("_vc")
    if vc is None:
        root = t._base if t._base is not None else t
        vc = root.__dict__.get("_vc")
        if vc is None:
            vc = [0]
            object.__setattr__(root, "_vc", vc)
    return vc


def save_versions(node: Node, rule: int, args: tuple, mask: tuple, outs: tuple) -> None:
    """Record the versions of the tensors ``node``'s op saves (``rule``, from ``SAVES``)."""
    if rule == _CROSS:  # input j is saved when another input needs a gradient
        k = sum(mask)
        saved = [j for j, m in enumerate(mask) if k - m]
    elif rule == _DIV and len(mask) > 1:
        saved = (0, 1) if mask[1] else (1,)
    else:  # (a composite op named Div or Pow of one tensor saves that tensor, as PyTorch's)
        saved = () if rule == _OUT else (0, 1) if rule == _POW else (0,)
    entries = []
    for j in saved:
        t = args[j] if j < len(args) else None
        if hasattr(t, "_data"):  # a tensor, not a Python number
            vc = version_counter(t)
            entries.append((vc, vc[0], t, 0))
    if rule in (_OUT, _SELF_OUT, _POW) and outs[0].grad_fn is node:
        entries.append((version_counter(outs[0]), 0, None, 0))
    node.versions = tuple(entries)


def bump_version(t, out=None) -> None:
    """``t`` was written in place (with ``out``, the op's result, when it has history)."""
    vc = version_counter(t)
    vc[0] += 1
    node = getattr(out, "grad_fn", None)
    if node is not None and node.versions:
        # The writing op's saved input ``t`` is the value from before the write (PyTorch saves
        # a copy), and its saved output is ``t`` itself from now on.
        node.versions = tuple(
            (vc, vc[0], None, i) if inp is None else (c, v, inp, i)
            for c, v, inp, i in node.versions
            if inp is not t
        )


def _check_versions(node: Node) -> None:
    for vc, expected, tensor, index in node.versions:
        if vc[0] != expected:
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: {_describe(node, tensor, index)} is at version {vc[0]}; "
                f"expected version {expected} instead. Hint: enable anomaly detection to find the "
                "operation that failed to compute its gradient, with "
                "torch.autograd.set_detect_anomaly(True, check_nan=False)."
            )


def _describe(node: Node, tensor, index: int) -> str:
    """``[torch.FloatTensor [3]], which is output 0 of Exp,`` (the op that made it, if any)."""
    if tensor is None:  # a saved output of ``node`` itself
        shape, dtype = node.out_avals[index]
        kind, name = Tensor._wrap(jnp.zeros((0,), dtype)).type(), _op_name(node)
    else:
        shape, kind, source, index = tensor.shape, tensor.type(), tensor.grad_fn, tensor._out_index
        if source is None:
            return f"[{kind} {list(shape)}]"
        if tensor._base is not None:  # a view of a tensor written since: PyTorch's name for it
            name, index = "AsStrided", 0
        else:
            name = _op_name(source)
    return f"[{kind} {list(shape)}], which is output {index} of {name},"


def _op_name(node: Node) -> str:
    """The op's name as PyTorch's message gives it: ``Exp`` for ``ExpBackward0``, ``Max1`` for
    ``MaxBackward1``."""
    return re.sub(r"Backward(0$)?", "", node.name())


def _toposort(roots: Sequence[Node]) -> list[Node]:
    order: list[Node] = []
    seen: set[int] = set()
    for root in roots:
        stack = [(root, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            for inp in node.inputs:
                if isinstance(inp, tuple) and id(inp[0]) not in seen:
                    stack.append((inp[0], False))
    return order


def run_backward(
    outputs: Sequence[Any],
    grad_outputs: Sequence[Any],
    retain_graph: bool,
    create_graph: bool = False,
    inputs: Sequence[Any] | None = None,
) -> list | None:
    """Propagate ``grad_outputs`` from ``outputs`` back through the tape.

    With ``inputs=None`` gradients accumulate into leaf ``.grad`` (``Tensor.backward``); otherwise
    the gradients w.r.t. ``inputs`` (leaves or not) are returned and no ``.grad`` is touched
    (``autograd.grad``).
    """
    if create_graph:
        outputs_cts = [_as_tensor(g) for g in grad_outputs]
        grad_outputs = outputs_cts
        pull, accumulate = _replay, _accumulate_graph
    else:
        pull, accumulate = (lambda node, cts: node.pullback(_fill(node, cts))), _accumulate
    cts: dict[int, list] = {}  # id(node) -> cotangent per output
    found: dict[Any, Any] = {}  # key of a wanted input -> its gradient
    wanted = None if inputs is None else {_key(t) for t in inputs}

    pending: dict[int, list] = {}  # id(leaf) -> [leaf, summed grad]: leaves with hooks

    def send(target, g) -> None:
        if isinstance(target, tuple):
            node, idx = target
            slot = cts.get(id(node))
            if slot is None:
                slot = cts[id(node)] = [None] * len(node.out_avals)
            slot[idx] = g if slot[idx] is None else slot[idx] + g
            return
        g = _torch(g)  # a leaf: back to PyTorch's convention (see _torch)
        if id(target) in _LEAF_HOOKS or (wanted is None and id(target) in _POST_HOOKS):
            if wanted is None or id(target) in wanted:  # hooks see the sum over all uses
                entry = pending.setdefault(id(target), [target, None])
                entry[1] = g if entry[1] is None else entry[1] + g
        elif wanted is None:
            accumulate(target, g)
        elif id(target) in wanted:
            found[id(target)] = g if id(target) not in found else found[id(target)] + g

    roots = []
    for out, g in zip(outputs, grad_outputs):
        g = _torch(g)  # PyTorch's convention to JAX's (see _torch)
        if out.grad_fn is None:
            send(out, g)  # backward() on a leaf accumulates into the leaf itself
        else:
            roots.append(out.grad_fn)
            send((out.grad_fn, out._out_index), g)

    for node in reversed(_toposort(roots)):
        node_cts = cts.pop(id(node), None)
        if node_cts is None:
            continue
        if node.hooks:
            for idx, hooks in node.hooks.items():
                if node_cts[idx] is not None:
                    node_cts[idx] = _run_hooks(hooks, node_cts[idx], create_graph)
        if node.retained or wanted is not None:
            for idx, ct in enumerate(node_cts):
                if ct is None:
                    continue
                if node.retained and idx in node.retained and wanted is None:
                    accumulate(node.retained[idx], ct)
                if wanted is not None and ("node", id(node), idx) in wanted:
                    found[("node", id(node), idx)] = _torch(ct)
        if node.pullback is None:
            raise RuntimeError(_FREED)
        if node.versions:
            _check_versions(node)
        in_cts = pull(node, node_cts)
        if _ANOMALY["enabled"] and _ANOMALY["check_nan"]:
            check_nan(node, in_cts, [i for i, m in enumerate(node.mask) if m])
        if not retain_graph:
            node.pullback = node.saved = None
        for target, g in zip(node.inputs, in_cts):
            if g is not None:
                send(target, g)

    for leaf, g in pending.values():
        g = _run_hooks(_LEAF_HOOKS.get(id(leaf)), g, create_graph)
        if wanted is not None:
            found[id(leaf)] = g
            continue
        accumulate(leaf, g)
        for hook in list(_POST_HOOKS.get(id(leaf), {}).values()):
            hook(leaf)

    return None if inputs is None else [found.get(_key(t)) for t in inputs]


def _as_tensor(g):
    return g if isinstance(g, Tensor) else Tensor._wrap(g)


def _replay(node: Node, cts: list) -> list:
    """A node's backward as a recorded op, so its results can be differentiated again."""
    if node.saved is None:
        raise RuntimeError(
            f"create_graph=True cannot differentiate through {node.name()}: it does not keep "
            "its forward inputs (compiled functions and custom nodes are first-order only). "
            "Compute higher-order gradients outside torchlike.compile."
        )
    from .._dispatch import apply

    fn, static, values, mask = node.saved
    args = []
    inputs = iter(node.inputs)
    for value, m in zip(values, mask):
        if not m:
            args.append(value)
            continue
        target = next(inputs)
        if isinstance(target, tuple):  # a non-leaf: the value it had, with its history
            args.append(Tensor._make(value, target[0], target[1]))
        else:  # a leaf requiring grad
            args.append(target)
    filled = [
        None if aval is None else (ct if ct is not None else Tensor._wrap(jnp.zeros(*aval)))
        for aval, ct in zip(node.out_avals, cts)
    ]
    grads = apply(
        _vjp_of,
        f"{node.name()}Backward",
        (*args, *filled),
        forward=fn,
        static=tuple(static.items()),
        mask=mask,
        n_args=len(args),
    )
    return grads


def _vjp_of(*xs, forward, static, mask, n_args):
    """``pullback(cts)`` of ``forward`` at the saved inputs, as a pure function (so it can be
    differentiated again)."""
    args, cts = xs[:n_args], xs[n_args:]
    douts, _, pullback = vjp(functools.partial(split_outputs, forward, dict(static)), args, mask)
    douts = douts if isinstance(douts, tuple) else (douts,)
    return tuple(
        pullback(tuple(None if d is None else c.astype(d.dtype) for d, c in zip(douts, cts)))
    )


def _accumulate_graph(leaf, g) -> None:
    """``leaf.grad += g`` keeping ``g``'s history (``create_graph=True``)."""
    if g.dtype != leaf.dtype:
        g = g.to(leaf.dtype)
    prev = leaf.grad
    leaf.grad = g if prev is None else prev + g


def _key(t) -> Any:
    return id(t) if t.grad_fn is None else ("node", id(t.grad_fn), t._out_index)


@jax.jit
def _add(a, b):
    return a + b


def _torch(g):
    """A complex gradient between PyTorch's convention and JAX's (the map is its own inverse).

    For ``y = f(z)`` PyTorch's backward gives ``grad_z = conj(df/dz) * grad_y`` (the conjugate
    Wirtinger derivative), JAX's ``vjp`` gives ``df/dz * ct``: the two agree once the incoming
    gradients and the gradients that leave the tape are conjugated, which is what ``run_backward``
    does. Real gradients are unchanged, as are the ones flowing between recorded ops."""
    if hasattr(g, "_data"):  # a Tensor (create_graph=True)
        return g.conj() if g.dtype.is_complex else g
    # an array or tracer; checked per leaf on every backward, so kept to one attribute read
    return jnp.conj(g) if getattr(g, "dtype", None) is not None and g.dtype.kind == "c" else g


_TENSOR_GRAD = Tensor.grad  # the property itself


def _accumulate(leaf, g) -> None:
    """``leaf.grad += g`` as PyTorch does it: a fresh tensor the first time, then a sum."""
    if g.dtype != leaf._data.dtype:
        g = g.astype(leaf._data.dtype)
    # Through the property when a compiled step tracks .grad, or when the leaf's class has a
    # setter of its own (a multi-process DDP parameter averages its gradient there).
    if _trace_state.active or type(leaf).grad is not _TENSOR_GRAD:
        prev = leaf.grad
        leaf.grad = Tensor._wrap(g) if prev is None else Tensor._wrap(_add(prev._data, g))
        return
    # Eager: the gradient has the leaf's shape and dtype by construction, so the setter's checks
    # are skipped (this runs for every parameter on every backward).
    prev = leaf._grad
    object.__setattr__(leaf, "_grad", Tensor._wrap(g if prev is None else _add(prev._data, g)))


_ONES: dict = {}


def _ones(arr):
    """``ones_like`` of a scalar output, cached (the seed of almost every backward)."""
    if isinstance(arr, jax.core.Tracer):
        return jnp.ones_like(arr)
    key = (arr.shape, arr.dtype)
    one = _ONES.get(key)
    if one is None:
        one = _ONES[key] = jnp.ones(arr.shape, arr.dtype)
    return one


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """``torch.autograd.backward``: accumulate gradients of ``tensors`` into leaf ``.grad``."""
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if grad_tensors is None or isinstance(grad_tensors, Tensor):
        grad_tensors = [grad_tensors] * len(tensors) if grad_tensors is None else [grad_tensors]
    grads = [_initial_grad(t, g) for t, g in zip(tensors, grad_tensors)]
    if create_graph:  # a given gradient keeps its own history
        grads = [u if isinstance(u, Tensor) else a for a, u in zip(grads, grad_tensors)]
    if inputs is not None:
        inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
        result = run_backward(
            tensors, grads, bool(retain_graph or create_graph), create_graph, inputs
        )
        for t, g in zip(inputs, result):
            if g is not None:
                (_accumulate_graph if create_graph else _accumulate)(t, g)
                for hook in list(_POST_HOOKS.get(id(t), {}).values()):
                    hook(t)
        return
    run_backward(tensors, grads, bool(retain_graph or create_graph), create_graph)


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph=None,
    create_graph=False,
    allow_unused=None,
    materialize_grads=False,
):
    """``torch.autograd.grad``: gradients of ``outputs`` w.r.t. ``inputs``, as a tuple."""
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    grads = [_initial_grad(t, g) for t, g in zip(outputs, grad_outputs)]
    if create_graph:  # a given gradient keeps its own history
        grads = [u if isinstance(u, Tensor) else a for a, u in zip(grads, grad_outputs)]
    result = run_backward(outputs, grads, bool(retain_graph or create_graph), create_graph, inputs)
    out = []
    for t, g in zip(inputs, result):
        if g is None:
            if materialize_grads:
                g = jnp.zeros_like(t._data)
            elif not allow_unused:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the graph. "
                    "Set allow_unused=True if this is the desired behavior."
                )
        out.append(None if g is None else _as_tensor(g))
    return tuple(out)


def _initial_grad(t, g):
    if not t.requires_grad:
        raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    if g is None:
        if t._data.size != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        if not jnp.issubdtype(t._data.dtype, jnp.inexact):
            raise RuntimeError("grad can be implicitly created only for real scalar outputs")
        return _ones(t._data)
    g = g._data if hasattr(g, "_data") else jnp.asarray(g)
    if g.shape != t._data.shape:
        raise RuntimeError(
            f"Mismatch in shape: grad_output[0] has a shape of {tuple(g.shape)} and output[0] has "
            f"a shape of {tuple(t._data.shape)}."
        )
    return g
