"""``torchlike.Tensor``: a ``jax.Array`` with PyTorch's interface and a place on the tape.

A tensor holds its array in ``_data``; ``requires_grad``, ``grad``, ``grad_fn`` and ``is_leaf`` mean
what they mean in PyTorch. It is a JAX pytree whose only child is the array, so tensors pass
through ``jax.jit``/``jax.tree`` unchanged.

Where JAX differs: arrays are immutable, so an in-place op computes a new array and rebinds it
(the tensor object, and ``.grad_fn`` history, behave as in PyTorch). A tensor made by a view op
(``view``, ``reshape``, basic indexing, ``transpose``, ``.data``, ``detach`` ...) remembers its
base; an in-place write through the view is written back into the base, as in PyTorch. A base
written in place does not update views taken from it earlier (they are snapshots).
"""

from __future__ import annotations

import builtins
import warnings
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from . import _arrays, _dtype, _trace_state
from ._device import device as _device_cls
from ._device import of_array

_Tracer = jax.core.Tracer


def _no_host_read(what: str, fix: str):
    return RuntimeError(
        f"{what} needs the tensor's value in Python, but inside torchlike.compile (or jax.jit) "
        f"values are only known when the whole compiled step runs. {fix}"
    )


class Size(tuple):
    """``torch.Size``: a tuple of ints with PyTorch's repr."""

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    def numel(self) -> int:
        return int(np.prod(self, dtype=np.int64))


class Tensor:
    """A multi-dimensional array with autograd, PyTorch's ``torch.Tensor``.

    ``Tensor(data)`` and ``Tensor(*sizes)`` behave as in PyTorch (default float dtype).
    """

    # Defaults live on the class, so that a tensor made with ``object.__new__`` (and a Parameter
    # rebuilt by Flax NNX) is a valid leaf without ``__init__``.
    requires_grad = False
    _grad = None
    grad_fn = None
    _out_index = 0
    _retains_grad = False  # retain_grad() was called (PyTorch keeps the flag across in-place ops)
    _base = None  # the tensor this one is a view of (the root of the view chain)
    _view_fn = None  # base array -> this view's array
    _view_detached = False  # taken through .data/detach(): writes back bypass autograd
    __array_priority__ = 1000

    def __init__(self, *args, dtype=None, device=None, requires_grad: bool = False) -> None:
        from ._ops.creation import _to_array

        dt = _dtype.as_dtype(dtype) if dtype is not None else _dtype.get_default_dtype()
        if not args:
            arr = jnp.zeros((0,), dt.np)
        elif len(args) == 1 and not isinstance(args[0], (int, np.integer, Size)):
            arr = _to_array(args[0], dt)
        else:
            sizes = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
            arr = jnp.zeros(tuple(int(s) for s in sizes), dt.np)
        if device is not None:
            arr = jax.device_put(arr, _device_cls(device).jax_device())
        self._data = arr
        if requires_grad:
            self.requires_grad_(True)

    # -- construction helpers used by every op -----------------------------------------------------
    @classmethod
    def _wrap(cls, arr) -> Tensor:
        t = object.__new__(Tensor)
        t._data = arr
        return t

    @classmethod
    def _make(cls, arr, node, index: int) -> Tensor:
        t = object.__new__(Tensor)
        t._data = arr
        t.requires_grad = True
        t.grad_fn = node
        t._out_index = index
        return t

    # -- metadata ---------------------------------------------------------------------------------
    @property
    def dtype(self) -> _dtype.dtype:
        return _dtype.from_jax(self._data.dtype)

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        return self._data.dtype.itemsize

    @property
    def itemsize(self) -> int:
        return self._data.dtype.itemsize

    @property
    def nbytes(self) -> int:
        return int(self._data.size) * self._data.dtype.itemsize

    @property
    def device(self) -> _device_cls:
        return of_array(self._data)

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    def is_floating_point(self) -> bool:
        return self.dtype.is_floating_point

    def is_complex(self) -> bool:
        return self.dtype.is_complex

    def is_contiguous(self, memory_format=None) -> bool:
        return True

    def contiguous(self, memory_format=None) -> Tensor:
        return self

    def stride(self, dim: int | None = None):
        strides, acc = [], 1
        for s in reversed(self._data.shape):
            strides.append(acc)
            acc *= max(s, 1)
        strides = tuple(reversed(strides))
        return strides if dim is None else strides[_wrap_dim(dim, self._data.ndim)]

    # -- autograd ---------------------------------------------------------------------------------
    @property
    def grad(self) -> Tensor | None:
        """The accumulated gradient (None until a backward reaches this leaf)."""
        if _trace_state.active:
            _trace_state.note_grad_read(self)
        g = self._grad
        if g is None and self.grad_fn is not None and not self.retains_grad:
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. "
                "Its .grad attribute won't be populated during autograd.backward(). If you "
                "indeed want the .grad field to be populated for a non-leaf Tensor, use "
                ".retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by "
                "mistake, make sure you access the leaf Tensor instead.",
                UserWarning,
                stacklevel=2,
            )
        return g

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"assigned grad expected to be a Tensor or None but got grad of "
                    f"type {type(value).__name__}"
                )
            if tuple(value._data.shape) != tuple(self._data.shape):
                raise RuntimeError("assigned grad has data of a different size")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError("assigned grad has data of a different type")
        if _trace_state.active:
            _trace_state.note_grad_write(self)
        self._grad = value

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if not self.is_leaf:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if requires_grad and not (self.dtype.is_floating_point or self.dtype.is_complex):
            raise RuntimeError(
                "only Tensors of floating point and complex dtype can require gradients"
            )
        self.requires_grad = bool(requires_grad)
        return self

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None) -> None:
        """Accumulate the gradient of this tensor into the ``.grad`` of the leaves it depends on."""
        from .autograd.graph import backward

        backward(self, gradient, retain_graph, create_graph, inputs)

    def retain_grad(self) -> None:
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            if self.grad_fn.retained is None:
                self.grad_fn.retained = {}
            self.grad_fn.retained[self._out_index] = self
            self._retains_grad = True

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's value (writes through it reach this tensor)."""
        return _make_view(self, self._data, _identity)

    def detach_(self) -> Tensor:
        self.grad_fn = None
        self.requires_grad = False
        return self

    @property
    def data(self) -> Tensor:
        """The value without autograd history; in-place writes to it reach this tensor."""
        view = _make_view(self, self._data, _identity)
        view._vc = [0]  # its own version counter, as in PyTorch: its writes go unnoticed
        return view

    @data.setter
    def data(self, value: Tensor) -> None:
        self._data = value._data if isinstance(value, Tensor) else jnp.asarray(value)

    # -- host reads -------------------------------------------------------------------------------
    def _concrete(self, what: str, fix: str):
        if isinstance(self._data, _Tracer):
            raise _no_host_read(what, fix)
        return self._data

    def _one_value(self, what: str, fix: str, error):
        """The Python number of a one-element tensor; else ``error(number of elements)``."""
        arr = self._concrete(what, fix)
        if arr.size != 1:
            raise RuntimeError(error(arr.size))
        return np.asarray(arr).reshape(()).item()

    def item(self):
        return self._one_value(
            "Tensor.item()",
            "Return the tensor from the compiled function and call .item() "
            "on the result outside, or keep computing with the tensor itself.",
            lambda n: f"a Tensor with {n} elements cannot be converted to Scalar",
        )

    def tolist(self):
        arr = self._concrete("Tensor.tolist()", "Return the tensor and call .tolist() outside.")
        return np.asarray(arr).tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        if self.requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead."
            )
        arr = self._concrete("Tensor.numpy()", "Return the tensor and call .numpy() outside.")
        return np.array(arr)

    def __array__(self, dtype=None, copy=None):
        arr = np.asarray(self._concrete("numpy.asarray(tensor)", "Use torchlike ops instead."))
        return arr if dtype is None else arr.astype(dtype)

    def __jax_array__(self):
        return self._data

    def __bool__(self) -> bool:
        return bool(
            self._one_value(
                "Using a tensor as a Python bool (`if tensor:`, `while tensor:`, `and`/`or`)",
                "Use torch.where(cond, a, b) to choose between values, or move the Python "
                "control flow outside the compiled function.",
                lambda n: (
                    f"Boolean value of Tensor with {'more than one value' if n else 'no values'}"
                    " is ambiguous"
                ),
            )
        )

    def __float__(self) -> float:
        return builtins.float(self._scalar("float(tensor)"))

    def __int__(self) -> int:
        return builtins.int(self._scalar("int(tensor)"))

    def __index__(self) -> int:
        if not jnp.issubdtype(self._data.dtype, jnp.integer) or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return builtins.int(self._scalar("Using a tensor as an index"))

    def __complex__(self) -> complex:
        return builtins.complex(self._scalar("complex(tensor)"))

    def _scalar(self, what: str):
        arr = self._concrete(
            what, "Return the tensor from the compiled function and convert it outside."
        )
        if arr.size != 1:
            raise RuntimeError(f"a Tensor with {arr.size} elements cannot be converted to Scalar")
        return np.asarray(arr).reshape(()).item()

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self, *, tensor_contents=None) -> str:
        from ._tensor_str import format_tensor

        if isinstance(self._data, _Tracer):
            return f"tensor(<traced {self.dtype} {list(self._data.shape)}>)"
        suffixes = []
        if self.device.type != "cpu":
            suffixes.append(f"device='{self.device}'")
        if self.grad_fn is not None:
            suffixes.append(f"grad_fn=<{self.grad_fn.name()}>")
        elif self.requires_grad:
            suffixes.append("requires_grad=True")
        arr = self._data
        if arr.dtype == jnp.bfloat16:
            arr = arr.astype(jnp.float32)
        return format_tensor(
            np.asarray(arr),
            self.dtype.name,
            default_float=_dtype.get_default_dtype().name,
            suffixes=suffixes,
        )

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0 and not isinstance(self._data, _Tracer):
            return format(self.item(), spec)
        return repr(self)

    def __reduce_ex__(self, protocol):
        return (_rebuild, (np.asarray(self.detach()._data), self.requires_grad))

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                "protocol at the moment."
            )
        new = Tensor._wrap(_arrays.copy(self._data))
        new.requires_grad = self.requires_grad
        if self.grad is not None:
            new.grad = Tensor._wrap(_arrays.copy(self.grad._data))
        memo[id(self)] = new
        return new

    # -- device and dtype -------------------------------------------------------------------------
    def to(self, *args, **kwargs) -> Tensor:
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)``; no change: self."""
        dtype, dev = kwargs.pop("dtype", None), kwargs.pop("device", None)
        kwargs.pop("non_blocking", None)
        kwargs.pop("copy", None)
        kwargs.pop("memory_format", None)
        for a in args:
            if isinstance(a, Tensor):
                dtype, dev = a.dtype, a.device
            elif isinstance(a, _dtype.dtype) or (
                not isinstance(a, (str, _device_cls, int)) and a is not None
            ):
                dtype = a
            elif a is not None:
                dev = a
        out = self
        if dtype is not None and _dtype.as_dtype(dtype) is not self.dtype:
            out = out.type(dtype)
        if dev is not None:
            target = _device_cls(dev).jax_device()
            if not isinstance(out._data, _Tracer) and target not in out._data.devices():
                from ._ops.pointwise import _device_put

                out = _device_put(out, target)
        return out

    def cpu(self) -> Tensor:
        return self.to("cpu")

    def cuda(self, device=None, non_blocking: bool = False) -> Tensor:
        return self.to(_device_cls("cuda", device if isinstance(device, int) else None))

    def type(self, dtype=None):
        if dtype is None:
            return f"torch.{_dtype.type_name(self.dtype)}Tensor"
        from ._ops.pointwise import _cast

        if isinstance(dtype, str) and dtype.startswith("torch."):  # x.type("torch.LongTensor")
            dtype = _LEGACY_NAMES.get(dtype[6:], dtype)
        dtype = getattr(dtype, "_dtype", dtype)  # x.type(torch.LongTensor)
        return _cast(self, _dtype.as_dtype(dtype))

    def pin_memory(self, device=None) -> Tensor:
        """A no-op copy: JAX manages host staging itself."""
        return self

    def is_pinned(self, device=None) -> bool:
        return False

    def share_memory_(self) -> Tensor:
        """``Tensor.share_memory_``: parameters and buffers move to shared memory (see
        ``nn.Parameter``); a plain tensor is immutable data under JAX and is returned as is (it
        is copied when pickled to another process)."""
        return self

    def is_shared(self) -> bool:
        return False

    def float(self) -> Tensor:
        return self.type(_dtype.float32)

    def double(self) -> Tensor:
        return self.type(_dtype.float64)

    def half(self) -> Tensor:
        return self.type(_dtype.float16)

    def bfloat16(self) -> Tensor:
        return self.type(_dtype.bfloat16)

    def long(self) -> Tensor:
        return self.type(_dtype.int64)

    def int(self) -> Tensor:
        return self.type(_dtype.int32)

    def short(self) -> Tensor:
        return self.type(_dtype.int16)

    def char(self) -> Tensor:
        return self.type(_dtype.int8)

    def byte(self) -> Tensor:
        return self.type(_dtype.uint8)

    def bool(self) -> Tensor:
        return self.type(_dtype.bool_)

    def type_as(self, other: Tensor) -> Tensor:
        return self.type(other.dtype)

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False) -> Tensor:
        from ._ops.creation import tensor

        return tensor(data, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    def new_zeros(self, *sizes, size=None, dtype=None, device=None, requires_grad=False) -> Tensor:
        from ._ops.creation import zeros

        dtype = dtype or self.dtype
        return zeros(*sizes, size=size, dtype=dtype, device=device, requires_grad=requires_grad)

    def new_ones(self, *sizes, size=None, dtype=None, device=None, requires_grad=False) -> Tensor:
        from ._ops.creation import ones

        dtype = dtype or self.dtype
        return ones(*sizes, size=size, dtype=dtype, device=device, requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
        from ._ops.creation import full

        dtype = dtype or self.dtype
        return full(size, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)

    def new_empty(self, *sizes, size=None, dtype=None, device=None, requires_grad=False) -> Tensor:
        return self.new_zeros(
            *sizes, size=size, dtype=dtype, device=device, requires_grad=requires_grad
        )


# PyTorch's legacy tensor type names (``torch.FloatTensor``), by dtype name.
_LEGACY_NAMES = {f"{name}Tensor": key for key, name in _dtype.SCALAR_NAMES.items()}


def _identity(x):
    return x


def _rebuild(arr: np.ndarray, requires_grad: bool) -> Tensor:
    t = Tensor._wrap(_arrays.from_host(arr))
    t.requires_grad = requires_grad
    return t


def _wrap_dim(dim: int, ndim: int) -> int:
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    return dim % n


def _make_view(src: Tensor, arr, fn: Callable) -> Tensor:
    """A new leaf viewing ``src`` without history (``.data``, ``detach()``)."""
    return set_view(Tensor._wrap(arr), src, fn, detached=True)


def set_view(t: Tensor, base: Tensor, fn: Callable, detached: bool = False) -> Tensor:
    """Mark ``t`` as ``fn(base)``, a view: in-place writes to ``t`` are written back to the root."""
    prev = base._view_fn
    t._base = base._base if base._base is not None else base
    t._view_fn = fn if prev is None else (lambda b, f=fn, p=prev: f(p(b)))
    t._view_detached = detached or base._view_detached
    return t


def _flatten(t: Tensor):
    return (t._data,), t.requires_grad


def _unflatten(requires_grad, children) -> Tensor:
    t = Tensor._wrap(children[0])
    if requires_grad:
        t.requires_grad = True
    return t


jax.tree_util.register_pytree_node(Tensor, _flatten, _unflatten)
