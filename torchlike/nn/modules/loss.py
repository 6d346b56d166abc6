"""Loss layers (PyTorch's ``torch/nn/modules/loss.py``): each calls its function in
:mod:`torchlike.nn.functional` with the reduction and weights given at construction.

``size_average`` and ``reduce`` are PyTorch's deprecated spellings of ``reduction``; they are
accepted, with PyTorch's warning.
"""

from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from ..functional import _legacy_reduction
from .module import Module

__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "HuberLoss",
    "L1Loss",
    "MSELoss",
    "NLLLoss",
    "SmoothL1Loss",
]


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            self.reduction = _legacy_reduction(size_average, reduce)
        else:
            self.reduction = reduction


class _WeightedLoss(_Loss):
    def __init__(
        self, weight: Tensor | None = None, size_average=None, reduce=None, reduction: str = "mean"
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class L1Loss(_Loss):
    """Mean (or sum) absolute error ``|x - y|``.

    Args:
        reduction: ``'mean'``, ``'sum'`` or ``'none'``. Default: ``'mean'``.

    Shape:
        - Input: ``(*)``, any shape.
        - Target: ``(*)``, the input's shape.
        - Output: a scalar, or ``(*)`` for ``reduction='none'``.
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """Mean (or sum) squared error ``(x - y) ** 2``.

    Args:
        reduction: ``'mean'``, ``'sum'`` or ``'none'``. Default: ``'mean'``.

    Shape:
        - Input: ``(*)``, any shape.
        - Target: ``(*)``, the input's shape.
        - Output: a scalar, or ``(*)`` for ``reduction='none'``.
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """Smooth L1 loss: squared below ``beta``, absolute above (:func:`F.smooth_l1_loss`).

    Args:
        reduction: ``'mean'``, ``'sum'`` or ``'none'``. Default: ``'mean'``.
        beta: where the loss changes from squared to absolute. Default: 1.0.

    Shape:
        - Input: ``(*)``, any shape.
        - Target: ``(*)``, the input's shape.
        - Output: a scalar, or ``(*)`` for ``reduction='none'``.
    """

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean", beta=1.0) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Huber loss: squared below ``delta``, linear above (:func:`F.huber_loss`).

    Args:
        reduction: ``'mean'``, ``'sum'`` or ``'none'``. Default: ``'mean'``.
        delta: where the loss changes from squared to linear. Default: 1.0.

    Shape:
        - Input: ``(*)``, any shape.
        - Target: ``(*)``, the input's shape.
        - Output: a scalar, or ``(*)`` for ``reduction='none'``.
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class NLLLoss(_WeightedLoss):
    """Negative log likelihood of class targets under log-probabilities (e.g. ``LogSoftmax``).

    Args:
        weight: per-class weights ``(C)``, saved as a buffer. Default: ``None``.
        ignore_index: targets equal to it are left out. Default: -100.
        reduction: ``'mean'`` (weighted by the targets' class weights), ``'sum'`` or ``'none'``.

    Shape:
        - Input: ``(N, C)``, ``(C)`` or ``(N, C, d1, ..., dK)``.
        - Target: ``(N)``, ``()`` or ``(N, d1, ..., dK)``, int64 in ``[0, C)``.
        - Output: a scalar, or the target's shape for ``reduction='none'``.
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average=None,
        ignore_index: int = -100,
        reduce=None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.nll_loss(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
        )


class CrossEntropyLoss(_WeightedLoss):
    """Cross entropy between the softmax of logits and class-index or class-probability targets.

    Args:
        weight: per-class weights ``(C)``, saved as a buffer. Default: ``None``.
        ignore_index: class-index targets equal to it are left out. Default: -100.
        reduction: ``'mean'``, ``'sum'`` or ``'none'``. Default: ``'mean'``.
        label_smoothing: mix this much of the uniform distribution into the target. Default: 0.

    Shape:
        - Input: ``(N, C)``, ``(C)`` or ``(N, C, d1, ..., dK)``.
        - Target: class indices ``(N)``, ``()`` or ``(N, d1, ..., dK)`` (int64, in ``[0, C)``),
          or probabilities of the input's shape.
        - Output: a scalar, or the per-sample loss for ``reduction='none'``.
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average=None,
        ignore_index: int = -100,
        reduce=None,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.cross_entropy(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )


class BCELoss(_WeightedLoss):
    """Binary cross entropy between probabilities and targets in [0, 1] (logs clamped at -100).

    Args:
        weight: rescales each element's loss; broadcast to the input. Default: ``None``.
        reduction: ``'mean'``, ``'sum'`` or ``'none'``. Default: ``'mean'``.

    Shape:
        - Input: ``(*)``, probabilities.
        - Target: ``(*)``, the input's shape.
        - Output: a scalar, or ``(*)`` for ``reduction='none'``.
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """A sigmoid and binary cross entropy in one numerically stable step.

    Args:
        weight: rescales each element's loss; broadcast to the input. Default: ``None``.
        reduction: ``'mean'``, ``'sum'`` or ``'none'``. Default: ``'mean'``.
        pos_weight: weight of positive examples, per class (broadcast along the last dim).

    Shape:
        - Input: ``(*)``, logits.
        - Target: ``(*)``, the input's shape.
        - Output: a scalar, or ``(*)`` for ``reduction='none'``.
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average=None,
        reduce=None,
        reduction: str = "mean",
        pos_weight: Tensor | None = None,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy_with_logits(
            input, target, self.weight, pos_weight=self.pos_weight, reduction=self.reduction
        )
