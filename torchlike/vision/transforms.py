"""Image transforms as ``torchvision.transforms`` (v1): PIL images in, PIL images out; tensors
(``(..., C, H, W)``) in, tensors out.

PIL images go through the same PIL calls torchvision makes (crop, transpose, resize, rotate,
``ImageEnhance``), so their results are torchvision's bit for bit. Tensors are processed with NumPy
on the host: flips, crops, padding, ``Normalize``, ``Grayscale`` and ``ColorJitter`` follow
torchvision's tensor formulas; ``Resize``, ``RandomResizedCrop`` and ``RandomRotation`` on tensors
resample each channel with PIL (float mode), which is close to, but not bit-exact with,
torchvision's ``interpolate``/``grid_sample`` (resampling kernels and rounding differ).

Random parameters are drawn as torchvision draws them (same distributions, same order), from a
host-side NumPy stream that is derived from torchlike's global generator: ``torch.manual_seed(s)``
makes every run draw the same crops and flips, and each ``DataLoader`` worker gets its own stream
(workers are seeded as in PyTorch). The numbers differ from PyTorch's, whose generator is a
different algorithm. ``RandomChoice`` draws from this stream too (torchvision uses ``random``).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np
from PIL import Image, ImageEnhance, ImageOps

from .. import _arrays
from .. import random as _random
from .._dtype import as_dtype
from .._tensor import Tensor

InterpolationMode = Image.Resampling  # NEAREST, BILINEAR, BICUBIC, ... (PIL's own codes)

_rng_cache: list = [None, None]  # (the global generator's key after our draw, the stream)


def _rng() -> np.random.Generator:
    """The transforms' random stream; re-derived whenever the global generator was reseeded or
    drew since (one key split), else reused (no device work per sample)."""
    gen = _random.default_generator
    if _rng_cache[0] is not gen._key:
        bits = np.asarray(jax.random.key_data(gen.next_key())).tolist()
        _rng_cache[1] = np.random.default_rng(bits)
        _rng_cache[0] = gen._key
    return _rng_cache[1]


def _randint(low: int, high: int) -> int:
    return int(_rng().integers(low, high))


def _uniform(low: float, high: float) -> float:
    return float(_rng().uniform(low, high))


def _rand() -> float:
    return float(_rng().random())


# -- image helpers ----------------------------------------------------------------------------


def _is_pil(img) -> bool:
    return isinstance(img, Image.Image)


def _check_image(img) -> None:
    if not (_is_pil(img) or isinstance(img, Tensor)):
        raise TypeError(f"img should be PIL Image or Tensor. Got {type(img)}")


def get_image_size(img) -> list[int]:
    """``[width, height]`` of a PIL image or a ``(..., C, H, W)`` tensor."""
    _check_image(img)
    return list(img.size) if _is_pil(img) else [img.shape[-1], img.shape[-2]]


def _np(img: Tensor) -> np.ndarray:
    return np.asarray(img._data)


def _wrap(arr: np.ndarray) -> Tensor:
    return Tensor._wrap(_arrays.from_host(arr))


def _setup_size(size, name: str = "size") -> tuple[int, int]:
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, Sequence) and len(size) == 1:
        return int(size[0]), int(size[0])
    if len(size) != 2:
        raise ValueError(f"Please provide only two dimensions (h, w) for {name}.")
    return int(size[0]), int(size[1])


def _pil_fill(fill, img: Image.Image):
    """A fill value as PIL wants it: one number per band (PIL reads a single int as a packed
    color on multi-band images; torchvision repeats it over the bands)."""
    if fill is None:
        return None
    bands = len(img.getbands())
    if isinstance(fill, numbers.Number):
        return fill if bands == 1 else tuple([fill] * bands)
    fill = tuple(fill)
    return fill * bands if len(fill) == 1 else fill


def crop(img, top: int, left: int, height: int, width: int):
    """The ``height``×``width`` region at ``(top, left)``, zero-padded where it leaves the image."""
    if _is_pil(img):
        return img.crop((left, top, left + width, top + height))
    arr = _np(img)
    h, w = arr.shape[-2:]
    pads = [max(-left, 0), max(-top, 0), max(left + width - w, 0), max(top + height - h, 0)]
    if any(pads):
        arr = _np(pad(img, pads))
        top, left = top + pads[1], left + pads[0]
    return _wrap(arr[..., top : top + height, left : left + width])


def pad(img, padding, fill=0, padding_mode: str = "constant"):
    """Pad by ``padding`` (one int, ``(left/right, top/bottom)`` or ``(l, t, r, b)``)."""
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    if isinstance(padding, numbers.Number):
        padding = [int(padding)] * 4
    padding = list(padding)
    if len(padding) == 1:
        padding = padding * 4
    elif len(padding) == 2:
        padding = padding * 2
    elif len(padding) != 4:
        raise ValueError(
            f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} "
            "element tuple"
        )
    left, top, right, bottom = padding
    if _is_pil(img) and padding_mode == "constant" and img.mode != "P":
        return ImageOps.expand(img, border=(left, top, right, bottom), fill=_pil_fill(fill, img))
    arr = np.asarray(img) if _is_pil(img) else _np(img)
    spatial = ((top, bottom), (left, right))
    if _is_pil(img):
        width = (*spatial, (0, 0)) if arr.ndim == 3 else spatial
    else:
        width = ((0, 0),) * (arr.ndim - 2) + spatial
    if padding_mode == "constant":
        out = np.pad(arr, width, constant_values=fill)
    else:
        out = np.pad(arr, width, mode=padding_mode)
    if not _is_pil(img):
        return _wrap(out)
    result = Image.fromarray(out)
    if img.mode == "P":
        result.putpalette(img.getpalette())
    return result


def hflip(img):
    if _is_pil(img):
        return img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return _wrap(np.ascontiguousarray(_np(img)[..., ::-1]))


def vflip(img):
    if _is_pil(img):
        return img.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    return _wrap(np.ascontiguousarray(_np(img)[..., ::-1, :]))


def _per_channel(img: Tensor, fn: Callable[[Image.Image], Image.Image]) -> Tensor:
    """Apply a PIL operation to each channel of a tensor as a float ('F') image."""
    arr = _np(img)
    lead = arr.shape[:-2]
    planes = arr.reshape(-1, *arr.shape[-2:]).astype(np.float32)
    out = np.stack([np.asarray(fn(Image.fromarray(p))) for p in planes])
    out = out.reshape(*lead, *out.shape[-2:])
    if np.issubdtype(arr.dtype, np.integer):
        info = np.iinfo(arr.dtype)
        out = np.clip(np.round(out), info.min, info.max)
    return _wrap(out.astype(arr.dtype))


def _resized_size(h: int, w: int, size, max_size) -> tuple[int, int]:
    if isinstance(size, Sequence) and len(size) == 2:
        return int(size[0]), int(size[1])
    requested = size[0] if isinstance(size, Sequence) else size
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = requested, int(requested * long / short)
    if max_size is not None:
        if max_size <= requested:
            raise ValueError(
                f"max_size = {max_size} must be strictly greater than the requested size for "
                f"the smaller edge size = {size}"
            )
        if new_long > max_size:
            new_short, new_long = int(max_size * new_short / new_long), max_size
    return (new_long, new_short) if w <= h else (new_short, new_long)


def resize(img, size, interpolation=Image.Resampling.BILINEAR, max_size=None, antialias=True):
    """Resize to ``(h, w)``, or the smaller edge to ``size`` keeping the aspect ratio."""
    w, h = get_image_size(img)
    out_h, out_w = _resized_size(h, w, size, max_size)
    if (out_h, out_w) == (h, w):
        return img
    if _is_pil(img):
        return img.resize((out_w, out_h), interpolation)
    return _per_channel(img, lambda p: p.resize((out_w, out_h), interpolation))


def center_crop(img, output_size):
    th, tw = _setup_size(output_size)
    w, h = get_image_size(img)
    if tw > w or th > h:
        img = pad(
            img,
            [
                (tw - w) // 2 if tw > w else 0,
                (th - h) // 2 if th > h else 0,
                (tw - w + 1) // 2 if tw > w else 0,
                (th - h + 1) // 2 if th > h else 0,
            ],
        )
        w, h = get_image_size(img)
        if (tw, th) == (w, h):
            return img
    return crop(img, int(round((h - th) / 2.0)), int(round((w - tw) / 2.0)), th, tw)


def rotate(
    img, angle: float, interpolation=Image.Resampling.NEAREST, expand=False, center=None, fill=0
):
    """Rotate counter-clockwise by ``angle`` degrees (PIL's ``Image.rotate``)."""
    if _is_pil(img):
        return img.rotate(angle, interpolation, expand, center, fillcolor=_pil_fill(fill, img))
    return _per_channel(
        img, lambda p: p.rotate(angle, interpolation, expand, center, fillcolor=fill)
    )


def _gray(arr: np.ndarray) -> np.ndarray:
    r, g, b = (arr[..., i, :, :].astype(np.float32) for i in range(3))
    return (0.2989 * r + 0.587 * g + 0.114 * b)[..., None, :, :]


def _blend(a: np.ndarray, b: np.ndarray, ratio: float) -> np.ndarray:
    bound = 1.0 if np.issubdtype(a.dtype, np.floating) else 255.0
    return np.clip(ratio * a + (1.0 - ratio) * b, 0, bound).astype(a.dtype)


def _rgb_to_hsv(rgb: np.ndarray) -> np.ndarray:
    r, g, b = rgb[..., 0, :, :], rgb[..., 1, :, :], rgb[..., 2, :, :]
    maxc, minc = rgb.max(-3), rgb.min(-3)
    cr = maxc - minc
    eq = maxc == minc
    s = cr / np.where(eq, 1.0, maxc)
    crd = np.where(eq, 1.0, cr)
    rc, gc, bc = (maxc - r) / crd, (maxc - g) / crd, (maxc - b) / crd
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = np.fmod((hr + hg + hb) / 6.0 + 1.0, 1.0)
    return np.stack([h, s, maxc], -3)


def _hsv_to_rgb(hsv: np.ndarray) -> np.ndarray:
    h, s, v = hsv[..., 0, :, :], hsv[..., 1, :, :], hsv[..., 2, :, :]
    i = np.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.astype(np.int32) % 6
    p = np.clip(v * (1.0 - s), 0.0, 1.0)
    q = np.clip(v * (1.0 - s * f), 0.0, 1.0)
    t = np.clip(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    sectors = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]
    masks = [i == k for k in range(6)]
    return np.stack([np.select(masks, [c[ch] for c in sectors]) for ch in range(3)], -3)


def adjust_brightness(img, factor: float):
    if _is_pil(img):
        return ImageEnhance.Brightness(img).enhance(factor)
    arr = _np(img)
    return _wrap(_blend(arr, np.zeros_like(arr), factor))


def adjust_contrast(img, factor: float):
    if _is_pil(img):
        return ImageEnhance.Contrast(img).enhance(factor)
    arr = _np(img)
    gray = _gray(arr) if arr.shape[-3] == 3 else arr.astype(np.float32)
    if not np.issubdtype(arr.dtype, np.floating):
        gray = np.floor(gray).astype(arr.dtype)
    mean = gray.astype(np.float32).mean(axis=(-3, -2, -1), keepdims=True)
    return _wrap(_blend(arr, mean, factor))


def adjust_saturation(img, factor: float):
    if _is_pil(img):
        return ImageEnhance.Color(img).enhance(factor)
    arr = _np(img)
    if arr.shape[-3] == 1:
        return img
    gray = _gray(arr)
    if not np.issubdtype(arr.dtype, np.floating):
        gray = np.floor(gray).astype(arr.dtype)
    return _wrap(_blend(arr, gray, factor))


def adjust_hue(img, hue_factor: float):
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    if _is_pil(img):
        if img.mode in ("L", "1", "I", "F"):
            return img
        h, s, v = img.convert("HSV").split()
        np_h = np.array(h, dtype=np.uint8)
        with np.errstate(over="ignore"):
            np_h += np.array(hue_factor * 255).astype(np.uint8)
        h = Image.fromarray(np_h, "L")
        return Image.merge("HSV", (h, s, v)).convert(img.mode)
    arr = _np(img)
    if arr.shape[-3] == 1:
        return img
    x = arr.astype(np.float32) / (1.0 if np.issubdtype(arr.dtype, np.floating) else 255.0)
    hsv = _rgb_to_hsv(x)
    hsv[..., 0, :, :] = np.fmod(hsv[..., 0, :, :] + hue_factor, 1.0)
    rgb = _hsv_to_rgb(hsv)
    if not np.issubdtype(arr.dtype, np.floating):
        rgb = rgb * 255.0
    return _wrap(rgb.astype(arr.dtype))


def rgb_to_grayscale(img, num_output_channels: int = 1):
    if _is_pil(img):
        gray = img.convert("L")
        if num_output_channels == 3:
            g = np.asarray(gray)
            return Image.fromarray(np.dstack([g, g, g]), "RGB")
        return gray
    arr = _np(img)
    gray = _gray(arr) if arr.shape[-3] == 3 else arr
    gray = gray.astype(arr.dtype)
    if num_output_channels == 3:
        gray = np.concatenate([gray] * 3, axis=-3)
    return _wrap(gray)


# -- transform classes ----------------------------------------------------------------------


def _split_to_tensor(transform) -> tuple[list, list] | None:
    """``(head, normalizes)`` when ``transform`` is ``Compose([*head, ToTensor(), *normalizes])``
    (or ``ToTensor()`` alone) with only ``Normalize`` after ``ToTensor``; otherwise ``None``."""
    ts = transform.transforms if isinstance(transform, Compose) else [transform]
    for k, t in enumerate(ts):
        if type(t) is ToTensor:
            rest = ts[k + 1 :]
            return (ts[:k], rest) if all(type(n) is Normalize for n in rest) else None
    return None


def _to_tensor_batch(
    arrays: np.ndarray, normalizes: Sequence[Normalize], channels_first: bool = False
) -> Tensor:
    """``ToTensor`` then ``normalizes`` on N stacked ``H×W[×C]`` images at once: elementwise the
    same operations as image by image, so the same numbers, with one transfer. With
    ``channels_first`` the input is already a float ``(..., C, H, W)`` tensor's array.

    The arithmetic runs in NumPy, whose float32 division is IEEE-exact like PyTorch's, so
    ``Normalize`` gives PyTorch's numbers bit for bit (XLA's CPU division can differ by 1 ulp).
    """
    if channels_first:
        x = arrays
    else:
        if arrays.ndim == 3:
            arrays = arrays[..., None]
        if arrays.dtype == np.bool_:  # PIL mode "1"
            arrays = arrays.astype(np.uint8) * 255
        x = arrays.transpose(0, 3, 1, 2)
        if x.dtype == np.uint8:
            x = x.astype(np.float32) / np.float32(255)
        else:
            x = np.ascontiguousarray(x)
    if normalizes and not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"Input tensor should be a float tensor. Got {x.dtype}.")
    for n in normalizes:
        x = (x - np.asarray(n.mean, x.dtype).reshape(-1, 1, 1)) / np.asarray(
            n.std, x.dtype
        ).reshape(-1, 1, 1)
    return _wrap(x)


class Compose:
    """Apply ``transforms`` in order."""

    def __init__(self, transforms: Sequence[Callable]) -> None:
        self.transforms = list(transforms)

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self) -> str:
        body = "".join(f"\n    {t}" for t in self.transforms)
        return f"{type(self).__name__}({body}\n)"


class _Transform:
    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({args})"


class ToTensor(_Transform):
    """PIL image or ``H×W[×C]`` ndarray to a ``C×H×W`` tensor; ``uint8`` becomes float32 in
    [0, 1], other dtypes keep their values (torchvision's rule)."""

    def __call__(self, pic) -> Tensor:
        if _is_pil(pic):
            arr = np.array(pic, dtype=np.uint8) * 255 if pic.mode == "1" else np.asarray(pic)
        elif isinstance(pic, np.ndarray):
            if pic.ndim not in (2, 3):
                raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
            arr = pic
        else:
            raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
        if arr.ndim == 2:
            arr = arr[:, :, None]
        arr = arr.transpose(2, 0, 1)
        if arr.dtype == np.uint8:
            return _wrap(arr.astype(np.float32) / np.float32(255))
        return _wrap(np.ascontiguousarray(arr))


class PILToTensor(_Transform):
    """PIL image to a ``C×H×W`` tensor of its own dtype, values unchanged."""

    def __call__(self, pic) -> Tensor:
        if not _is_pil(pic):
            raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
        arr = np.asarray(pic)
        if arr.ndim == 2:
            arr = arr[:, :, None]
        return _wrap(np.ascontiguousarray(arr.transpose(2, 0, 1)))


class ConvertImageDtype(_Transform):
    """Convert a tensor image's dtype, rescaling values (ints span their range, floats [0, 1])."""

    def __init__(self, dtype) -> None:
        self.dtype = dtype

    def __call__(self, image: Tensor) -> Tensor:
        arr = _np(image)
        out_dt = as_dtype(self.dtype).np
        if arr.dtype == out_dt:
            return image
        src_float = np.issubdtype(arr.dtype, np.floating)
        dst_float = np.issubdtype(out_dt, np.floating)
        if src_float and dst_float:
            return _wrap(arr.astype(out_dt))
        if src_float:
            if (arr.dtype, out_dt) in (
                (np.float32, np.int32),
                (np.float32, np.int64),
                (np.float64, np.int64),
            ):
                raise RuntimeError(
                    f"The cast from {arr.dtype} to {out_dt} cannot be performed safely."
                )
            eps = 1e-3
            top = float(np.iinfo(out_dt).max)
            return _wrap((arr * (top + 1.0 - eps)).astype(out_dt))
        src_max = float(np.iinfo(arr.dtype).max)
        if dst_float:
            return _wrap((arr.astype(out_dt) / out_dt.type(src_max)).astype(out_dt))
        dst_max = float(np.iinfo(out_dt).max)
        if src_max > dst_max:
            factor = int((src_max + 1) // (dst_max + 1))
            return _wrap((arr // factor).astype(out_dt))
        factor = int((dst_max + 1) // (src_max + 1))
        return _wrap(arr.astype(out_dt) * factor)


class Normalize(_Transform):
    """``(x - mean) / std`` per channel of a float ``(..., C, H, W)`` tensor."""

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> None:
        self.mean = list(mean)
        self.std = list(std)
        self.inplace = inplace
        if any(s == 0 for s in self.std):
            raise ValueError(
                "std evaluated to zero after conversion to torch.float32, leading to division "
                "by zero."
            )

    def __call__(self, tensor: Tensor) -> Tensor:
        if not isinstance(tensor, Tensor):
            raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
        x = tensor._data
        if not jnp.issubdtype(x.dtype, jnp.floating):
            raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
        if isinstance(x, jax.core.Tracer):  # inside a compiled function: XLA's arithmetic
            mean = jnp.asarray(self.mean, x.dtype).reshape(-1, 1, 1)
            std = jnp.asarray(self.std, x.dtype).reshape(-1, 1, 1)
            return Tensor._wrap((x - mean) / std)
        return _to_tensor_batch(np.asarray(x), [self], channels_first=True)


class Resize(_Transform):
    """Resize to ``size`` (``(h, w)``, or an int for the smaller edge)."""

    def __init__(
        self, size, interpolation=Image.Resampling.BILINEAR, max_size=None, antialias=True
    ) -> None:
        self.size = size
        self.interpolation = interpolation
        self.max_size = max_size
        self.antialias = antialias

    def __call__(self, img):
        return resize(img, self.size, self.interpolation, self.max_size, self.antialias)


class CenterCrop(_Transform):
    """The central ``size`` region (zero-padded when the image is smaller)."""

    def __init__(self, size) -> None:
        self.size = _setup_size(size)

    def __call__(self, img):
        return center_crop(img, self.size)


class Pad(_Transform):
    """Pad the borders (``padding_mode``: constant, edge, reflect or symmetric)."""

    def __init__(self, padding, fill=0, padding_mode: str = "constant") -> None:
        self.padding = padding
        self.fill = fill
        self.padding_mode = padding_mode

    def __call__(self, img):
        return pad(img, self.padding, self.fill, self.padding_mode)


class Lambda(_Transform):
    """A user function as a transform."""

    def __init__(self, lambd: Callable) -> None:
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)


class RandomCrop(_Transform):
    """A random ``size`` crop, after optional ``padding`` (and padding up to ``size`` when
    ``pad_if_needed``)."""

    def __init__(
        self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant"
    ) -> None:
        self.size = _setup_size(size)
        self.padding = padding
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode

    @staticmethod
    def get_params(img, output_size) -> tuple[int, int, int, int]:
        w, h = get_image_size(img)
        th, tw = output_size
        if h < th or w < tw:
            raise ValueError(
                f"Required crop size {(th, tw)} is larger than input image size {(h, w)}"
            )
        if w == tw and h == th:
            return 0, 0, h, w
        return _randint(0, h - th + 1), _randint(0, w - tw + 1), th, tw

    def __call__(self, img):
        if self.padding is not None:
            img = pad(img, self.padding, self.fill, self.padding_mode)
        w, h = get_image_size(img)
        th, tw = self.size
        if self.pad_if_needed and w < tw:
            img = pad(img, [tw - w, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and h < th:
            img = pad(img, [0, th - h], self.fill, self.padding_mode)
        return crop(img, *self.get_params(img, self.size))


class RandomHorizontalFlip(_Transform):
    """Flip left-right with probability ``p``."""

    def __init__(self, p: float = 0.5) -> None:
        self.p = p

    def __call__(self, img):
        return hflip(img) if _rand() < self.p else img


class RandomVerticalFlip(_Transform):
    """Flip top-bottom with probability ``p``."""

    def __init__(self, p: float = 0.5) -> None:
        self.p = p

    def __call__(self, img):
        return vflip(img) if _rand() < self.p else img


class RandomResizedCrop(_Transform):
    """A random crop of random area (``scale``) and aspect ratio (``ratio``), resized to
    ``size``; after 10 failed draws, the largest central crop within ``ratio``."""

    def __init__(
        self,
        size,
        scale=(0.08, 1.0),
        ratio=(3.0 / 4.0, 4.0 / 3.0),
        interpolation=Image.Resampling.BILINEAR,
        antialias=True,
    ) -> None:
        self.size = _setup_size(size)
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            raise ValueError("Scale and ratio should be of kind (min, max)")
        self.scale = scale
        self.ratio = ratio
        self.interpolation = interpolation
        self.antialias = antialias

    @staticmethod
    def get_params(img, scale, ratio) -> tuple[int, int, int, int]:
        width, height = get_image_size(img)
        area = height * width
        log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
        for _ in range(10):
            target_area = area * _uniform(scale[0], scale[1])
            aspect = math.exp(_uniform(*log_ratio))
            w = int(round(math.sqrt(target_area * aspect)))
            h = int(round(math.sqrt(target_area / aspect)))
            if 0 < w <= width and 0 < h <= height:
                return _randint(0, height - h + 1), _randint(0, width - w + 1), h, w
        in_ratio = width / height
        if in_ratio < min(ratio):
            w, h = width, int(round(width / min(ratio)))
        elif in_ratio > max(ratio):
            h, w = height, int(round(height * max(ratio)))
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def __call__(self, img):
        i, j, h, w = self.get_params(img, self.scale, self.ratio)
        return resize(crop(img, i, j, h, w), list(self.size), self.interpolation)


class RandomRotation(_Transform):
    """Rotate by an angle drawn uniformly from ``degrees`` (``d`` means ``(-d, d)``)."""

    def __init__(
        self, degrees, interpolation=Image.Resampling.NEAREST, expand=False, center=None, fill=0
    ) -> None:
        if isinstance(degrees, numbers.Number):
            if degrees < 0:
                raise ValueError("If degrees is a single number, it must be positive.")
            degrees = (-degrees, degrees)
        self.degrees = [float(d) for d in degrees]
        self.interpolation = interpolation
        self.expand = expand
        self.center = center
        self.fill = fill

    @staticmethod
    def get_params(degrees) -> float:
        return _uniform(degrees[0], degrees[1])

    def __call__(self, img):
        angle = self.get_params(self.degrees)
        return rotate(img, angle, self.interpolation, self.expand, self.center, self.fill)


class ColorJitter(_Transform):
    """Random brightness, contrast, saturation and hue changes, applied in a random order."""

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0) -> None:
        self.brightness = self._check(brightness, "brightness")
        self.contrast = self._check(contrast, "contrast")
        self.saturation = self._check(saturation, "saturation")
        self.hue = self._check(hue, "hue", center=0, bound=(-0.5, 0.5), clip_first=False)

    @staticmethod
    def _check(value, name, center=1.0, bound=(0, float("inf")), clip_first=True):
        if isinstance(value, numbers.Number):
            if value < 0:
                raise ValueError(f"If {name} is a single number, it must be non negative.")
            value = [center - float(value), center + float(value)]
            if clip_first:
                value[0] = max(value[0], 0.0)
        elif not (isinstance(value, Sequence) and len(value) == 2):
            raise TypeError(f"{name} should be a single number or a list/tuple with length 2.")
        if not bound[0] <= value[0] <= value[1] <= bound[1]:
            raise ValueError(f"{name} values should be between {bound}, but got {value}.")
        return None if value[0] == value[1] == center else (float(value[0]), float(value[1]))

    @staticmethod
    def get_params(brightness, contrast, saturation, hue):
        order = _rng().permutation(4).tolist()
        draw = [
            None if r is None else _uniform(r[0], r[1])
            for r in (brightness, contrast, saturation, hue)
        ]
        return (order, *draw)

    def __call__(self, img):
        order, b, c, s, h = self.get_params(
            self.brightness, self.contrast, self.saturation, self.hue
        )
        ops = [
            (adjust_brightness, b),
            (adjust_contrast, c),
            (adjust_saturation, s),
            (adjust_hue, h),
        ]
        for k in order:
            fn, factor = ops[k]
            if factor is not None:
                img = fn(img, factor)
        return img


class Grayscale(_Transform):
    """To grayscale (ITU-R 601-2 luma), with 1 or 3 output channels."""

    def __init__(self, num_output_channels: int = 1) -> None:
        self.num_output_channels = num_output_channels

    def __call__(self, img):
        return rgb_to_grayscale(img, self.num_output_channels)


class RandomApply(_Transform):
    """Apply all of ``transforms`` with probability ``p``."""

    def __init__(self, transforms: Sequence[Callable], p: float = 0.5) -> None:
        self.transforms = transforms
        self.p = p

    def __call__(self, img):
        if self.p < _rand():
            return img
        for t in self.transforms:
            img = t(img)
        return img


class RandomChoice(_Transform):
    """Apply one of ``transforms``, picked with weights ``p`` (uniform by default)."""

    def __init__(self, transforms: Sequence[Callable], p: Sequence[float] | None = None) -> None:
        if p is not None and len(p) != len(transforms):
            raise ValueError(
                f"Length of p doesn't match the number of transforms: {len(p)} != {len(transforms)}"
            )
        self.transforms = transforms
        self.p = p

    def __call__(self, img):
        weights = np.ones(len(self.transforms)) if self.p is None else np.asarray(self.p, float)
        k = int(_rng().choice(len(self.transforms), p=weights / weights.sum()))
        return self.transforms[k](img)
