"""Batch normalisation: ``BatchNorm1d/2d/3d`` (PyTorch's ``torch/nn/modules/batchnorm.py``).

The running statistics are ``RunningStat`` buffers (an ``nnx.BatchStat``), updated in place in
training mode; inside ``torchlike.compile`` the updated values come back to the module after the
step like any other state the step writes.
"""

from __future__ import annotations

from ... import _dtype
from ..._ops.creation import ones, tensor, zeros
from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from .. import functional as F
from ..parameter import RunningStat
from .module import Module
from .normalization import _affine_parameters, _reset_affine

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d"]


def _register_running_stat(module: Module, name: str, value: Tensor) -> None:
    """``register_buffer``, holding the value as a ``RunningStat`` (an ``nnx.BatchStat``)."""
    module.register_buffer(name, None)
    setattr(module, name, RunningStat(value))


class _NormBase(Module):
    """Affine parameters and running statistics shared by batch and instance norms."""

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device=None,
        dtype=None,
        *,
        bias: bool = True,
    ) -> None:
        factory_kwargs = {"device": device, "dtype": dtype}
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        _affine_parameters(self, affine, bias, num_features, device, dtype)
        if track_running_stats:
            _register_running_stat(self, "running_mean", zeros(num_features, **factory_kwargs))
            _register_running_stat(self, "running_var", ones(num_features, **factory_kwargs))
            _register_running_stat(
                self, "num_batches_tracked", tensor(0, dtype=_dtype.int64, device=device)
            )
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        _reset_affine(self, self.affine)

    def _check_input_dim(self, input: Tensor) -> None:
        raise NotImplementedError

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )


class _BatchNorm(_NormBase):
    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:  # a cumulative average: the factor is a tensor, 1 / count
                factor = 1.0 / self.num_batches_tracked
        use_batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        keep_stats = not self.training or self.track_running_stats
        return F.batch_norm(
            input,
            self.running_mean if keep_stats else None,
            self.running_var if keep_stats else None,
            self.weight,
            self.bias,
            use_batch_stats,
            factor,
            self.eps,
        )


_DOC = """Batch normalisation over {what}: each channel is normalised by its mean and
    (biased) variance over the batch{spatial}, then scaled by ``weight`` and shifted by ``bias``.

    In training mode the batch's statistics are used and the running statistics are updated as
    ``running = (1 - momentum) * running + momentum * batch`` (the variance unbiased), or as a
    cumulative average with ``momentum=None``; ``num_batches_tracked`` counts the updates. In
    eval mode the running statistics are used (the batch's, if ``track_running_stats=False``).

    Args:
        num_features: the number of channels ``C``.
        eps: added to the variance for stability. Default: 1e-5.
        momentum: the running statistics' update factor, or ``None``. Default: 0.1.
        affine: learn ``weight`` (ones) and ``bias`` (zeros). Default: ``True``.
        track_running_stats: keep running statistics. Default: ``True``.
        bias: with ``affine``, also learn ``bias``. Default: ``True``.

    Shape:
        - Input: {shape}.
        - Output: the input's shape.
    """


class BatchNorm1d(_BatchNorm):
    __doc__ = _DOC.format(
        what="``(N, C)`` or ``(N, C, L)``",
        spatial=" (and length)",
        shape="``(N, C)`` or ``(N, C, L)``",
    )

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim not in (2, 3):
            raise ValueError(f"expected 2D or 3D input (got {input.ndim}D input)")


class BatchNorm2d(_BatchNorm):
    __doc__ = _DOC.format(what="NCHW images", spatial=" and the image", shape="``(N, C, H, W)``")

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim != 4:
            raise ValueError(f"expected 4D input (got {input.ndim}D input)")


class BatchNorm3d(_BatchNorm):
    __doc__ = _DOC.format(
        what="NCDHW volumes", spatial=" and the volume", shape="``(N, C, D, H, W)``"
    )

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim != 5:
            raise ValueError(f"expected 5D input (got {input.ndim}D input)")
