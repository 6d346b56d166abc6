"""``torch.optim.AdamW``: Adam with decoupled weight decay."""

from __future__ import annotations

from typing import Any

from .adam import Adam


class AdamW(Adam):
    """AdamW, PyTorch's ``torch.optim.AdamW``: ``Adam`` with ``decoupled_weight_decay=True``.

    Per parameter: ``p *= 1 - lr * weight_decay``, then Adam's update (see ``Adam``).

    Args:
        params: tensors or parameter groups (dicts) to optimize.
        lr: learning rate (default 1e-3).
        betas: ``(beta1, beta2)``, decay rates of the moment averages (default (0.9, 0.999)).
        eps: added to the denominator after the square root (default 1e-8).
        weight_decay: decoupled weight decay (default 1e-2).
        amsgrad: use the maximum of past second moments (PyTorch's AMSGrad).
        maximize: maximize the objective instead of minimizing it.
        foreach, capturable, differentiable, fused: accepted for PyTorch compatibility.
    """

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=True,
        )

    def _fill_loaded_group(self, group: dict[str, Any]) -> None:
        super()._fill_loaded_group(group)
        group["decoupled_weight_decay"] = True  # as PyTorch: AdamW always decouples
