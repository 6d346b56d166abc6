"""The object pickle of a saved file, in PyTorch's vocabulary, and the restricted unpickler.

Writing: ``TensorPickler`` pickles any object (protocol 2, as ``torch.save`` does) and writes each
tensor as PyTorch does, ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)``
with the storage a persistent id ``('storage', torch.FloatStorage, key, location, numel)``. The
storages themselves are handed to the container (a zip record, an Orbax array), so one pickle
serves both formats, and real ``torch.load(weights_only=True)`` reads it. PyTorch's globals are
written by name (``_Global``): torch is never imported.

Reading: ``RestrictedUnpickler`` resolves a global only through an allow-list, in the manner of
``torch.serialization``'s ``weights_only`` unpickler: tensor and storage rebuilders (implemented
here, on numpy), ``collections.OrderedDict``, dtypes, ``torch.Size``, ``torch.device``, bytes
and sets, torchlike's own layer classes, and what ``add_safe_globals`` added. Any other global is
refused with an ``UnpicklingError`` naming it, before anything is called: a file cannot run code.
"""

from __future__ import annotations

import _compat_pickle
import collections
import contextlib
import contextvars
import importlib
import math
import pickle
from collections.abc import Callable, Iterator
from typing import Any

import flax.typing
import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from .. import _dtype
from .._device import device
from .._tensor import Size, Tensor
from ..nn import modules, parameter
from ..nn.parameter import Parameter, _VariableTensor

# PyTorch's legacy storage class per dtype: the storage global of a tensor's persistent id.
_STORAGE_NAMES = {
    "float32": "FloatStorage",
    "float64": "DoubleStorage",
    "float16": "HalfStorage",
    "bfloat16": "BFloat16Storage",
    "complex64": "ComplexFloatStorage",
    "complex128": "ComplexDoubleStorage",
    "int64": "LongStorage",
    "int32": "IntStorage",
    "int16": "ShortStorage",
    "int8": "CharStorage",
    "uint8": "ByteStorage",
    "bool": "BoolStorage",
}


# Arrays of these dtypes (no torchlike dtype) are written as their bytes (a uint8 tensor).
_BITS_ONLY = ("uint16", "uint32", "uint64")


class _Global:
    """A global written by module and name, without importing it (PyTorch's names)."""

    __slots__ = ("module", "name")
    _cache: dict[tuple[str, str], _Global] = {}

    def __new__(cls, module: str, name: str) -> _Global:
        # One object per name, so that the pickle memo writes each global once, as torch does.
        key = (module, name)
        if key not in cls._cache:
            obj = super().__new__(cls)
            obj.module, obj.name = module, name
            cls._cache[key] = obj
        return cls._cache[key]

    def __call__(self, *args):  # pickle's reduce wants a callable; this one is only a name
        raise TypeError(f"{self.module}.{self.name} is a name to write, not a function to call")


class StoredArray:
    """One storage to write: an array, its key in the container and the device it came from."""

    def __init__(self, key: str, array: jax.Array | np.ndarray, location: str) -> None:
        self.key, self.array, self.location = key, array, location


class TensorPickler(pickle._Pickler):
    """Pickle an object, handing each tensor's array to ``self.storages`` (key -> StoredArray).

    The pure-Python pickler is used because it lets PyTorch's globals be written by name; the
    pickle itself is small (the arrays are not in it).
    """

    dispatch = pickle._Pickler.dispatch.copy()

    def __init__(self, file) -> None:
        super().__init__(file, protocol=2, fix_imports=False)
        self.storages: dict[str, StoredArray] = {}
        self._by_array: dict[int, StoredArray] = {}

    def _save_global_by_name(self, obj: _Global) -> None:
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode())
        self.memoize(obj)

    def _save_dtype(self, obj: _dtype.dtype) -> None:
        self.save(_Global("torch", obj.name))

    dispatch[_Global] = _save_global_by_name
    dispatch[_dtype.dtype] = _save_dtype

    def persistent_id(self, obj: Any) -> tuple | None:
        if isinstance(obj, StoredArray):
            storage = _Global("torch", _STORAGE_NAMES[_dtype.from_jax(obj.array.dtype).name])
            return ("storage", storage, obj.key, obj.location, int(obj.array.size))
        return None

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, Parameter):
            rebuild = _Global("torch._utils", "_rebuild_parameter")
            return rebuild, (Tensor._wrap(obj._data), obj.requires_grad, collections.OrderedDict())
        if isinstance(obj, _VariableTensor):  # a buffer, inside a whole module
            rebuild = _Global(__name__, "_rebuild_buffer")
            kind = type(obj).__name__
            return rebuild, (Tensor._wrap(obj._data), kind, obj.get_metadata("persistent", True))
        if isinstance(obj, (jax.Array, np.ndarray)):  # arrays are saved as tensors
            return self.reducer_override(Tensor._wrap(jnp.asarray(obj)))
        if isinstance(obj, Tensor):
            arr = obj._data
            if isinstance(arr, jax.core.Tracer):
                raise RuntimeError("cannot save a tensor inside torchlike.compile (a traced value)")
            if arr.dtype.name in _BITS_ONLY:  # e.g. a random key: kept as its bytes
                as_bytes = Tensor._wrap(jax.lax.bitcast_convert_type(arr, jnp.uint8))
                return _Global(__name__, "_rebuild_from_bytes"), (as_bytes, arr.dtype.name)
            rebuild = _Global("torch._utils", "_rebuild_tensor_v2")
            storage = self._storage(arr, str(obj.device))
            stride = _contiguous_strides(arr.shape)
            hooks = collections.OrderedDict()
            return rebuild, (storage, 0, tuple(arr.shape), stride, obj.requires_grad, hooks)
        if isinstance(obj, Size):
            return _Global("torch", "Size"), (tuple(obj),)
        if isinstance(obj, device):
            return _Global("torch", "device"), (str(obj),)
        return NotImplemented

    def _storage(self, arr, location: str) -> StoredArray:
        stored = self._by_array.get(id(arr))
        if stored is None:  # tensors sharing one array share one storage
            stored = StoredArray(str(len(self.storages)), arr, location)
            self.storages[stored.key] = stored
            self._by_array[id(arr)] = stored
        return stored


def _contiguous_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    strides, acc = [], 1
    for s in reversed(shape):
        strides.append(acc)
        acc *= max(s, 1)
    return tuple(reversed(strides))


# -- reading ---------------------------------------------------------------------------------------


class LoadedStorage:
    """A storage read back: a flat numpy array (zip) or a shaped jax array (Orbax)."""

    def __init__(self, array, dtype: _dtype.dtype, target) -> None:
        self.array, self.dtype, self.target = array, dtype, target

    def view(self, offset: int, size: tuple[int, ...], stride: tuple[int, ...]) -> jax.Array:
        """The tensor at ``offset`` with ``size``/``stride`` (elements), bounds-checked."""
        valid = all(_is_int(v) and v >= 0 for v in (offset, *size, *stride))
        if not valid or len(size) != len(stride):
            raise pickle.UnpicklingError(
                f"invalid tensor layout in file: offset {offset!r}, size {size!r}, "
                f"stride {stride!r}"
            )
        arr = self.array
        contiguous = stride == _contiguous_strides(size)
        if offset == 0 and size == tuple(arr.shape) and contiguous:
            return _place(arr, self.target)  # Orbax: the array as restored (and sharded)
        if 0 in size:
            return _place(np.zeros(size, self.dtype.np), self.target)
        numel = math.prod(arr.shape)
        last = offset + sum((n - 1) * s for n, s in zip(size, stride))
        if last >= numel:
            raise pickle.UnpicklingError(
                f"invalid tensor layout in file: it reaches element {last} of a storage of {numel}"
            )
        flat = np.asarray(arr).reshape(-1)
        if contiguous:  # no copy before the one to the device
            return _place(flat[offset : offset + math.prod(size)].reshape(size), self.target)
        item = flat.dtype.itemsize
        view = np.lib.stride_tricks.as_strided(
            flat[offset:], size, tuple(s * item for s in stride), writeable=False
        )
        return _place(np.ascontiguousarray(view), self.target)


def _place(arr, target) -> jax.Array:
    return jax.device_put(arr, target) if target is not None else jnp.asarray(arr)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _rebuild_tensor_v2(
    storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None, metadata=None
) -> Tensor:
    if not isinstance(storage, LoadedStorage):
        raise pickle.UnpicklingError("a tensor in the file does not refer to a storage")
    t = Tensor._wrap(storage.view(storage_offset, tuple(size), tuple(stride)))
    if requires_grad and t.is_floating_point():
        t.requires_grad = True
    return t


def _rebuild_from_bytes(data, dtype_name: str) -> Tensor:
    """A tensor of a dtype PyTorch's files have no storage for (``uint32`` random keys)."""
    if dtype_name not in _BITS_ONLY or not isinstance(data, Tensor):
        raise pickle.UnpicklingError(f"invalid raw tensor in file ({dtype_name!r})")
    return Tensor._wrap(jax.lax.bitcast_convert_type(data._data, jnp.dtype(dtype_name)))


def _rebuild_parameter(data, requires_grad, backward_hooks, state=None):
    return Parameter(data, bool(requires_grad))


def _rebuild_buffer(data, kind: str, persistent: bool):
    if kind not in ("Buffer", "RunningStat"):
        raise pickle.UnpicklingError(f"unknown buffer kind in file: {kind!r}")
    return getattr(parameter, kind)(data, bool(persistent))


def _rebuild_from_type_v2(func, new_type, args, state):
    """Tensor subclasses: only plain tensors (and Parameters) are admitted."""
    if new_type not in (_TENSOR_MARK, _rebuild_parameter):
        raise pickle.UnpicklingError("tensor subclasses are not supported")
    return func(*args)


class _StorageType:
    """What ``torch.FloatStorage`` & co. resolve to: just the dtype of the storage's bytes."""

    def __init__(self, dtype: _dtype.dtype) -> None:
        self.dtype = dtype


_TENSOR_MARK = object()


def _encode(text: str, encoding: str = "latin1") -> bytes:
    """``_codecs.encode``, which protocol-2 pickles use for bytes; latin1 only."""
    if not isinstance(text, str) or encoding != "latin1":
        raise pickle.UnpicklingError("_codecs.encode is admitted only for bytes (latin1)")
    return text.encode("latin1")


def _builtin_globals() -> dict[str, Any]:
    allowed: dict[str, Any] = {
        "collections.OrderedDict": collections.OrderedDict,
        "torch._utils._rebuild_tensor_v2": _rebuild_tensor_v2,
        "torch._utils._rebuild_parameter": _rebuild_parameter,
        "torch._utils._rebuild_parameter_with_state": _rebuild_parameter,
        "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
        "torch.Tensor": _TENSOR_MARK,
        "torch.nn.parameter.Parameter": _rebuild_parameter,
        "torch.Size": Size,
        "torch.device": device,
        "_codecs.encode": _encode,
        "builtins.set": set,
        "builtins.frozenset": frozenset,
        "builtins.bytearray": bytearray,
        "builtins.complex": complex,
        f"{__name__}._rebuild_buffer": _rebuild_buffer,
        f"{__name__}._rebuild_from_bytes": _rebuild_from_bytes,
        # What a pickled torchlike Module holds besides its layers: inert records.
        "torchlike.nn.modules.module._Hooks": modules.module._Hooks,
        "flax.nnx.pytreelib.PytreeState": nnx.pytreelib.PytreeState,
        "flax.nnx.tracers.TraceState": nnx.tracers.TraceState,
        "flax.typing.HashableMapping": flax.typing.HashableMapping,
    }
    for dt in _dtype._ALL:
        allowed[f"torch.{dt.name}"] = dt
        allowed[f"torch.{_STORAGE_NAMES[dt.name]}"] = _StorageType(dt)
    # torchlike's own layers (our code, no side effects when rebuilt): every Module subclass
    # defined in torchlike.nn.modules. A user's own classes must be added with add_safe_globals.
    for cls in vars(modules).values():
        if isinstance(cls, type) and issubclass(cls, modules.Module):
            allowed[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return allowed


_BUILTIN = _builtin_globals()
_user_globals: list[Any] = []


def _name_of(entry: Any) -> tuple[str, Any]:
    if isinstance(entry, tuple):  # (obj, "module.name"), as torch allows
        obj, name = entry
        return name, obj
    return f"{entry.__module__}.{entry.__qualname__}", entry


def add_safe_globals(safe_globals: list[Any]) -> None:
    """Allow these classes/functions in files that ``torchlike.load`` reads (all formats).

    As ``torch.serialization.add_safe_globals``: an entry is the object, or ``(object, name)``
    for an object saved under another name. Only add what you trust: an allowed class is
    constructed (and its state set) from the file's data.
    """
    for entry in safe_globals:
        _name_of(entry)  # fail early on a malformed entry
        if entry not in _user_globals:
            _user_globals.append(entry)


def get_safe_globals() -> list[Any]:
    """The user's allow-list (``add_safe_globals``), not the built-in entries."""
    return list(_user_globals)


def clear_safe_globals() -> None:
    _user_globals.clear()


@contextlib.contextmanager
def safe_globals(safe_globals: list[Any]) -> Iterator[None]:
    """Allow these globals inside the ``with`` block only (``torch.serialization.safe_globals``)."""
    before = list(_user_globals)
    add_safe_globals(safe_globals)
    try:
        yield
    finally:
        _user_globals[:] = before


# ``torchlike.load(weights_only=False)``: whole models of the user's own ``nn.Module`` classes load.
user_modules: contextvars.ContextVar[bool] = contextvars.ContextVar("user_modules", default=False)


def _module_class(module: str, name: str) -> type | None:
    """The class ``module.name`` when it is an ``nn.Module`` subclass (imported as PyTorch's
    unpickler would), else None: a model pickled whole is rebuilt from its class and its state,
    without calling any other function the file names."""
    try:
        obj = importlib.import_module(module)
        for part in name.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError):
        return None
    return obj if isinstance(obj, type) and issubclass(obj, modules.Module) else None


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickle with globals from the allow-list only; storages come from ``load_storage``.

    ``load_storage(key, dtype, location, numel)`` returns a ``LoadedStorage``.
    """

    def __init__(self, file, load_storage: Callable[..., LoadedStorage]) -> None:
        super().__init__(file)
        self._load_storage = load_storage
        self._loaded: dict[str, LoadedStorage] = {}

    def find_class(self, module: str, name: str) -> Any:
        # Protocol 2 pickles from Python 3 may name Python 2's modules (``__builtin__.set``).
        module, name = _compat_pickle.NAME_MAPPING.get((module, name), (module, name))
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        full = f"{module}.{name}"
        if full in _BUILTIN:
            return _BUILTIN[full]
        for entry in _user_globals:
            entry_name, obj = _name_of(entry)
            if entry_name == full:
                return obj
        if user_modules.get():
            cls = _module_class(module, name)
            if cls is not None:
                return cls
        raise pickle.UnpicklingError(
            f"Weights only load failed: unsupported global: GLOBAL {full} was not an allowed "
            "global. torchlike.load never runs code from a file; if you trust this file and the "
            f"class, allow it with torchlike.serialization.add_safe_globals([{name}]) or the "
            f"torchlike.serialization.safe_globals([{name}]) context manager."
        )

    def persistent_load(self, pid: Any) -> LoadedStorage:
        if not (
            isinstance(pid, tuple)
            and len(pid) == 5
            and pid[0] == "storage"
            and isinstance(pid[1], _StorageType)
            and isinstance(pid[2], str)
            and _is_int(pid[4])
        ):
            raise pickle.UnpicklingError(f"unsupported persistent id in file: {pid!r}")
        _, storage_type, key, location, numel = pid
        if key not in self._loaded:
            self._loaded[key] = self._load_storage(key, storage_type.dtype, str(location), numel)
        return self._loaded[key]
