"""``torch.autograd.Variable``: the pre-0.4 wrapper, now a tensor, as in PyTorch.

``Variable(t, requires_grad=True)`` returns a tensor with ``t``'s data (sharing it, as PyTorch
does) and the given ``requires_grad``; ``isinstance(x, Variable)`` is true for every tensor.
"""

from __future__ import annotations

from .._tensor import Tensor

__all__ = ["Variable"]


class _VariableMeta(type):
    def __instancecheck__(cls, other) -> bool:
        return isinstance(other, Tensor)


class Variable(metaclass=_VariableMeta):
    """Old-style ``Variable(data, requires_grad=False, volatile=False)``: returns a Tensor."""

    def __new__(cls, data: Tensor, requires_grad: bool = False, volatile: bool = False):
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        return data.detach().requires_grad_(requires_grad)
