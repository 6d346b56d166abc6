"""``torch.cuda.amp``: PyTorch's deprecated spellings of :mod:`torchlike.amp` for 'cuda'."""

from __future__ import annotations

import warnings

from .. import amp as _amp
from ..amp.autocast_mode import _DeprecatedAutocast
from ..amp.grad_scaler import _USER_FRAME


class autocast(_DeprecatedAutocast):
    _device_type = "cuda"


class GradScaler(_amp.GradScaler):
    def __init__(
        self,
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ) -> None:
        warnings.warn(
            "`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use "
            "`torch.amp.GradScaler('cuda', args...)` instead.",
            FutureWarning,
            stacklevel=_USER_FRAME,
        )
        super().__init__(
            "cuda", init_scale, growth_factor, backoff_factor, growth_interval, enabled
        )
