"""``torch.device`` on JAX devices, ``torch.cuda`` and ``torch.accelerator`` queries.

PyTorch's ``'cuda'`` means JAX's GPU platform; ``'cpu'`` means JAX's CPU platform. TPUs appear as
``'xla'`` (as in PyTorch/XLA). A tensor lives where its ``jax.Array`` lives.
"""

from __future__ import annotations

import functools

import jax

_PLATFORM = {"cpu": "cpu", "cuda": "gpu", "xla": "tpu", "mps": "mps", "meta": "meta"}


class device:
    """``torch.device('cpu')``, ``torch.device('cuda', 0)``, ``torch.device('cuda:1')``."""

    __slots__ = ("type", "index")

    def __init__(self, type: str | device, index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index
        elif isinstance(type, int):
            type, index = "cuda", type
        elif ":" in type:
            type, idx = type.split(":", 1)
            index = int(idx)
        if type not in _PLATFORM:
            raise RuntimeError(
                "Expected one of cpu, cuda, xla, mps, meta device type at start of device "
                "string: " + type
            )
        self.type = type
        self.index = index

    def __repr__(self) -> str:
        idx = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{idx})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def jax_device(self) -> jax.Device:
        """The JAX device this names; a clear RuntimeError when there is none."""
        devs = _devices(_PLATFORM[self.type])
        if not devs:
            if self.type == "cuda":
                raise RuntimeError(
                    "Found no NVIDIA driver on your system: torch.cuda.is_available() is False "
                    "(JAX sees no GPU). Keep tensors on 'cpu', or install jax[cuda] on a machine "
                    "with a GPU."
                )
            if self.type == "mps":
                raise RuntimeError(
                    "torchlike has no 'mps' backend: torch.backends.mps.is_available() is False. "
                    "Use 'cpu' (JAX's Metal plugin is not supported)."
                )
            raise RuntimeError(f"no {self.type} device is available to JAX")
        idx = self.index or 0
        if idx >= len(devs):
            raise RuntimeError(
                f"CUDA error: invalid device ordinal (asked for {self}, {len(devs)} available)"
            )
        return devs[idx]


@functools.cache
def _devices(platform: str) -> list:
    # This process's devices: with several processes (torch.distributed), 'cuda:0' and 'cpu'
    # name each process's own device, as in PyTorch.
    try:
        return jax.local_devices(backend=platform)
    except RuntimeError:
        return []


def of_array(arr) -> device:
    """The torchlike device of a ``jax.Array`` (the default device for tracers)."""
    try:
        d = next(iter(arr.devices()))
    except (AttributeError, jax.errors.ConcretizationTypeError, StopIteration):
        d = jax.devices()[0]
    if d.platform == "cpu":
        return device("cpu")
    return device("cuda" if d.platform == "gpu" else "xla", d.id)
