"""``torchlike.save`` / ``torchlike.load``: Orbax checkpoints, and PyTorch and safetensors files.

Three formats, one object model. Whatever is saved (state dicts, nested dicts/lists/tuples of
tensors, numbers and strings, whole modules) is pickled in PyTorch's own vocabulary with the
arrays kept out of the pickle; the format decides where the arrays go:

* ``"torch"`` (the default): PyTorch's zip file, which real ``torch.load(path,
  weights_only=True)`` reads.
* ``"orbax"`` (only when asked for, ``format="orbax"``): an Orbax checkpoint *directory*; arrays
  are TensorStore arrays (restorable sharded), writes are atomic (Orbax commits a temporary
  directory by renaming it).
* ``"safetensors"``: a flat ``{name: tensor}`` dict, nothing else.

``save`` picks the format from the path when ``format`` is not given: a path ending in
``.safetensors`` means ``"safetensors"``; any other path (``"model.pt"``, ``"last.ckpt"``,
``"weights"``) and any file object get ``"torch"``, a single file at exactly that path, as
``torch.save`` writes whatever the name. ``load`` recognises the format from the file itself.
Every format writes atomically: a file is written under a temporary name and renamed into place;
an existing Orbax directory is swapped with the new one in one ``renameat2`` call (Linux).

Loading is PyTorch's. With ``weights_only=True`` (the default, as in PyTorch since 2.6) pickles
are read by an unpickler that resolves globals only from PyTorch's weights-only allow-list
(tensors, storages, ``OrderedDict``, ``Counter``, dtypes, ``torch.Size``, ``torch.device``, plain
data) plus what ``add_safe_globals`` adds, and refuses anything else by name with PyTorch's
``UnpicklingError``, before anything is called; a refused file is never retried another way.
NumPy arrays, whole models and other objects need ``add_safe_globals`` (as in PyTorch) or
``weights_only=False``, which loads whatever ``pickle`` can, as ``torch.load`` does.

.. warning::
    As PyTorch's documentation says of ``torch.load``: unless ``weights_only`` is True, it uses
    the ``pickle`` module implicitly, which is known to be insecure. It is possible to construct
    malicious pickle data which will execute arbitrary code during unpickling. Never load data
    that could have come from an untrusted source in an unsafe mode, or that could have been
    tampered with. Only load data you trust.

The environment variables ``TORCH_FORCE_WEIGHTS_ONLY_LOAD=1`` (always ``weights_only=True``) and
``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1`` (``weights_only=False`` where the call does not set it, with
a warning) act as in PyTorch. A whole PyTorch object (a model, an optimizer) pickled by PyTorch
does not load: torchlike's classes keep different state; load its ``state_dict()``. PyTorch's
legacy (pre-1.6, non-zip) format is not read.
"""

from __future__ import annotations

import os
import pickle
import warnings
from typing import IO, Any

import jax

from .._device import device
from . import _orbax, _pickle, _safetensors, _torch_zip
from ._pickle import (
    UNSAFE_MESSAGE,
    add_safe_globals,
    clear_safe_globals,
    get_safe_globals,
    get_unsafe_globals_in_checkpoint,
    safe_globals,
)

__all__ = [
    "save",
    "load",
    "UNSAFE_MESSAGE",
    "add_safe_globals",
    "clear_safe_globals",
    "get_safe_globals",
    "get_unsafe_globals_in_checkpoint",
    "safe_globals",
]

_FORMATS = ("orbax", "torch", "safetensors")


def save(
    obj: Any,
    f: str | os.PathLike | IO[bytes],
    pickle_module: Any = None,
    pickle_protocol: int = 2,
    _use_new_zipfile_serialization: bool = True,
    _disable_byteorder_record: bool = False,
    *,
    format: str | None = None,  # noqa: A002
) -> None:
    """Save ``obj`` (``torch.save``); see the module docstring for the formats.

    Args:
        obj: a tensor, a state dict, nested dicts/lists/tuples of tensors, numbers and
            strings, or a whole module.
        f: a path, or a binary file object (then the torch format).
        format: ``"torch"``, ``"safetensors"`` or ``"orbax"`` (a directory); by default
            ``"safetensors"`` for a path ending in ``.safetensors``, else ``"torch"``.
        _disable_byteorder_record: accepted as PyTorch's, whose 2.13 archive writer records the
            byte order whatever this says; so does torchlike's.

    A path is written atomically in every format: a reader sees the old or the new content.
    ``pickle_module`` other than ``pickle`` itself and a protocol other than 2 are not supported
    (the pickle is PyTorch's).
    """
    if pickle_module not in (None, pickle) or pickle_protocol != 2:
        raise NotImplementedError(
            "torchlike.save writes PyTorch's zip format with pickle protocol 2 only"
        )
    if not _use_new_zipfile_serialization:
        raise NotImplementedError(
            "torchlike.save does not write PyTorch's legacy (pre-1.6) format; "
            "_use_new_zipfile_serialization=False asks for it"
        )
    fmt = format or _format_of(f)
    if fmt not in _FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(_FORMATS)}")
    if fmt == "torch":
        _torch_zip.save(obj, f)
    elif fmt == "safetensors":
        _safetensors.save(obj, f)
    elif isinstance(f, (str, os.PathLike)):
        _orbax.save(obj, f)
    else:
        raise ValueError("the orbax format writes a directory: pass a path")


def load(
    f: str | os.PathLike | IO[bytes],
    map_location: Any = None,
    pickle_module: Any = None,
    *,
    weights_only: bool | None = None,
    mmap: bool | None = None,
    **pickle_load_args: Any,
) -> Any:
    """Load what ``save`` (or ``torch.save``, or a safetensors writer) wrote (``torch.load``).

    Args:
        f: an Orbax checkpoint directory, a PyTorch zip file, a safetensors file, or a binary
            file object holding one of the latter two.
        map_location: where tensors go: ``None`` (where they were saved), a device (``'cpu'``,
            ``torchlike.device``, a ``jax.Device``), a ``jax.sharding.Sharding`` (Orbax restores
            each array with it), or a dict mapping saved locations to devices (``{'cuda:0':
            'cpu'}``).
        weights_only: ``True`` (the default, unless ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD`` is
            set) admits only PyTorch's weights-only allow-list and ``add_safe_globals``;
            ``False`` loads any pickled object and can run code from the file (see the warning
            in the module docstring).
        pickle_load_args: ``pickle.Unpickler`` arguments (``encoding``, ``errors``,
            ``fix_imports``), for ``weights_only=False`` as in PyTorch.

    Returns torchlike tensors, with dtypes, sharing between tensors and dict order preserved.
    """
    if pickle_module not in (None, pickle):
        raise NotImplementedError("torchlike.load reads with the pickle module only")
    if weights_only is None and pickle_module is not None:
        weights_only = False  # PyTorch's default with an explicit pickle_module
    weights_only = _weights_only(weights_only)
    if weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    if pickle_load_args and weights_only:
        warnings.warn("pickle_load_args only works if `weights_only=False`.", stacklevel=2)
    options = {} if weights_only else {"encoding": "utf-8", **pickle_load_args}
    where = _placement(map_location)
    token = _pickle.load_mode.set((weights_only, options))
    try:
        return _load(f, where)
    finally:
        _pickle.load_mode.reset(token)


def _weights_only(weights_only: bool | None) -> bool:
    """``weights_only`` after PyTorch's environment switches."""
    true_values = ("1", "y", "yes", "true")
    force = os.getenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "0").lower() in true_values
    force_no = os.getenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "0").lower() in true_values
    if force and force_no:
        raise RuntimeError(
            "Only one of `TORCH_FORCE_WEIGHTS_ONLY_LOAD` or `TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD` "
            "should be set, but both were set."
        )
    if force:
        return True
    if weights_only is None:
        if force_no:
            warnings.warn(
                "Environment variable TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD detected, since the"
                "`weights_only` argument was not explicitly passed to `torch.load`, forcing "
                "weights_only=False.",
                UserWarning,
                stacklevel=3,
            )
            return False
        return True
    return bool(weights_only)


def _load(f, where) -> Any:
    if isinstance(f, (str, os.PathLike)):
        if os.path.isdir(f):
            if not _orbax.is_checkpoint(f):
                raise RuntimeError(
                    f"{os.fspath(f)!r} is a directory but not a torchlike checkpoint"
                )
            return _orbax.load(f, where)
        with open(f, "rb") as fh:
            return _load_file(fh, where)
    return _load_file(f, where)


def _load_file(fh: IO[bytes], where) -> Any:
    start = fh.tell()
    head = fh.read(64)
    fh.seek(start)
    if head.startswith(b"PK\x03\x04"):
        return _torch_zip.load(fh, where)
    if _safetensors.is_safetensors(head):
        return _safetensors.load(fh, where)
    if head[:2] == b"\x80\x02":
        raise RuntimeError(
            "this is PyTorch's legacy (pre-1.6) file format, which torchlike does not read; "
            "re-save it with torch.save (the zip format is the default since PyTorch 1.6)"
        )
    raise RuntimeError("not a PyTorch, safetensors or torchlike checkpoint file")


def _format_of(f) -> str:
    if not isinstance(f, (str, os.PathLike)):
        return "torch"
    if os.fspath(f).lower().endswith(".safetensors"):
        return "safetensors"
    return "torch"


def _placement(map_location: Any):
    """``map_location`` as a function: saved location string -> jax Device or Sharding."""
    if callable(map_location):
        raise NotImplementedError(
            "a callable map_location is not supported; pass a device, a dict or a Sharding"
        )
    if isinstance(map_location, dict):
        table = {str(k): v for k, v in map_location.items()}
        return lambda location: _device_of(table.get(location, location))
    if map_location is None:
        return _device_of
    target = _device_of(map_location)
    return lambda location: target


def _device_of(where: Any):
    if isinstance(where, (jax.Device, jax.sharding.Sharding)):
        return where
    dev = device(where)
    try:
        return dev.jax_device()
    except RuntimeError as e:
        raise RuntimeError(
            f"Attempting to deserialize object on {dev}, which is not available: {e} "
            "Use torchlike.load with map_location='cpu' to map the storages to the CPU."
        ) from None
