"""Gradient clipping: ``torch.nn.utils.clip_grad_norm_`` and ``clip_grad_value_``.

Written with torchlike's tensor ops, so the same code runs eagerly and inside
``torchlike.compile`` (where the gradients are traced values and the clipping becomes part of
the compiled step). As PyTorch's, they change ``.grad`` in place and skip parameters whose
``.grad`` is None; ``foreach`` is accepted and ignored (XLA fuses the loop either way).
"""

from __future__ import annotations

from collections.abc import Iterable

import jax

from ... import _ops
from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad

_Tensors = Tensor | Iterable[Tensor]


def _list(tensors: _Tensors) -> list[Tensor]:
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def _grads(parameters: list[Tensor]) -> list[Tensor]:
    return [p.grad for p in parameters if p.grad is not None]


def _is_traced(t: Tensor) -> bool:
    return isinstance(t._data, jax.core.Tracer)


@no_grad()
def get_total_norm(
    tensors: _Tensors,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """The ``norm_type``-norm of all ``tensors`` together (the norm of their norms).

    Args:
        tensors: a tensor or an iterable of tensors.
        norm_type: the order of the norm; ``inf`` for the largest absolute value.
        error_if_nonfinite: raise if the norm is nan or inf. Inside ``torchlike.compile`` the
            norm is not known while the step is traced, so the check is skipped there.
        foreach: accepted for PyTorch compatibility.

    Returns:
        The total norm, a 0-d tensor (``tensor(0.)`` when there are no tensors).
    """
    tensors = _list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return _ops.creation.tensor(0.0)
    norms = [_ops.linalg.vector_norm(t, norm_type) for t in tensors]
    total = _ops.linalg.vector_norm(_ops.shape.stack(norms), norm_type)
    if error_if_nonfinite and not _is_traced(total):
        if bool(_ops.pointwise.isnan(total)) or bool(_ops.pointwise.isinf(total)):
            raise RuntimeError(
                f"The total norm of order {norm_type} for gradients from `parameters` is "
                "non-finite, so it cannot be clipped. To disable this error and scale the "
                "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`"
            )
    return total


@no_grad()
def clip_grads_with_norm_(
    parameters: _Tensors,
    max_norm: float,
    total_norm: Tensor,
    foreach: bool | None = None,
) -> None:
    """Scale the gradients by ``min(1, max_norm / (total_norm + 1e-6))``, in place."""
    grads = _grads(_list(parameters))
    if not grads:
        return
    coef = _ops.pointwise.clamp(float(max_norm) / (total_norm + 1e-6), max=1.0)
    for g in grads:
        g.mul_(coef.to(g.dtype))


@no_grad()
def clip_grad_norm_(
    parameters: _Tensors,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Clip the gradients of ``parameters`` to a total norm of at most ``max_norm``.

    The norm is taken over all gradients together, as if concatenated into one vector; each
    gradient is multiplied by ``min(1, max_norm / (total_norm + 1e-6))``.

    Args:
        parameters: a tensor or an iterable of tensors whose ``.grad`` is clipped.
        max_norm: the largest total norm allowed.
        norm_type: the order of the norm (default 2); ``inf`` for the largest absolute value.
        error_if_nonfinite: raise if the total norm is nan or inf (eagerly only: inside
            ``torchlike.compile`` it is not known while tracing, and the check is skipped).
        foreach: accepted for PyTorch compatibility.

    Returns:
        The total norm of the gradients before clipping (a 0-d tensor).
    """
    parameters = _list(parameters)
    grads = _grads(parameters)
    if not grads:
        return _ops.creation.tensor(0.0)
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total, foreach)
    return total


@no_grad()
def clip_grad_value_(parameters: _Tensors, clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every gradient of ``parameters`` to ``[-clip_value, clip_value]``, in place.

    Args:
        parameters: a tensor or an iterable of tensors whose ``.grad`` is clipped.
        clip_value: the largest absolute value allowed.
        foreach: accepted for PyTorch compatibility.
    """
    clip_value = float(clip_value)
    for g in _grads(_list(parameters)):
        g.clamp_(min=-clip_value, max=clip_value)
