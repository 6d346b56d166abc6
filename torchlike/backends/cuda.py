"""``torch.backends.cuda``: ``matmul.allow_tf32`` is XLA's float32 matmul precision."""

from __future__ import annotations

from .. import _config


class _Matmul:
    """``torch.backends.cuda.matmul``: ``allow_tf32`` reads and sets the float32 matmul precision
    (:func:`torchlike.set_float32_matmul_precision`)."""

    @property
    def allow_tf32(self) -> bool:
        return _config.get_float32_matmul_precision() != "highest"

    @allow_tf32.setter
    def allow_tf32(self, value: bool) -> None:
        _config.set_float32_matmul_precision("high" if value else "highest")

    allow_fp16_reduced_precision_reduction = True
    allow_bf16_reduced_precision_reduction = True


matmul = _Matmul()


def is_built() -> bool:
    return True
