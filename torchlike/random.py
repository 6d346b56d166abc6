"""``torch.manual_seed`` and ``torch.Generator`` over JAX's counter-based PRNG.

A generator holds one JAX key; every random op splits it and consumes the new subkey, so the
stream is deterministic for a seed. ``torchlike.compile`` threads the key of every generator in
and out of the compiled step as ordinary state, so a compiled step draws fresh numbers on every
call, and eager and compiled runs from the same seed draw the same numbers. The numbers
themselves differ from PyTorch's (different algorithms); only their distributions match.
"""

from __future__ import annotations

import jax
import numpy as np

from . import _trace_state

_DEFAULT_SEED = 67280421310721  # PyTorch's seed for a new ``torch.Generator()``


class Generator:
    """``torch.Generator(device='cpu')``: a seeded random stream; a new one starts from PyTorch's
    fixed default seed."""

    def __init__(self, device=None) -> None:
        self.device = device
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed: int) -> Generator:
        seed = int(seed)
        if not -(2**63) <= seed < 2**64:
            raise ValueError("Overflow when unpacking long long")
        self._seed = seed & 0xFFFFFFFFFFFFFFFF  # PyTorch's uint64 (-1 is 2**64 - 1)
        self._key_value = None  # made on first use, so importing torchlike starts no backend
        return self

    @property
    def _key(self) -> jax.Array:
        """The key's raw data (``uint32``), the state a compiled step threads through."""
        if self._key_value is None:
            # JAX takes an int64: the same 64 bits, read as signed
            seed = self._seed - 2**64 if self._seed >= 2**63 else self._seed
            self._key_value = jax.random.key_data(jax.random.key(seed))
        return self._key_value

    @_key.setter
    def _key(self, value) -> None:
        self._key_value = value

    def seed(self) -> int:
        """Seed from OS entropy, like PyTorch's ``Generator.seed()``; returns the seed."""
        s = int(np.random.SeedSequence().entropy) & 0xFFFFFFFFFFFFFFFF
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self):
        """The state as a ``uint8`` tensor (PyTorch's ByteTensor): the key's bytes."""
        from ._tensor import Tensor

        key = np.asarray(self._key, dtype=np.uint32)
        return Tensor._wrap(jax.numpy.asarray(key.view(np.uint8)))

    def set_state(self, state) -> Generator:
        data = np.asarray(getattr(state, "_data", state))
        if data.dtype == np.uint8:
            if data.size != 4 * np.asarray(self._key).size:
                raise RuntimeError(
                    f"RNG state is wrong size: expected {4 * np.asarray(self._key).size} "
                    f"bytes, got {data.size}"
                )
            data = data.view(np.uint32)
        self._key = jax.numpy.asarray(data, dtype=np.uint32)
        return self

    def next_key(self) -> jax.Array:
        """Advance the stream and return a fresh key (works on tracers inside compile)."""
        if _trace_state.active:  # a generator the compiled step did not know of yet: add it
            _trace_state.note_access(self, self._key)
        key = jax.random.wrap_key_data(self._key)
        new, sub = _split(key)
        self._key = jax.random.key_data(new)
        return sub


@jax.jit
def _split(key):
    new, sub = jax.random.split(key)
    return new, sub


# As in PyTorch, the default generator starts from OS entropy: each process draws different
# numbers until ``manual_seed`` (``initial_seed()`` says which seed it got).
default_generator = Generator()
default_generator.seed()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator (``torch.manual_seed``); returns it."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state) -> None:
    default_generator.set_state(state)


def next_key(generator: Generator | None = None) -> jax.Array:
    return (generator or default_generator).next_key()
