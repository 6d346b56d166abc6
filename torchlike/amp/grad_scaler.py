"""``torch.amp.GradScaler``: dynamic loss scaling for float16 training.

Kept from PyTorch: ``scale`` multiplies the loss by the current scale; ``unscale_`` divides the
optimizer's gradients by it and records whether any is inf/NaN; ``step`` skips the update when one
was found; ``update`` halves the scale after an overflow (``backoff_factor``) and doubles it after
``growth_interval`` clean steps (``growth_factor``); the call-order errors and ``state_dict`` keys.

Inside ``torchlike.compile`` nothing is read back to the host: the skip is a select between the
updated and the previous parameters and optimizer state, and the scale lives in the scaler as
state the compiled step threads through (so the scaler must be reachable from the compiled
function: an argument, a global or a closure variable). Eagerly, as in PyTorch, a skipped step
does not call ``optimizer.step()`` at all.
"""

from __future__ import annotations

import warnings
from typing import Any

import jax
import jax.numpy as jnp
from flax import nnx

from .._tensor import Tensor
from .._trace_state import CompileParticipant

_READY, _UNSCALED, _STEPPED = 0, 1, 2
# The stacklevel of the line that made the scaler, seen from ``__init__``: nnx.Pytree's metaclass
# calls ``__init__`` through three frames of its own.
_USER_FRAME = 5


class _ScalerState(nnx.Variable):
    """The scale and the growth tracker: arrays a compiled step reads and writes."""


class GradScaler(nnx.Pytree, CompileParticipant):
    def __init__(
        self,
        device: str = "cuda",
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ) -> None:
        if device == "cuda" and enabled:
            from .. import cuda

            if not cuda.is_available():
                warnings.warn(
                    "torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.",
                    stacklevel=_USER_FRAME,
                )
                enabled = False
        if growth_factor <= 1.0:
            raise AssertionError("The growth factor must be > 1.0.")
        if backoff_factor >= 1.0:
            raise AssertionError("The backoff factor must be < 1.0.")
        self._device = device
        self._enabled = enabled
        self._init_scale = float(init_scale)
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = int(growth_interval)
        self._scale = _ScalerState(jnp.asarray(init_scale, jnp.float32))
        self._growth_tracker = _ScalerState(jnp.asarray(0, jnp.int32))
        self._per_optimizer = nnx.static({})  # id(optimizer) -> [stage, found_inf array]

    # -- the four calls of a training step ----------------------------------------------------
    def scale(self, outputs):
        """``outputs * scale`` (tensors, or lists/tuples of them)."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, Tensor):
            factor = Tensor._wrap(self._scale.get_raw_value().astype(outputs._data.dtype))
            return outputs * factor
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        raise ValueError("outputs must be a Tensor or an iterable of Tensors")

    def unscale_(self, optimizer) -> None:
        """Divide the optimizer's gradients by the scale, in place, and note inf/NaN."""
        if not self._enabled:
            return
        entry = self._per_optimizer.setdefault(id(optimizer), [_READY, None])
        if entry[0] == _UNSCALED:
            raise RuntimeError(
                "unscale_() has already been called on this optimizer since the last update()."
            )
        if entry[0] == _STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        inv = 1.0 / self._scale.get_raw_value().astype(jnp.float64)
        found = jnp.zeros((), jnp.bool_)
        for p in optimizer._params:
            g = p.grad
            if g is None:
                continue
            data = (g._data * inv.astype(g._data.dtype)).astype(g._data.dtype)
            found = found | ~jnp.all(jnp.isfinite(data))
            g._data = data
        entry[0], entry[1] = _UNSCALED, found

    def step(self, optimizer, *args, **kwargs):
        """``optimizer.step()`` unless the gradients held inf/NaN; unscales first if needed."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        entry = self._per_optimizer.setdefault(id(optimizer), [_READY, None])
        if entry[0] == _STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if entry[0] == _READY:
            self.unscale_(optimizer)
        found = entry[1]
        entry[0] = _STEPPED
        if not isinstance(found, jax.core.Tracer):  # eagerly: skip the call, as PyTorch does
            return None if bool(found) else optimizer.step(*args, **kwargs)
        return _step_unless(found, optimizer, args, kwargs)

    def update(self, new_scale=None) -> None:
        """Back off after an overflow, grow after ``growth_interval`` clean steps."""
        if not self._enabled:
            return
        if new_scale is not None:
            value = new_scale._data if isinstance(new_scale, Tensor) else new_scale
            self._scale.set_raw_value(jnp.asarray(value, jnp.float32))
        else:
            founds = [e[1] for e in self._per_optimizer.values() if e[1] is not None]
            if not founds:
                raise AssertionError("No inf checks were recorded prior to update.")
            found = founds[0]
            for f in founds[1:]:
                found = found | f
            scale, tracker = self._scale.get_raw_value(), self._growth_tracker.get_raw_value()
            grown = tracker + 1
            grow = grown >= self._growth_interval
            new_scale_ = jnp.where(
                found,
                scale * self._backoff_factor,
                jnp.where(grow, scale * self._growth_factor, scale),
            ).astype(jnp.float32)
            new_tracker = jnp.where(found | grow, 0, grown).astype(jnp.int32)
            self._set(self._scale, new_scale_)
            self._set(self._growth_tracker, new_tracker)
        self._per_optimizer.clear()

    # -- queries and state ------------------------------------------------------------------------
    def _set(self, var, value) -> None:
        object.__setattr__(var, "_raw_value", value)

    def get_scale(self) -> float:
        return float(self._scale.get_raw_value()) if self._enabled else 1.0

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        self._growth_factor = float(new_factor)

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        self._backoff_factor = float(new_factor)

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        self._growth_interval = int(new_interval)

    def is_enabled(self) -> bool:
        return self._enabled

    def state_dict(self) -> dict[str, Any]:
        if not self._enabled:
            return {}
        return {
            "scale": self.get_scale(),
            "growth_factor": self._growth_factor,
            "backoff_factor": self._backoff_factor,
            "growth_interval": self._growth_interval,
            "_growth_tracker": int(self._growth_tracker.get_raw_value()),
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError(
                "The source state dict is empty, possibly because it was saved "
                "from a disabled instance of GradScaler."
            )
        self._set(self._scale, jnp.asarray(state_dict["scale"], jnp.float32))
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._set(self._growth_tracker, jnp.asarray(state_dict["_growth_tracker"], jnp.int32))

    def _compile_static(self) -> tuple:
        """What a compiled step bakes in: the factors and interval (the scale is an input)."""
        return (self._enabled, self._growth_factor, self._backoff_factor, self._growth_interval)


def _step_unless(found, optimizer, args, kwargs):
    """Inside a trace: take the step, then keep the old values wherever ``found`` is set."""
    params = list(optimizer._params)
    states = [v for s in optimizer._states for v in s]
    before_p = [p._data for p in params]
    before_s = [v.get_raw_value() for v in states]
    out = optimizer.step(*args, **kwargs)
    for p, old in zip(params, before_p):
        if p._data is not old:
            p._data = jnp.where(found, old, p._data)
    for v, old in zip(states, before_s):
        new = v.get_raw_value()
        if new is not old:
            object.__setattr__(v, "_raw_value", jnp.where(found, old, new))

    return out
