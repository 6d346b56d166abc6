"""Image transforms as in ``torchvision.transforms`` (the tensor forms).

torchlike has no PIL dependency: datasets give images as ``uint8`` tensors (H×W or H×W×C, as
PIL's array view), which ``ToTensor`` turns into float C×H×W in [0, 1] just as it does for a PIL
image.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import jax.numpy as jnp
import numpy as np

from .._tensor import Tensor


class Compose:
    """Apply transforms in order."""

    def __init__(self, transforms: Sequence[Callable]) -> None:
        self.transforms = list(transforms)

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        body = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}({body}\n)"


class ToTensor:
    """uint8 H×W[×C] image (tensor or ndarray) to float32 C×H×W scaled to [0, 1]."""

    def __call__(self, pic) -> Tensor:
        arr = pic._data if isinstance(pic, Tensor) else jnp.asarray(np.asarray(pic))
        if arr.ndim == 2:
            arr = arr[:, :, None]
        out = jnp.transpose(arr, (2, 0, 1)).astype(jnp.float32)
        if arr.dtype == jnp.uint8:
            out = out / 255.0
        return Tensor._wrap(out)

    def __repr__(self) -> str:
        return "ToTensor()"


class Normalize:
    """``(x - mean) / std`` per channel of a C×H×W (or N×C×H×W) tensor."""

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> None:
        self.mean = list(mean)
        self.std = list(std)
        if any(s == 0 for s in self.std):
            raise ValueError(
                f"std evaluated to zero after conversion to {jnp.float32}, leading "
                "to division by zero."
            )

    def __call__(self, tensor: Tensor) -> Tensor:
        x = tensor._data
        shape = (-1, 1, 1)
        mean = jnp.asarray(self.mean, x.dtype).reshape(shape)
        std = jnp.asarray(self.std, x.dtype).reshape(shape)
        return Tensor._wrap((x - mean) / std)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"
