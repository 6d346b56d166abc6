"""``nn.Parameter`` and buffers: Flax NNX Variables that are also torchlike Tensors.

A ``Parameter`` is an ``nnx.Param`` (so ``nnx.state``, ``nnx.split``/``merge`` and Orbax see it)
with the whole Tensor interface; its value is the Variable's value, ``requires_grad`` is Variable
metadata, and ``.grad`` is an ordinary attribute. A registered buffer is a ``Buffer`` Variable
(``BatchNorm``'s running statistics use ``nnx.BatchStat``'s subclass ``RunningStat``).
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.context import get_spawning_popen

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from .. import _arrays, _trace_state
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
        "_shared",
        "_shared_block",
    }
)


class _VariableTensor(Tensor):
    """The Tensor interface over an nnx Variable's value.

    After ``share_memory_()`` the value also lives in a shared-memory block (``_shared``, a numpy
    view of it) that processes started afterwards map when the variable is among their
    arguments (``Process(args=...)``, ``torch.multiprocessing.spawn``), as
    PyTorch's shared tensors: an eager read sees the latest write of any process (hogwild
    training), an eager write lands in the block. Compiled steps read and write the Variable
    itself; their results reach the block when they are written back eagerly.
    """

    _shared = None

    @property
    def _data(self):
        if _trace_state.active:  # in a compiled step: state the scan missed is added, retraced
            _trace_state.note_access(self, self.get_raw_value(), self._grad)
        elif self._shared is not None and not isinstance(self.get_raw_value(), jax.core.Tracer):
            self.set_raw_value(_arrays.from_host(self._shared), _unsafe_bypass_check=True)
        return self.get_raw_value()

    @_data.setter
    def _data(self, value) -> None:
        if _trace_state.active:
            _trace_state.note_access(self, self.get_raw_value(), self._grad)
        elif self._shared is not None and not isinstance(value, jax.core.Tracer):
            if value.shape == self._shared.shape and value.dtype == self._shared.dtype:
                self._shared[...] = np.asarray(value)
            else:  # a cast or resize (``module.double()``) leaves shared memory, as in PyTorch
                self._shared = None
        self.set_raw_value(value, _unsafe_bypass_check=True)

    def share_memory_(self) -> _VariableTensor:
        """Move the value to shared memory (``Tensor.share_memory_``); see the class docstring."""
        if self._shared is None:
            arr = np.asarray(self._data)
            block = multiprocessing.RawArray("b", max(arr.nbytes, 1))
            view = np.frombuffer(block, arr.dtype, arr.size).reshape(arr.shape)
            view[...] = arr
            self._shared, self._shared_block = view, block
        return self

    def is_shared(self) -> bool:
        return self._shared is not None

    def __setattr__(self, name: str, value) -> None:
        if name in _TENSOR_ATTRS:
            object.__setattr__(self, name, value)  # no NNX trace-level check for tensor state
        else:
            super().__setattr__(name, value)

    def __deepcopy__(self, memo):
        data = Tensor._wrap(_arrays.copy(self._data))
        if isinstance(self, Parameter):
            new = type(self)(data, self.requires_grad)
        else:  # a buffer: its second argument is ``persistent``
            new = type(self)(data, self.get_metadata("persistent", True))
        if self.grad is not None:
            new.grad = Tensor._wrap(_arrays.copy(self.grad._data))
        memo[id(self)] = new
        return new

    def __reduce_ex__(self, protocol):
        # The constructor's second argument: requires_grad for a Parameter, persistent for a buffer
        second = self.requires_grad if isinstance(self, Parameter) else self._persistent()
        if self._shared is not None and get_spawning_popen() is not None:
            # pickled for a process being started: the block itself travels (other pickles,
            # torch.save or a plain pickle.dumps, copy the value)
            meta = (self._shared.dtype, self._shared.shape)
            return (_rebuild_shared, (type(self), self._shared_block, meta, second))
        return (_rebuild_variable, (type(self), Tensor.__reduce_ex__(self, protocol), second))

    def _persistent(self) -> bool:
        return self.get_metadata("persistent", True)


def _rebuild_variable(cls, reduced, second=None):
    fn, args = reduced
    return cls(fn(*args), args[1] if second is None else second)


def _rebuild_shared(cls, block, meta, second):
    dtype, shape = meta
    view = np.frombuffer(block, dtype, int(np.prod(shape))).reshape(shape)
    var = cls(Tensor._wrap(_arrays.from_host(view)), second)
    var._shared, var._shared_block = view, block
    return var


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


class _BufferTensor(_VariableTensor):
    """What ``Buffer`` and ``RunningStat`` share: made from a tensor (or array) and a
    ``persistent`` flag, never trained, printed as a plain tensor."""

    def __init__(self, data: Tensor, persistent: bool = True) -> None:
        arr = data._data if isinstance(data, Tensor) else jnp.asarray(data)
        nnx.Variable.__init__(self, arr, persistent=bool(persistent))

    requires_grad = False

    def __repr__(self) -> str:
        return Tensor.__repr__(self)


class Buffer(_BufferTensor, nnx.Variable):
    """A registered buffer (``register_buffer``): state that is saved but not trained.

    ``persistent=False`` buffers are left out of ``state_dict``, as in PyTorch.
    """


class RunningStat(_BufferTensor, nnx.BatchStat):
    """A buffer holding batch statistics (BatchNorm's running mean/var), an ``nnx.BatchStat``."""
