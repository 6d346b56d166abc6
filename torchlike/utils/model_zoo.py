"""``torch.utils.model_zoo``: PyTorch's older name for ``torch.hub``'s downloader."""

from __future__ import annotations

from ..hub import load_state_dict_from_url as load_url

__all__ = ["load_url"]
