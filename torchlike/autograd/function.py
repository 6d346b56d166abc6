"""``torch.autograd.Function``: an op whose forward and backward the user writes.

``forward`` runs with grad mode off on the given tensors; when an input requires grad, the outputs
get one tape :class:`~torchlike.autograd.graph.Node` (``graph.record``) whose pullback calls the
user's ``backward``
with the output gradients as tensors (grad mode off) and hands back the returned input
gradients. Both styles of PyTorch are accepted: ``forward(ctx, *args)``, and ``forward(*args)``
with ``setup_context(ctx, inputs, output)``. The backward is first order: ``create_graph=True``
through a custom Function raises, as for other nodes that keep no forward function. Inside
``torchlike.compile`` the user's forward and backward are traced like any other torchlike code.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from .._tensor import Tensor
from .grad_mode import is_grad_enabled, no_grad
from .graph import record

__all__ = ["Function", "FunctionCtx", "once_differentiable"]


class FunctionCtx:
    """The ``ctx`` of a custom Function: ``save_for_backward`` / ``saved_tensors``,
    ``needs_input_grad``, and any attribute the forward wants to keep for the backward."""

    def __init__(self) -> None:
        self.needs_input_grad: tuple[bool, ...] = ()
        self._saved: tuple = ()
        self.materialize_grads = True

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        self._saved = tensors

    @property
    def saved_tensors(self) -> tuple:
        return self._saved

    def mark_non_differentiable(self, *tensors: Tensor) -> None:
        self._non_differentiable = {id(t) for t in tensors}

    def mark_dirty(self, *tensors: Tensor) -> None:
        """Accepted for compatibility: torchlike's in-place ops already rebind the tensor."""

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = bool(value)


class Function:
    """Subclass with static ``forward`` and ``backward`` and call ``MyFunction.apply(*args)``.

    ``backward(ctx, *grad_outputs)`` returns one gradient (or ``None``) per ``forward`` input.
    """

    @staticmethod
    def forward(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("You must implement the forward function for custom Function.")

    @staticmethod
    def setup_context(ctx: FunctionCtx, inputs: tuple, output: Any) -> None:
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Any) -> Any:
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom "
            "autograd.Function to use it with backward mode AD."
        )

    vjp = backward

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        ctx = FunctionCtx()
        mask = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        ctx.needs_input_grad = mask
        separate = cls.setup_context is not Function.setup_context
        with no_grad():
            if separate:
                output = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, output)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        if not (is_grad_enabled() and any(mask)):
            return output
        multi = isinstance(output, tuple)
        outs = output if multi else (output,)
        skip = getattr(ctx, "_non_differentiable", set())
        diff = [
            isinstance(o, Tensor) and o.dtype.is_floating_point and id(o) not in skip for o in outs
        ]

        def pull(cts, _ctx=ctx, _args=args):
            # one gradient per forward output; None for outputs that are not differentiable
            grads_out = [Tensor._wrap(c) if c is not None else None for c in cts]
            with no_grad():
                grads = cls.backward(_ctx, *grads_out)
            grads = grads if isinstance(grads, tuple) else (grads,)
            if len(grads) < len(_args):
                raise RuntimeError(
                    f"function {cls.__name__}Backward returned an incorrect number of gradients "
                    f"(expected {len(_args)}, got {len(grads)})"
                )
            result = []  # one per input that needs a gradient
            for m, g, a in zip(mask, grads, _args):
                if not m:
                    continue
                if g is not None:
                    g = g._data if isinstance(g, Tensor) else jnp.asarray(g)
                    g = jnp.broadcast_to(g, a.shape).astype(a._data.dtype)
                result.append(g)
            return result

        outputs = tuple(o._data if d else o for o, d in zip(outs, diff))
        wrapped = record(f"{cls.__name__}Backward", pull, args, mask, outputs)
        return wrapped if multi else wrapped[0]


def once_differentiable(fn):
    """``torch.autograd.function.once_differentiable``: torchlike's custom backward is first
    order already, so this returns ``fn`` unchanged."""
    return fn
