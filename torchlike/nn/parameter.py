"""``nn.Parameter`` and buffers: Flax NNX Variables that are also torchlike Tensors.

A ``Parameter`` is an ``nnx.Param`` (so ``nnx.state``, ``nnx.split``/``merge`` and Orbax see it)
with the whole Tensor interface; its value is the Variable's value, ``requires_grad`` is Variable
metadata, and ``.grad`` is an ordinary attribute. A registered buffer is a ``Buffer`` Variable
(``BatchNorm``'s running statistics use ``nnx.BatchStat``'s subclass ``RunningStat``).
"""

from __future__ import annotations

import jax.numpy as jnp
from flax import nnx

from .. import _trace_state
from .._tensor import Tensor

# Set without NNX's trace-level check: tensor state, and the value itself (compiled steps swap
# tracers in and out of Variables created outside the trace).
_TENSOR_ATTRS = frozenset(
    {
        "grad",
        "grad_fn",
        "_out_index",
        "_base",
        "_view_fn",
        "_view_detached",
        "requires_grad",
        "_data",
        "_raw_value",
        "_grad",
    }
)


class _VariableTensor(Tensor):
    """The Tensor interface over an nnx Variable's value."""

    @property
    def _data(self):
        if _trace_state.active:  # in a compiled step: state the scan missed is added, retraced
            _trace_state.note_access(self, self.get_raw_value(), self._grad)
        return self.get_raw_value()

    @_data.setter
    def _data(self, value) -> None:
        if _trace_state.active:
            _trace_state.note_access(self, self.get_raw_value(), self._grad)
        self.set_raw_value(value, _unsafe_bypass_check=True)

    def __setattr__(self, name: str, value) -> None:
        if name in _TENSOR_ATTRS:
            object.__setattr__(self, name, value)  # no NNX trace-level check for tensor state
        else:
            super().__setattr__(name, value)

    def __deepcopy__(self, memo):
        data = Tensor._wrap(jnp.array(self._data, copy=True))
        if isinstance(self, Parameter):
            new = type(self)(data, self.requires_grad)
        else:  # a buffer: its second argument is ``persistent``
            new = type(self)(data, self.get_metadata("persistent", True))
        if self.grad is not None:
            new.grad = Tensor._wrap(jnp.array(self.grad._data, copy=True))
        memo[id(self)] = new
        return new

    def __reduce_ex__(self, protocol):
        return (_rebuild_variable, (type(self), Tensor.__reduce_ex__(self, protocol)))


def _rebuild_variable(cls, reduced):
    fn, args = reduced
    return cls(fn(*args), args[1])


class Parameter(_VariableTensor, nnx.Param):
    """``nn.Parameter(data, requires_grad=True)``: a tensor that a Module registers as a weight."""

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        if data is None:
            arr = jnp.zeros((0,), jnp.float32)
        elif isinstance(data, Tensor):
            arr = data._data
        else:
            arr = jnp.asarray(data)
        if requires_grad and not jnp.issubdtype(arr.dtype, jnp.inexact):
            raise RuntimeError(
                "Only Tensors of floating point and complex dtype can require gradients"
            )
        nnx.Param.__init__(self, arr, requires_grad=bool(requires_grad))

    @property
    def requires_grad(self) -> bool:
        return self.get_metadata("requires_grad", True)

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.set_metadata(requires_grad=bool(value))

    def __repr__(self) -> str:
        return "Parameter containing:\n" + Tensor.__repr__(self)

    __str__ = __repr__


class Buffer(_VariableTensor, nnx.Variable):
    """A registered buffer (``register_buffer``): state that is saved but not trained.

    ``persistent=False`` buffers are left out of ``state_dict``, as in PyTorch.
    """

    def __init__(self, data: Tensor, persistent: bool = True) -> None:
        arr = data._data if isinstance(data, Tensor) else jnp.asarray(data)
        nnx.Variable.__init__(self, arr, persistent=bool(persistent))

    requires_grad = False

    def __repr__(self) -> str:
        return Tensor.__repr__(self)


class RunningStat(_VariableTensor, nnx.BatchStat):
    """A buffer holding batch statistics (BatchNorm's running mean/var), an ``nnx.BatchStat``."""

    def __init__(self, data: Tensor, persistent: bool = True) -> None:
        arr = data._data if isinstance(data, Tensor) else jnp.asarray(data)
        nnx.BatchStat.__init__(self, arr, persistent=bool(persistent))

    requires_grad = False

    def __repr__(self) -> str:
        return Tensor.__repr__(self)
