"""The object pickle of a saved file, in PyTorch's vocabulary, and its unpickler.

Writing: ``TensorPickler`` pickles any object (protocol 2, as ``torch.save`` does) and writes each
tensor as PyTorch does, ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)``
with the storage a persistent id ``('storage', torch.FloatStorage, key, location, numel)``. The
storages themselves are handed to the container (a zip record, an Orbax array), so one pickle
serves both formats, and real ``torch.load(weights_only=True)`` reads it. PyTorch's globals are
written by name (``_Global``): torch is never imported.

NumPy arrays and scalars are pickled as NumPy pickles them (as ``torch.save`` does), so they load
back as NumPy objects; JAX arrays are written as tensors.

Reading: ``FileUnpickler``. With ``weights_only=True`` (the default) it resolves a global only
through the allow-list of PyTorch's weights-only unpickler: tensor and storage rebuilders
(implemented here, on numpy), ``OrderedDict``, ``Counter``, dtypes, ``torch.Size``,
``torch.device``, bytes, sets and complex numbers, and what ``add_safe_globals`` added; any other
global is refused with PyTorch's ``UnpicklingError`` naming it, before anything is called. With
``weights_only=False`` it resolves globals as ``pickle`` does: like ``torch.load``, it then runs
whatever code the file names.
"""

from __future__ import annotations

import _compat_pickle
import collections
import contextlib
import contextvars
import math
import pickle
import pickletools
from collections.abc import Callable, Iterator
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype
from .._device import device
from .._tensor import Size, Tensor
from ..nn import parameter
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
        if isinstance(obj, _VariableTensor):  # a buffer: a plain tensor, as PyTorch's buffers
            # (a whole module notes its buffers' kinds in its own state: Module.__getstate__)
            return self.reducer_override(Tensor._wrap(obj._data))
        if isinstance(obj, jax.Array):  # JAX arrays are saved as tensors
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
    """The globals ``weights_only=True`` admits: those of PyTorch's weights-only unpickler
    (``torch/_weights_only_unpickler.py``) that torchlike can rebuild, and no more."""
    allowed: dict[str, Any] = {
        "collections.OrderedDict": collections.OrderedDict,
        "collections.Counter": collections.Counter,
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
        "builtins.bytearray": bytearray,
        "builtins.complex": complex,
        # torchlike's own tensors of dtypes PyTorch has no storage for (random keys)
        f"{__name__}._rebuild_from_bytes": _rebuild_from_bytes,
    }
    for dt in _dtype._ALL:
        allowed[f"torch.{dt.name}"] = dt
        allowed[f"torch.{_STORAGE_NAMES[dt.name]}"] = _StorageType(dt)
    return allowed


_BUILTIN = _builtin_globals()
# Never admitted with weights_only=True, even if allow-listed (as PyTorch's unpickler).
_BLOCKED_MODULES = ("sys", "os", "posix", "nt")
_user_globals: list[Any] = []


def _name_of(entry: Any) -> tuple[str, Any]:
    if isinstance(entry, tuple):  # (obj, "module.name"), as torch allows
        if len(entry) != 2:
            raise ValueError(
                "Expected tuple of length 2 (global, str of callable full path), but got tuple "
                f"of length: {len(entry)}"
            )
        obj, name = entry
        if type(name) is not str:
            raise TypeError(
                "Expected second item in tuple to be str of callable full path, but got: "
                f"{type(name)}"
            )
        return name, obj
    return f"{entry.__module__}.{entry.__qualname__}", entry


def add_safe_globals(safe_globals: list[Any]) -> None:
    """Allow these classes/functions in files that ``torchlike.load(weights_only=True)`` reads
    (all formats), as ``torch.serialization.add_safe_globals``.

    An entry is the object, or ``(object, "module.name")`` for an object saved under another
    name. NumPy arrays, for instance, need ``numpy._core.multiarray._reconstruct``,
    ``numpy.ndarray``, ``numpy.dtype`` and the array's dtype class (``numpy.dtypes.Float64DType``),
    exactly as with PyTorch. Only add what you trust: an allowed class is constructed (and its
    state set) from the file's data, an allowed function is called with the file's arguments.
    """
    for entry in safe_globals:
        _name_of(entry)  # fail early on a malformed entry
        if entry not in _user_globals:
            _user_globals.append(entry)


def get_safe_globals() -> list[Any]:
    """The user's allow-list (``add_safe_globals``), not the built-in entries."""
    return list(_user_globals)


def clear_safe_globals() -> None:
    """Empty the user's allow-list."""
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


def get_unsafe_globals_in_checkpoint(f: Any) -> list[str]:
    """The globals a ``torch.save`` zip file names that ``weights_only=True`` would refuse
    (``torch.serialization.get_unsafe_globals_in_checkpoint``); the file is only scanned."""
    import zipfile

    with zipfile.ZipFile(f) as zf:
        name = next((n for n in zf.namelist() if n.endswith("/data.pkl")), None)
        if name is None:
            raise RuntimeError("not a PyTorch file: the archive has no data.pkl")
        data = zf.read(name)
    user = dict(map(_name_of, _user_globals))
    names, strings = set(), []
    for op, arg, _ in pickletools.genops(data):
        if op.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE"):
            strings.append(arg)
        if op.name in ("GLOBAL", "STACK_GLOBAL"):
            module, name = arg.split(" ", 1) if op.name == "GLOBAL" else strings[-2:]
            module, name = _compat_pickle.NAME_MAPPING.get((module, name), (module, name))
            names.add(f"{_compat_pickle.IMPORT_MAPPING.get(module, module)}.{name}")
    return sorted(n for n in names if n not in _BUILTIN and n not in user)


# ``torchlike.load``'s mode: ``weights_only`` and the extra ``pickle.Unpickler`` arguments.
load_mode: contextvars.ContextVar[tuple[bool, dict[str, Any]]] = contextvars.ContextVar(
    "load_mode", default=(True, {})
)

UNSAFE_MESSAGE = (
    "torchlike.load defaults to `weights_only=True`, as torch.load does since PyTorch 2.6. "
    "Re-running `torch.load` with `weights_only` set to `False` will likely succeed, but it can "
    "result in arbitrary code execution. Do it only if you got the file from a trusted source."
)


def _refused(full: str) -> pickle.UnpicklingError:
    """PyTorch's error for a global outside the allow-list (builtins named without module)."""
    shown = full.removeprefix("builtins.")
    return pickle.UnpicklingError(
        "Weights only load failed. This file can still be loaded, to do so you have two options, "
        "do those steps only if you trust the source of the checkpoint. "
        f"\n\t(1) {UNSAFE_MESSAGE}\n\t(2) Alternatively, to load with `weights_only=True` please "
        "check the recommended steps in the following error message.\n\tWeightsUnpickler error: "
        f"Unsupported global: GLOBAL {shown} was not an allowed global by default. Please use "
        f"`torch.serialization.add_safe_globals([{shown}])` or the "
        f"`torch.serialization.safe_globals([{shown}])` context manager to allowlist this global "
        "if you trust this class/function."
    )


class FileUnpickler(pickle.Unpickler):
    """Unpickle a saved object; storages come from ``load_storage``.

    ``load_storage(key, dtype, location, numel)`` returns a ``LoadedStorage``. With
    ``weights_only`` (``load_mode``), globals resolve from the allow-list only; without it, as
    ``pickle`` resolves them (the user opted in, as with PyTorch), except that PyTorch's tensor
    vocabulary maps to torchlike's, and a PyTorch class pickled whole by PyTorch is refused:
    torchlike's counterpart keeps different state.
    """

    def __init__(self, file, load_storage: Callable[..., LoadedStorage]) -> None:
        self._weights_only, options = load_mode.get()
        super().__init__(file, **options)
        self._load_storage = load_storage
        self._loaded: dict[str, LoadedStorage] = {}

    def find_class(self, module: str, name: str) -> Any:
        # Protocol 2 pickles from Python 3 may name Python 2's modules (``__builtin__.set``).
        module, name = _compat_pickle.NAME_MAPPING.get((module, name), (module, name))
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        full = f"{module}.{name}"
        if self._weights_only and module in _BLOCKED_MODULES:
            raise pickle.UnpicklingError(
                "Weights only load failed. Trying to load unsupported GLOBAL "
                f"{full} whose module {module} is blocked."
            )
        if full in _BUILTIN:
            return _BUILTIN[full]
        for entry in _user_globals:
            entry_name, obj = _name_of(entry)
            if entry_name == full:
                return obj
        if self._weights_only:
            raise _refused(full)
        if module.partition(".")[0] in ("torch", "torchvision"):
            raise pickle.UnpicklingError(
                f"{full} was pickled whole by PyTorch; torchlike's counterpart keeps different "
                "state and cannot take it. Save and load its state_dict() instead."
            )
        return super().find_class(module, name)

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
