"""Process-wide switches with PyTorch's names: threads, determinism, matmul precision, dtype info.

``set_float32_matmul_precision`` maps onto JAX's ``jax_default_matmul_precision``: ``'highest'``
(PyTorch's default, and torchlike's: float32 matmuls and convolutions in full float32, as PyTorch
computes them), ``'high'`` (TF32 where the hardware has it) and ``'medium'`` (bfloat16 passes).
It is a JAX-wide setting, so it also applies to other JAX code in the process. On CPU all three
compute in float32.
"""

from __future__ import annotations

import os
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from . import _dtype


def _run_cpu_programs_inline() -> None:
    """Run CPU programs on the calling thread, as PyTorch runs its CPU kernels.

    JAX's CPU client dispatches every program to a worker thread by default, so Python can queue
    the next op while one runs. Eager PyTorch code runs many small ops back to back, and for those
    the hand-off costs more than it overlaps: an ``nn.Linear(16, 16)`` forward and backward takes
    ~70 µs inline against ~110 µs dispatched (``benchmarks/bench_eager.py``), while a compiled
    training step is the same either way (``benchmarks/bench_train_step.py``). Work that spans
    several devices stays asynchronous (JAX applies the switch to single-device programs only).

    The switch is JAX's ``jax_cpu_enable_async_dispatch``, read when the CPU client starts: it
    takes effect only if torchlike is imported before anything in the process has used a JAX
    device, and it then applies to other JAX code in the process too. ``TORCHLIKE_CPU_ASYNC=1``
    keeps JAX's default.
    """
    if os.environ.get("TORCHLIKE_CPU_ASYNC", "0") not in ("", "0"):
        return
    from jax._src import xla_bridge

    if not xla_bridge._backends:  # the CPU client has not started yet
        jax.config.update("jax_cpu_enable_async_dispatch", False)


_run_cpu_programs_inline()

_PRECISION = {"highest": "highest", "high": "tensorfloat32", "medium": "bfloat16"}
_state = {"matmul": "highest", "threads": None, "deterministic": False, "warn_only": False}


def set_float32_matmul_precision(precision: str) -> None:
    if precision not in _PRECISION:
        raise RuntimeError(
            f"Invalid precision {precision!r}: expected one of 'highest', 'high', 'medium'"
        )
    _state["matmul"] = precision
    jax.config.update("jax_default_matmul_precision", _PRECISION[precision])


def get_float32_matmul_precision() -> str:
    return _state["matmul"]


def set_num_threads(n: int) -> None:
    """Recorded only: XLA sizes its CPU thread pool when it starts (set ``XLA_FLAGS`` for that)."""
    if int(n) <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    _state["threads"] = int(n)


def get_num_threads() -> int:
    return _state["threads"] or len(os.sched_getaffinity(0))


def set_num_interop_threads(n: int) -> None:
    set_num_threads(n)


def get_num_interop_threads() -> int:
    return get_num_threads()


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Recorded; XLA on CPU is deterministic, and on GPU set ``--xla_gpu_deterministic_ops``."""
    _state["deterministic"], _state["warn_only"] = bool(mode), bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    return _state["deterministic"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    return _state["warn_only"]


class finfo:
    """``torch.finfo``: machine limits of a floating dtype (default: the default dtype)."""

    def __init__(self, type=None) -> None:  # noqa: A002
        dt = _dtype.get_default_dtype() if type is None else _dtype.as_dtype(type)
        if not (dt.is_floating_point or dt.is_complex):
            raise TypeError(f"torch.finfo() requires a floating point input type, got {dt}")
        info = jax.numpy.finfo(dt.np)
        self.dtype = str(dt).removeprefix("torch.")
        self.bits = int(info.bits)
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.tiny)
        self.resolution = 10.0 ** -int(info.precision)

    def __repr__(self) -> str:
        return (
            f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
            f"eps={self.eps:g}, smallest_normal={self.tiny:g}, tiny={self.tiny:g}, "
            f"dtype={self.dtype})"
        )


class iinfo:
    """``torch.iinfo``: limits of an integer dtype."""

    def __init__(self, type) -> None:  # noqa: A002
        dt = _dtype.as_dtype(type)
        if dt.is_floating_point or dt.is_complex or dt is _dtype.bool_:
            raise TypeError(f"torch.iinfo() requires an integer input type, got {dt}")
        info = np.iinfo(dt.np)
        self.dtype = str(dt).removeprefix("torch.")
        self.bits, self.max, self.min = int(info.bits), int(info.max), int(info.min)

    def __repr__(self) -> str:
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"


set_float32_matmul_precision("highest")


_WARN_ALWAYS = [False]


def set_warn_always(b: bool) -> None:
    """Accepted (torchlike's warnings follow Python's ``warnings`` filters either way)."""
    _WARN_ALWAYS[0] = bool(b)


def is_warn_always_enabled() -> bool:
    return _WARN_ALWAYS[0]


def set_flush_denormal(mode: bool) -> bool:
    """Accepted; returns False as PyTorch does where the CPU flag is not supported (XLA decides
    denormal handling per backend)."""
    return False


def is_inference_mode_enabled() -> bool:
    from .autograd import grad_mode

    return bool(getattr(grad_mode, "is_inference_mode_enabled", lambda: False)())


def get_default_device():
    """The device new tensors are created on (JAX's default device)."""
    from ._device import of_array

    return of_array(jnp.zeros(()))


def set_default_device(device) -> None:
    """Create new tensors on ``device`` (``'cpu'``, ``'cuda'``...): sets JAX's default device;
    ``None`` restores JAX's own choice."""
    from ._device import device as _device

    jax.config.update(
        "jax_default_device", None if device is None else _device(device).jax_device()
    )


def set_default_tensor_type(t) -> None:
    """Deprecated in PyTorch (and warned about the same way): sets the default float dtype from
    ``torch.FloatTensor`` / ``torch.DoubleTensor`` (or their names)."""
    warnings.warn(
        "torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
        "torch.set_default_dtype() and torch.set_default_device() as alternatives.",
        UserWarning,
        stacklevel=2,
    )
    name = t if isinstance(t, str) else getattr(t, "__name__", None)
    dt = getattr(t, "_dtype", None)
    if dt is None:
        names = {
            "torch.FloatTensor": _dtype.float32,
            "torch.DoubleTensor": _dtype.float64,
            "FloatTensor": _dtype.float32,
            "DoubleTensor": _dtype.float64,
        }
        if name not in names:
            raise TypeError(f"invalid type: '{t}'")
        dt = names[name]
    if dt not in (_dtype.float32, _dtype.float64):
        raise TypeError("only floating-point types are supported as the default type")
    _dtype.set_default_dtype(dt)
