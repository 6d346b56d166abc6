"""Host data into device arrays, and array copies, without compiling a program per shape.

``jnp.array(ndarray)``, ``jnp.asarray(ndarray)`` and ``jnp.array(jax_array, copy=True)`` look free,
but outside a trace JAX (0.10) runs them as a one-primitive program (``stage``, ``copy``)
that is jit-compiled for every new shape and dtype: a script that makes tensors of many
shapes (``torch.tensor`` of each line of a corpus, ``deepcopy`` of a model, ``from_numpy`` of
varied arrays) pays a compilation for each. ``jax.device_put`` of a private NumPy copy, or
``jax.device_put(x, may_alias=False)`` of a JAX array, makes the same fresh array with a plain
transfer (on CPU, a copy), whatever the shape. Inside a trace
(``torchlike.compile``, ``jax.jit``) the usual ``jnp`` functions are used: there they compile
nothing of their own; so they are with jit disabled, as in a forked ``DataLoader`` worker, whose
NumPy evaluation of JAX (``utils/data/_utils/host.py``) sees primitives, not ``device_put``'s
transfer to an XLA client that does not survive a fork.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

_Tracer = jax.core.Tracer


def from_host(value: Any) -> jax.Array:
    """``value`` (a NumPy array or scalar, a JAX array) as a JAX array that shares no memory
    with a NumPy array the caller may still change: ``jnp.asarray``'s result, uncompiled."""
    if jax.config.jax_disable_jit:  # forked DataLoader workers: JAX's calls run on NumPy there
        return jnp.array(value, copy=True)
    if isinstance(value, (np.ndarray, np.generic)):
        # A private copy, handed over: the transfer may read it after this returns (and on CPU
        # the array may keep it as its buffer), so the caller's array must not be the source.
        return jax.device_put(np.array(value, copy=True))
    if isinstance(value, (jax.Array, _Tracer)):
        return value
    return jnp.asarray(value)


def copy(x: jax.Array) -> jax.Array:
    """A new buffer holding ``x``'s values (``jnp.array(x, copy=True)``), uncompiled."""
    if isinstance(x, _Tracer) or jax.config.jax_disable_jit:
        return jnp.array(x, copy=True)
    return jax.device_put(x, may_alias=False)
