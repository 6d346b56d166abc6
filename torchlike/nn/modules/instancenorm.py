"""Instance normalisation: ``InstanceNorm1d/2d/3d`` (PyTorch's
``torch/nn/modules/instancenorm.py``)."""

from __future__ import annotations

import warnings

from ..._tensor import Tensor
from .. import functional as F
from .batchnorm import _NormBase

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"]


class _InstanceNorm(_NormBase):
    _spatial_dims: int

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        device=None,
        dtype=None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__(
            num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias
        )

    def _check_input_dim(self, input: Tensor) -> None:
        n = self._spatial_dims
        if input.ndim not in (n + 1, n + 2):
            raise ValueError(f"expected {n + 1}D or {n + 2}D input (got {input.ndim}D input)")

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        feature_dim = input.ndim - self._spatial_dims - 1
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(
                    f"expected input's size at dim={feature_dim} to match num_features "
                    f"({self.num_features}), but got: {input.shape[feature_dim]}."
                )
            warnings.warn(
                f"input's size at dim={feature_dim} does not match num_features. You can silence "
                "this warning by not passing in num_features, which is not used because "
                "affine=False",
                stacklevel=2,
            )
        unbatched = input.ndim == self._spatial_dims + 1
        out = F.instance_norm(
            input.unsqueeze(0) if unbatched else input,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            self.training or not self.track_running_stats,
            self.momentum if self.momentum is not None else 0.0,
            self.eps,
        )
        return out.squeeze(0) if unbatched else out


_DOC = """Instance normalisation over {what}: each channel of each sample is normalised by
    its own mean and (biased) variance over the {over}, then optionally scaled and shifted.

    With ``track_running_stats=True`` training also updates running statistics (the batch mean
    of the per-sample ones, as :class:`BatchNorm{n}d` does), which eval mode then uses.

    Args:
        num_features: the number of channels ``C``.
        eps: added to the variance for stability. Default: 1e-5.
        momentum: the running statistics' update factor. Default: 0.1.
        affine: learn a per-channel ``weight`` (ones) and ``bias`` (zeros). Default: ``False``.
        track_running_stats: keep running statistics. Default: ``False``.

    Shape:
        - Input: {shape}.
        - Output: the input's shape.
    """


class InstanceNorm1d(_InstanceNorm):
    __doc__ = _DOC.format(what="sequences", over="length", n=1, shape="``(N, C, L)`` or ``(C, L)``")
    _spatial_dims = 1


class InstanceNorm2d(_InstanceNorm):
    __doc__ = _DOC.format(
        what="images", over="image", n=2, shape="``(N, C, H, W)`` or ``(C, H, W)``"
    )
    _spatial_dims = 2


class InstanceNorm3d(_InstanceNorm):
    __doc__ = _DOC.format(
        what="volumes", over="volume", n=3, shape="``(N, C, D, H, W)`` or ``(C, D, H, W)``"
    )
    _spatial_dims = 3
