"""``nn.parallel.DistributedDataParallel`` on JAX's SPMD partitioner.

In one process this is :class:`~torchlike.nn.DataParallel` over every device of the process: the
batch is sharded, parameters replicated, gradients all-reduced by the compiler inside the step.

Across processes it is not supported yet: PyTorch's DDP computes each process's loss on its own
rows, while a JAX program over a multi-process mesh works on global arrays, so the loss and the
targets would have to become global too. Until that bridge exists, the constructor says so
instead of training on mismatched shapes; ``torchlike.distributed``'s collectives do work
between processes.
"""

from __future__ import annotations

import jax

from .data_parallel import DataParallel


class DistributedDataParallel(DataParallel):
    """Args:
        module: the module to train.
        device_ids, output_device, dim: as :class:`DataParallel`.
        Every other PyTorch argument (``broadcast_buffers``, ``find_unused_parameters``,
        ``bucket_cap_mb``, ``gradient_as_bucket_view``, ``static_graph``, ...) is accepted: XLA
        schedules the gradient all-reduce itself.

    Shape:
        - Inputs: the batch (split over this process's devices).
        - Output: the wrapped module's.
    """

    def __init__(self, module, device_ids=None, output_device=None, dim: int = 0, **options):
        if jax.process_count() > 1:
            raise NotImplementedError(
                "DistributedDataParallel across several processes is not supported by "
                "torchlike yet; run one process per machine and let DistributedDataParallel "
                "(or DataParallel) shard the batch over that process's devices"
            )
        super().__init__(module, device_ids, output_device, dim)
