"""Module backward hooks (``register_full_backward_hook`` / ``register_full_backward_pre_hook``).

As in PyTorch, the module's tensor inputs and its tensor outputs each pass through one identity
op (``BackwardHookFunctionBackward``) recorded on the tape. In backward, the outputs' identity
receives ``grad_output`` first: the pre hooks run there (``hook(module, grad_output)``, which may
return a replacement). The inputs' identity receives ``grad_input`` once the module's own ops
have run backward: the full hooks run there (``hook(module, grad_input, grad_output)``, which may
return a replacement for ``grad_input``). When no input needs a gradient (a first layer fed
data), the full hooks run right after the pre hooks with ``grad_input`` all None, as in PyTorch.

``grad_input`` has one entry per positional argument (None for non-tensors and tensors that need
no gradient; keyword arguments are not included); ``grad_output`` one per tensor in the output.
Where torchlike differs: an output that received no gradient shows as zeros, not None; inside
``torchlike.compile`` the hooks run while the step is traced (on traced values); gradients of
gradients (``create_graph=True``) do not pass through a hooked module.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import jax

from ..._tensor import Tensor
from ...autograd.grad_mode import is_grad_enabled
from ...autograd.graph import record

_NAME = "BackwardHookFunction"


def _is_tensor(x: Any) -> bool:
    return isinstance(x, Tensor)


def _through_identity(tensors: list[Tensor], pullback: Callable) -> list[Tensor]:
    """``tensors`` passed through one recorded identity op whose backward is ``pullback``."""
    mask = (True,) * len(tensors)
    return list(record(_NAME, pullback, tensors, mask, tuple(t._data for t in tensors)))


def _as_tensors(cts) -> tuple:
    return tuple(None if c is None else Tensor._wrap(c) for c in cts)


def _as_arrays(replaced: Any, expected: int, what: str) -> list:
    if not isinstance(replaced, (tuple, list)):
        replaced = (replaced,)
    if len(replaced) != expected:
        raise RuntimeError(
            f"Backward hook returned an invalid number of {what} - got {len(replaced)}, but "
            f"expected {expected}"
        )
    return [None if r is None else r._data if isinstance(r, Tensor) else r for r in replaced]


def call_with_backward_hooks(module, pre_hooks: dict, full_hooks: dict, args: tuple, kwargs):
    """``module.forward(*args, **kwargs)`` with its backward hooks wired around it."""
    if not is_grad_enabled():
        return module.forward(*args, **kwargs)
    state: dict[str, Any] = {}
    positions = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]

    def run_full_hooks(grad_input: tuple) -> tuple:
        for hook in list(full_hooks.values()):
            result = hook(module, grad_input, state["grad_output"])
            if result is not None:
                arrays = _as_arrays(result, len(grad_input), "grad_input")
                grad_input = _as_tensors(arrays)
        return grad_input

    if positions:

        def input_pullback(cts):
            grad_input = [None] * len(args)
            for i, ct in zip(positions, cts):
                grad_input[i] = Tensor._wrap(ct)
            grad_input = run_full_hooks(tuple(grad_input))
            return [None if grad_input[i] is None else grad_input[i]._data for i in positions]

        wrapped = _through_identity([args[i] for i in positions], input_pullback)
        args = list(args)
        for i, t in zip(positions, wrapped):
            args[i] = t
        args = tuple(args)

    out = module.forward(*args, **kwargs)
    leaves, treedef = jax.tree.flatten(out, is_leaf=_is_tensor)
    outputs = [i for i, x in enumerate(leaves) if isinstance(x, Tensor) and x.requires_grad]
    if not outputs:
        return out

    def output_pullback(cts):
        grad_output = _as_tensors(cts)
        for hook in list(pre_hooks.values()):
            result = hook(module, grad_output)
            if result is not None:
                grad_output = _as_tensors(_as_arrays(result, len(grad_output), "grad_output"))
        state["grad_output"] = grad_output
        if not positions and full_hooks:  # no input takes a gradient: the full hooks run now
            warnings.warn(
                "Full backward hook is firing when gradients are computed with respect to "
                "module outputs since no inputs require gradients. See "
                "https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
                "#torch.nn.Module.register_full_backward_hook for more details.",
                UserWarning,
                stacklevel=2,
            )
            run_full_hooks((None,) * len(args))
        return [None if g is None else g._data for g in grad_output]

    wrapped = _through_identity([leaves[i] for i in outputs], output_pullback)
    for i, t in zip(outputs, wrapped):
        leaves[i] = t
    return jax.tree.unflatten(treedef, leaves)
