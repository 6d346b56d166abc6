"""``torch.autocast``: run chosen ops in lower precision inside a region.

Kept from PyTorch: the context manager / decorator forms, ``device_type`` and ``dtype`` (defaults
float16 for ``'cuda'``, bfloat16 for ``'cpu'``), ``enabled``, nesting, and the op lists' intent:
matmuls, linear layers and convolutions run in the autocast dtype; softmax, log-softmax, norms and
losses run in float32; every other op runs in the widest dtype among its inputs. Asking for
``'cuda'`` where JAX has no GPU warns and disables autocast, as PyTorch does.

Where it differs: one region covers every device (JAX places by array, not by stream), and there
is no weight cast cache (inside ``torchlike.compile`` XLA removes repeated casts anyway).
"""

from __future__ import annotations

import functools
import threading
import warnings
from collections.abc import Callable
from typing import Any

import jax.numpy as jnp

from .. import _dtype

_state = threading.local()
_DEFAULT_DTYPE = {"cuda": "float16", "cpu": "bfloat16", "xla": "bfloat16"}

# Op functions (the pure functions passed to ``apply``) and their autocast policy:
# "lower" casts floating inputs to the autocast dtype; "fp32" computes in (and returns) float32;
# "fp32_cuda" does so only in a 'cuda' region (PyTorch's CPU list keeps softmax and the norms in
# the input dtype). The table is in ``_policies.py``.
_POLICY: dict[Callable, str] = {}
_POLICIES = ("lower", "fp32", "fp32_cuda")


def register(fn: Callable, policy: str) -> Callable:
    """Give an op function an autocast policy (``'lower'``, ``'fp32'`` or ``'fp32_cuda'``)."""
    if policy not in _POLICIES:
        raise ValueError(f"unknown autocast policy {policy!r}")
    _POLICY[fn] = policy
    return fn


def _current():
    return getattr(_state, "stack", None)


def _active():
    """``(device_type, dtype)`` of the region in force, or None."""
    stack = _current()
    return stack[-1] if stack else None


def active_dtype() -> Any:
    """The autocast dtype in force (None outside an enabled region)."""
    region = _active()
    return None if region is None else region[1]


def cast_call(fn: Callable, args: tuple, static: dict) -> tuple[tuple, dict]:
    """``args`` (and a ``dtype`` option) as ``fn``'s policy asks inside an autocast region."""
    policy = _POLICY.get(fn)
    region = _active()
    if policy is None or region is None:
        return args, static
    device_type, target = region
    if policy == "fp32_cuda" and device_type != "cuda":
        return args, static
    from .._ops.pointwise import _cast
    from .._tensor import Tensor

    want = target if policy == "lower" else _dtype.float32
    args = tuple(
        _cast(a, want) if isinstance(a, Tensor) and a.dtype.is_floating_point else a for a in args
    )
    if policy != "lower" and "dtype" in static:  # the op's own result dtype: float32 too
        dt = static["dtype"]
        if dt is not None and jnp.issubdtype(dt, jnp.floating) and jnp.finfo(dt).bits < 32:
            static = {**static, "dtype": _dtype.float32.np}
    return args, static


def is_autocast_enabled(device_type: str | None = None) -> bool:
    region = _active()
    return region is not None and (device_type is None or region[0] == device_type)


def get_autocast_dtype(device_type: str = "cuda") -> _dtype.dtype:
    region = _active()
    if region is not None and region[0] == device_type:
        return region[1]
    return getattr(_dtype, _DEFAULT_DTYPE.get(device_type, "bfloat16"))


class autocast:
    """``with torch.autocast(device_type='cpu', dtype=torch.bfloat16): ...`` (or a decorator)."""

    def __init__(
        self,
        device_type: str,
        dtype=None,
        enabled: bool = True,
        cache_enabled: bool | None = None,
    ) -> None:
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.device = device_type
        self.fast_dtype = _dtype.as_dtype(
            dtype
            if dtype is not None
            else getattr(_dtype, _DEFAULT_DTYPE.get(device_type, "bfloat16"))
        )
        self._enabled = bool(enabled)
        if device_type == "cuda" and enabled:
            from .. import cuda

            if not cuda.is_available():
                warnings.warn(
                    "User provided device_type of 'cuda', but CUDA is not available. Disabling",
                    stacklevel=2,
                )
                self._enabled = False
        if self._enabled and self.fast_dtype not in (
            _dtype.float16,
            _dtype.bfloat16,
            _dtype.float32,
        ):
            raise RuntimeError(
                f"In {device_type} autocast, but the target dtype is not supported. Disabling "
                f"autocast. {device_type} Autocast only supports dtypes of torch.float16, "
                "torch.bfloat16 and torch.float32 currently."
            )

    def __enter__(self) -> autocast:
        from ._policies import install

        install()
        stack = _current()
        if stack is None:
            stack = _state.stack = []
        # A disabled region inside an enabled one turns autocast off until it ends.
        self._pushed = self._enabled or bool(stack)
        if self._pushed:
            stack.append((self.device, self.fast_dtype) if self._enabled else None)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._pushed:
            _state.stack.pop()

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with autocast(self.device, self.fast_dtype, self._enabled):
                return fn(*args, **kwargs)

        return wrapper


class _DeprecatedAutocast(autocast):
    """``torch.cpu.amp.autocast`` and ``torch.cuda.amp.autocast``: PyTorch's deprecated spellings
    of ``autocast(device_type)``, for the ``device_type`` a subclass names."""

    _device_type: str

    def __init__(self, enabled: bool = True, dtype=None, cache_enabled: bool = True) -> None:
        device = self._device_type
        warnings.warn(
            f"`torch.{device}.amp.autocast(args...)` is deprecated. Please use "
            f"`torch.amp.autocast('{device}', args...)` instead.",
            FutureWarning,
            stacklevel=2,
        )
        super().__init__(device, dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)
