"""``torch.cpu.amp``: PyTorch's deprecated spelling of ``torch.amp.autocast('cpu')``."""

from __future__ import annotations

from ..amp.autocast_mode import _DeprecatedAutocast


class autocast(_DeprecatedAutocast):
    _device_type = "cpu"
