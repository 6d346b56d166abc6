"""``torch.backends``: the switches PyTorch programs set, mapped onto XLA where they mean something.

One module per backend, as in PyTorch, so that ``import torch.backends.cudnn as cudnn`` works and
``cudnn.benchmark = True`` sets the flag (a module attribute):

- ``cudnn.benchmark``, ``cudnn.deterministic``, ``cudnn.enabled``: accepted and recorded; XLA picks
  its own convolution algorithms, and on CPU its results are deterministic already.
- ``cuda.matmul.allow_tf32`` / ``cudnn.allow_tf32``: one switch in XLA, the float32 matmul
  precision of :func:`torchlike.set_float32_matmul_precision` (``True`` means ``'high'``).
- ``mps.is_available()`` is False (JAX's Metal plugin is not supported); ``mkldnn``/``openmp``
  report what PyTorch's CPU build would.
"""

from __future__ import annotations

from . import cuda, cudnn, mkldnn, mps, openmp, opt_einsum

__all__ = ["cuda", "cudnn", "mkldnn", "mps", "openmp", "opt_einsum"]
