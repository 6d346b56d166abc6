"""``torch.utils.tensorboard``: :class:`SummaryWriter`, writing TensorBoard event files.

Built, as PyTorch's, on the ``tensorboard`` package (the ``tensorboard`` extra of torchlike).
"""

try:
    import tensorboard
except ModuleNotFoundError as e:
    raise ModuleNotFoundError(
        "TensorBoard logging requires TensorBoard version 1.15 or above: the tensorboard package "
        "is not installed (pip install tensorboard, or torchlike[tensorboard])",
        name=e.name,
    ) from None

from .writer import SummaryWriter

del tensorboard

__all__ = ["SummaryWriter"]
