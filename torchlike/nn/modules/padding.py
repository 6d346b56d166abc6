"""Padding layers: constant, zero, reflection, replication and circular padding of the last 1, 2
or 3 dims (PyTorch's ``torch/nn/modules/padding.py``); each calls :func:`F.pad`."""

from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from ..functional import _ntuple
from .module import Module

__all__ = [
    "CircularPad1d",
    "CircularPad2d",
    "CircularPad3d",
    "ConstantPad1d",
    "ConstantPad2d",
    "ConstantPad3d",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReflectionPad3d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "ReplicationPad3d",
    "ZeroPad1d",
    "ZeroPad2d",
    "ZeroPad3d",
]


class _PadNd(Module):
    """Pads the last ``n`` dims with ``F.pad(input, padding, mode)``."""

    mode: str
    n: int

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _ntuple(padding, 2 * self.n)

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    mode = "constant"

    def __init__(self, padding, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class _ZeroPadNd(_ConstantPadNd):
    """``ZeroPadNd`` is ``ConstantPadNd`` with ``value=0`` (as in PyTorch, a subclass of it:
    ``ZeroPad2d(_ZeroPadNd, ConstantPad2d)``)."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ReflectionPadNd(_PadNd):
    mode = "reflect"


class _ReplicationPadNd(_PadNd):
    mode = "replicate"


class _CircularPadNd(_PadNd):
    mode = "circular"


_DOC = """Pad the last {n} dim{s} of the input {how}.

    Args:
        padding: an int for every side, or ``{sides}``.{value}

    Shape:
        - Input: ``{shape}`` (or without ``N``).
        - Output: each padded dim grows by its two paddings.
    """
_SIDES = {
    1: ("(left, right)", "(N, C, W)"),
    2: ("(left, right, top, bottom)", "(N, C, H, W)"),
    3: ("(left, right, top, bottom, front, back)", "(N, C, D, H, W)"),
}


def _doc(n: int, how: str, value: bool = False) -> str:
    sides, shape = _SIDES[n]
    value_doc = "\n        value: the fill value." if value else ""
    return _DOC.format(
        n=n, s="s" if n > 1 else "", how=how, sides=sides, shape=shape, value=value_doc
    )


_ZERO, _CONSTANT = "with zeros", "with a constant ``value``"
_REFLECT = "with its reflection (the edge not repeated)"
_REPLICATE = "by repeating its edge"
_CIRCULAR = "by wrapping around (the other end's values)"


class ConstantPad1d(_ConstantPadNd):
    __doc__ = _doc(1, _CONSTANT, value=True)
    n = 1


class ConstantPad2d(_ConstantPadNd):
    __doc__ = _doc(2, _CONSTANT, value=True)
    n = 2


class ConstantPad3d(_ConstantPadNd):
    __doc__ = _doc(3, _CONSTANT, value=True)
    n = 3


class ZeroPad1d(_ZeroPadNd, ConstantPad1d):
    __doc__ = _doc(1, _ZERO)


class ZeroPad2d(_ZeroPadNd, ConstantPad2d):
    __doc__ = _doc(2, _ZERO)


class ZeroPad3d(_ZeroPadNd, ConstantPad3d):
    __doc__ = _doc(3, _ZERO)


class ReflectionPad1d(_ReflectionPadNd):
    __doc__ = _doc(1, _REFLECT)
    n = 1


class ReflectionPad2d(_ReflectionPadNd):
    __doc__ = _doc(2, _REFLECT)
    n = 2


class ReflectionPad3d(_ReflectionPadNd):
    __doc__ = _doc(3, _REFLECT)
    n = 3


class ReplicationPad1d(_ReplicationPadNd):
    __doc__ = _doc(1, _REPLICATE)
    n = 1


class ReplicationPad2d(_ReplicationPadNd):
    __doc__ = _doc(2, _REPLICATE)
    n = 2


class ReplicationPad3d(_ReplicationPadNd):
    __doc__ = _doc(3, _REPLICATE)
    n = 3


class CircularPad1d(_CircularPadNd):
    __doc__ = _doc(1, _CIRCULAR)
    n = 1


class CircularPad2d(_CircularPadNd):
    __doc__ = _doc(2, _CIRCULAR)
    n = 2


class CircularPad3d(_CircularPadNd):
    __doc__ = _doc(3, _CIRCULAR)
    n = 3
