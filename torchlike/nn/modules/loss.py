"""Loss layers (PyTorch's ``torch/nn/modules/loss.py``): each calls its function in
:mod:`torchlike.nn.functional` with the reduction and weights given at construction.

``size_average`` and ``reduce`` are PyTorch's deprecated spellings of ``reduction``; they are
accepted, with PyTorch's warning.
"""

from __future__ import annotations

from collections.abc import Callable

from ..._tensor import Tensor
from .. import functional as F
from ..functional import _legacy_reduction
from .module import Module

__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "CosineEmbeddingLoss",
    "CrossEntropyLoss",
    "GaussianNLLLoss",
    "HingeEmbeddingLoss",
    "HuberLoss",
    "KLDivLoss",
    "L1Loss",
    "MSELoss",
    "MarginRankingLoss",
    "MultiLabelMarginLoss",
    "MultiLabelSoftMarginLoss",
    "MultiMarginLoss",
    "NLLLoss",
    "PoissonNLLLoss",
    "SmoothL1Loss",
    "SoftMarginLoss",
    "TripletMarginLoss",
    "TripletMarginWithDistanceLoss",
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


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence of log-probability inputs from ``target`` (:func:`F.kl_div`).

    Args:
        reduction: ``'batchmean'`` (the KL divergence), ``'sum'``, ``'mean'`` (per element,
            with PyTorch's warning) or ``'none'``. Default: ``'mean'``.
        log_target: ``target`` holds log-probabilities. Default: ``False``.

    Shape:
        - Input and target: ``(*)``, the same shape.
        - Output: a scalar, or ``(*)`` for ``'none'``.
    """

    def __init__(
        self, size_average=None, reduce=None, reduction: str = "mean", log_target: bool = False
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class PoissonNLLLoss(_Loss):
    """Poisson negative log likelihood (:func:`F.poisson_nll_loss`).

    Args:
        log_input: the input is the log of the rate. Default: ``True``.
        full: add Stirling's approximation of ``log(target!)``. Default: ``False``.
        eps: added to the rate before its log when ``log_input=False``. Default: 1e-8.
        reduction: ``'mean'``, ``'sum'`` or ``'none'``. Default: ``'mean'``.

    Shape:
        - Input and target: ``(*)``.
        - Output: a scalar, or ``(*)`` for ``'none'``.
    """

    def __init__(
        self,
        log_input: bool = True,
        full: bool = False,
        size_average=None,
        eps: float = 1e-8,
        reduce=None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_input = log_input
        self.full = full
        self.eps = eps

    def forward(self, log_input: Tensor, target: Tensor) -> Tensor:
        return F.poisson_nll_loss(
            log_input,
            target,
            log_input=self.log_input,
            full=self.full,
            eps=self.eps,
            reduction=self.reduction,
        )


class GaussianNLLLoss(_Loss):
    """Gaussian negative log likelihood with a predicted variance (:func:`F.gaussian_nll_loss`).

    Args:
        full: add the constant ``0.5 * log(2 pi)``. Default: ``False``.
        eps: lower bound of the variance (clamped outside autograd). Default: 1e-6.
        reduction: ``'mean'``, ``'sum'`` or ``'none'``. Default: ``'mean'``.

    Shape:
        - Input: ``(N, *)``; target: the input's shape; var: the input's shape, with one dim
          of size 1, or without the last dim.
        - Output: a scalar, or ``(N, *)`` for ``'none'``.
    """

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(None, None, reduction)
        self.full = full
        self.eps = eps

    def forward(self, input: Tensor, target: Tensor, var: Tensor | float) -> Tensor:
        return F.gaussian_nll_loss(
            input, target, var, full=self.full, eps=self.eps, reduction=self.reduction
        )


class CosineEmbeddingLoss(_Loss):
    """``1 - cos(x1, x2)`` for ``y = 1``, ``max(0, cos(x1, x2) - margin)`` for ``y = -1``.

    Args:
        margin: in ``[-1, 1]``. Default: 0.
        reduction: ``'mean'``, ``'sum'`` or ``'none'``. Default: ``'mean'``.

    Shape:
        - Input1, input2: ``(N, D)`` or ``(D)``; target: ``(N)`` or ``()``.
        - Output: a scalar, or ``(N)`` for ``'none'``.
    """

    def __init__(
        self, margin: float = 0.0, size_average=None, reduce=None, reduction: str = "mean"
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        return F.cosine_embedding_loss(
            input1, input2, target, margin=self.margin, reduction=self.reduction
        )


class MarginRankingLoss(_Loss):
    """``max(0, -y * (x1 - x2) + margin)`` (:func:`F.margin_ranking_loss`).

    Args:
        margin: Default: 0.
        reduction: ``'mean'``, ``'sum'`` or ``'none'``. Default: ``'mean'``.

    Shape:
        - Input1, input2, target: ``(N)`` or ``()``.
        - Output: a scalar, or ``(N)`` for ``'none'``.
    """

    def __init__(
        self, margin: float = 0.0, size_average=None, reduce=None, reduction: str = "mean"
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        return F.margin_ranking_loss(
            input1, input2, target, margin=self.margin, reduction=self.reduction
        )


class HingeEmbeddingLoss(_Loss):
    """``x`` for ``y = 1``, ``max(0, margin - x)`` for ``y = -1`` (:func:`F.hinge_embedding_loss`).

    Args:
        margin: Default: 1.
        reduction: ``'mean'``, ``'sum'`` or ``'none'``. Default: ``'mean'``.

    Shape:
        - Input and target: ``(*)``.
        - Output: a scalar, or ``(*)`` for ``'none'``.
    """

    def __init__(
        self, margin: float = 1.0, size_average=None, reduce=None, reduction: str = "mean"
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """Two-class logistic loss ``log(1 + exp(-y * x))`` (:func:`F.soft_margin_loss`).

    Args:
        reduction: ``'mean'``, ``'sum'`` or ``'none'``. Default: ``'mean'``.

    Shape:
        - Input and target: ``(*)``.
        - Output: a scalar, or ``(*)`` for ``'none'``.
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """Multi-label one-versus-all logistic loss (:func:`F.multilabel_soft_margin_loss`).

    Args:
        weight: per-class weights ``(C)``, saved as a buffer. Default: ``None``.
        reduction: ``'mean'``, ``'sum'`` or ``'none'``. Default: ``'mean'``.

    Shape:
        - Input and target: ``(N, C)``.
        - Output: a scalar, or ``(N)`` for ``'none'``.
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.multilabel_soft_margin_loss(
            input, target, weight=self.weight, reduction=self.reduction
        )


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge loss (:func:`F.multi_margin_loss`).

    Args:
        p: 1 or 2. Default: 1.
        margin: Default: 1.
        weight: per-class weights ``(C)``, saved as a buffer. Default: ``None``.
        reduction: ``'mean'``, ``'sum'`` or ``'none'``. Default: ``'mean'``.

    Shape:
        - Input: ``(N, C)`` or ``(C)``; target: ``(N)`` or ``()`` class indices.
        - Output: a scalar, or ``(N)`` for ``'none'``.
    """

    def __init__(
        self,
        p: int = 1,
        margin: float = 1.0,
        weight: Tensor | None = None,
        size_average=None,
        reduce=None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        if p not in (1, 2):
            raise ValueError("only p == 1 and p == 2 supported")
        if weight is not None and weight.dim() != 1:
            raise ValueError(
                f"MultiMarginLoss: expected weight to be None or 1D tensor, got {weight.dim()}D "
                "instead"
            )
        self.p = p
        self.margin = margin

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.multi_margin_loss(
            input,
            target,
            p=self.p,
            margin=self.margin,
            weight=self.weight,
            reduction=self.reduction,
        )


class MultiLabelMarginLoss(_Loss):
    """Multi-label hinge loss over listed target classes (:func:`F.multilabel_margin_loss`).

    Args:
        reduction: ``'mean'``, ``'sum'`` or ``'none'``. Default: ``'mean'``.

    Shape:
        - Input: ``(N, C)`` or ``(C)``; target: the input's shape, class indices ended by -1.
        - Output: a scalar, or ``(N)`` for ``'none'``.
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.multilabel_margin_loss(input, target, reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """``max(0, margin + d(a, p) - d(a, n))`` with the ``p``-norm distance
    (:func:`F.triplet_margin_loss`).

    Args:
        margin: Default: 1.
        p: the norm degree. Default: 2.
        eps: added to differences, as :func:`F.pairwise_distance`. Default: 1e-6.
        swap: use ``min(d(a, n), d(p, n))`` as the negative distance. Default: ``False``.
        reduction: ``'mean'``, ``'sum'`` or ``'none'``. Default: ``'mean'``.

    Shape:
        - Anchor, positive, negative: ``(N, D)`` or ``(D)``.
        - Output: a scalar, or ``(N)`` for ``'none'``.
    """

    def __init__(
        self,
        margin: float = 1.0,
        p: float = 2.0,
        eps: float = 1e-6,
        swap: bool = False,
        size_average=None,
        reduce=None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(
                f"TripletMarginLoss: expected margin to be greater than 0, got {margin} instead"
            )
        self.margin = margin
        self.p = p
        self.eps = eps
        self.swap = swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return F.triplet_margin_loss(
            anchor,
            positive,
            negative,
            margin=self.margin,
            p=self.p,
            eps=self.eps,
            swap=self.swap,
            reduction=self.reduction,
        )


class TripletMarginWithDistanceLoss(_Loss):
    """:class:`TripletMarginLoss` with any distance function
    (:func:`F.triplet_margin_with_distance_loss`).

    Args:
        distance_function: ``(x1, x2) -> distances``. Default: :func:`F.pairwise_distance`.
        margin: Default: 1.
        swap: use ``min(d(a, n), d(p, n))`` as the negative distance. Default: ``False``.
        reduction: ``'mean'``, ``'sum'`` or ``'none'``. Default: ``'mean'``.

    Shape:
        - Anchor, positive, negative: ``(N, *)`` or ``(*)``, as the distance function takes.
        - Output: a scalar, or ``(N)`` for ``'none'``.
    """

    def __init__(
        self,
        *,
        distance_function: Callable | None = None,
        margin: float = 1.0,
        swap: bool = False,
        reduction: str = "mean",
    ) -> None:
        super().__init__(None, None, reduction)
        if margin <= 0:
            raise ValueError(
                f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, got "
                f"{margin} instead"
            )
        self.distance_function = distance_function
        self.margin = margin
        self.swap = swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return F.triplet_margin_with_distance_loss(
            anchor,
            positive,
            negative,
            distance_function=self.distance_function,
            margin=self.margin,
            swap=self.swap,
            reduction=self.reduction,
        )
