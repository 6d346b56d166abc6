"""``torch.utils.tensorboard``: :class:`SummaryWriter`, writing TensorBoard event files."""

from .writer import SummaryWriter

__all__ = ["SummaryWriter"]
