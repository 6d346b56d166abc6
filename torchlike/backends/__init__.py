"""``torch.backends``: the switches PyTorch programs set, mapped onto XLA where they mean something.

- ``cudnn.benchmark``, ``cudnn.deterministic``, ``cudnn.enabled``: accepted and recorded; XLA picks
  its own convolution algorithms, and on CPU its results are deterministic already.
- ``cuda.matmul.allow_tf32`` / ``cudnn.allow_tf32``: one switch in XLA, the float32 matmul
  precision of :func:`torchlike.set_float32_matmul_precision` (``True`` means ``'high'``).
- ``mps.is_available()`` is False (JAX's Metal plugin is not supported); ``mkldnn``/``openmp``
  report what PyTorch's CPU build would.
"""

from __future__ import annotations

from types import SimpleNamespace

from .. import _config


class _Flags:
    """A namespace whose attributes are PyTorch's flags; setting one records it."""

    def __init__(self, **flags) -> None:
        object.__setattr__(self, "_flags", dict(flags))

    def __getattr__(self, name: str):
        try:
            return self._flags[name]
        except KeyError:
            raise AttributeError(f"torch.backends has no flag '{name}'") from None

    def __setattr__(self, name: str, value) -> None:
        self._flags[name] = value


class _TF32Matmul:
    """``torch.backends.cuda.matmul.allow_tf32``: reads and sets the float32 matmul precision."""

    @property
    def allow_tf32(self) -> bool:
        return _config.get_float32_matmul_precision() != "highest"

    @allow_tf32.setter
    def allow_tf32(self, value: bool) -> None:
        _config.set_float32_matmul_precision("high" if value else "highest")

    allow_fp16_reduced_precision_reduction = True
    allow_bf16_reduced_precision_reduction = True


class _Cudnn(_Flags):
    def is_available(self) -> bool:
        from .. import cuda

        return cuda.is_available()

    def version(self):
        return None


cudnn = _Cudnn(benchmark=False, deterministic=False, enabled=True, allow_tf32=True)
cuda = SimpleNamespace(matmul=_TF32Matmul(), is_built=lambda: True)
mps = SimpleNamespace(is_available=lambda: False, is_built=lambda: False)
mkldnn = SimpleNamespace(is_available=lambda: False, enabled=False)
openmp = SimpleNamespace(is_available=lambda: False)
opt_einsum = SimpleNamespace(is_available=lambda: True, enabled=True, strategy="auto")
