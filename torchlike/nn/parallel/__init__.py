"""``torch.nn.parallel``: data parallelism on XLA's SPMD partitioner."""

from .data_parallel import DataParallel
from .distributed import DistributedDataParallel

__all__ = ["DataParallel", "DistributedDataParallel"]
