"""Vision functions: ``interpolate`` (and the ``upsample`` spellings), ``pixel_shuffle``/
``pixel_unshuffle``, ``channel_shuffle``, ``affine_grid`` and ``grid_sample``."""

from __future__ import annotations

import itertools
import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from ..._dispatch import apply
from ..._tensor import Tensor
from ._utils import _require_float, _shape
from .pooling import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d

# -- interpolate -----------------------------------------------------------------------------------


def _scale_value(scale, in_size: int, out_size: int, dtype):
    """PyTorch's ``compute_scales_value``: ``1 / scale_factor`` when one was given (and not
    recomputed), else ``in / out``; in ``dtype`` as the kernels compute it."""
    if scale is not None and scale > 0:
        return dtype(1.0 / scale)
    return dtype(in_size) / dtype(out_size)


def _source_index(scale, dst, align_corners: bool, cubic: bool):
    """PyTorch's ``area_pixel_compute_source_index``: the input coordinate of output ``dst``."""
    if align_corners:
        return scale * dst
    src = scale * (dst + scale.dtype.type(0.5)) - scale.dtype.type(0.5)
    return src if cubic else np.maximum(src, 0)


def _cubic_weights(t, a: float = -0.75):
    """Keys' cubic convolution weights of the four taps around ``t`` in ``[0, 1)``."""

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return np.stack([far(t + 1), near(t), near(1 - t), far(2 - t)], axis=-1)


def _taps(mode: str, in_size: int, out_size: int, align_corners, scale, dtype):
    """Per output position: the input indices it reads ``(out, k)`` and their weights (None
    for the nearest modes), computed with PyTorch's CPU kernels' index rules and precision."""
    dst = np.arange(out_size)
    if mode in ("nearest", "nearest-exact"):
        s = _scale_value(scale, in_size, out_size, np.float32)  # these kernels use float
        src = dst.astype(np.float32) * s if mode == "nearest" else ((dst + 0.5) * s)
        idx = np.minimum(np.floor(src.astype(np.float32)).astype(np.int64), in_size - 1)
        return idx[:, None], None
    t = np.float64 if dtype == np.float64 else np.float32  # PyTorch's opmath type
    if align_corners:
        s = t(in_size - 1) / t(out_size - 1) if out_size > 1 else t(0)
    else:
        s = _scale_value(scale, in_size, out_size, t)
    src = _source_index(s, dst.astype(t), align_corners, cubic=mode == "bicubic")
    # guard_index_and_lambda: the index is floored (and kept below in_size), the weight clamped
    base = np.minimum(np.floor(src).astype(np.int64), in_size - 1)
    lam = np.clip(src - base.astype(t), 0, 1).astype(t)
    if mode == "bicubic":
        idx = np.clip(base[:, None] + np.arange(-1, 3), 0, in_size - 1)
        return idx, _cubic_weights(lam).astype(t)
    if out_size == in_size:
        return dst[:, None], None
    nxt = base + (base < in_size - 1)
    return np.stack([base, nxt], -1), np.stack([1 - lam, lam], -1)


def _special_nearest(in_size: int, out_size: int, idx):
    """PyTorch's ``nearest_idx`` special cases: ``out == in`` is the identity and
    ``out == 2 * in`` is ``dst >> 1``, whatever the ``scale_factor`` says."""
    if out_size in (in_size, 2 * in_size):
        return (np.arange(out_size) * in_size // out_size)[:, None]
    return idx


def _resample(x, tables):
    """Along each trailing axis in turn, a weighted sum of gathered inputs (``tables``: per
    axis, indices ``(out, k)`` and weights ``(out, k)`` or None for one unweighted tap)."""
    n = len(tables)
    for i, (idx, w) in enumerate(tables):
        axis = x.ndim - n + i
        if w is None:
            x = jnp.take(x, idx[:, 0], axis=axis)
            continue
        shape = [1] * x.ndim
        shape[axis] = idx.shape[0]
        x = sum(
            jnp.take(x, idx[:, k], axis=axis) * w[:, k].reshape(shape).astype(x.dtype)
            for k in range(idx.shape[1])
        )
    return x


def _interpolate_fn(x, *, mode, out_size, align_corners, scales):
    """PyTorch's CPU kernels, including where their backward disagrees with their forward:
    nearest's backward (and 2-D nearest's forward) keeps the special cases of
    :func:`_special_nearest`, and bicubic's backward is the identity when ``out == in``."""
    spatial = x.shape[x.ndim - len(out_size) :]
    tables = [
        _taps(mode, size, out, align_corners, scale, x.dtype)
        for size, out, scale in zip(spatial, out_size, scales)
    ]
    grad_tables = tables
    if mode == "nearest":
        special = [
            (_special_nearest(s, o, i), w) for s, o, (i, w) in zip(spatial, out_size, tables)
        ]
        tables = special if len(spatial) == 2 else tables
        grad_tables = special
    elif mode == "bicubic" and tuple(spatial) == tuple(out_size):
        grad_tables = [(np.arange(s)[:, None], None) for s in spatial]
    same = all(
        np.array_equal(i, gi)
        and (w is None) == (gw is None)
        and (w is None or np.array_equal(w, gw))
        for (i, w), (gi, gw) in zip(tables, grad_tables)
    )
    if same:
        return _resample(x, tables)

    @jax.custom_jvp
    def resample(x):
        return _resample(x, tables)

    @resample.defjvp
    def resample_jvp(primals, tangents):
        return resample(primals[0]), _resample(tangents[0], grad_tables)

    return resample(x)


_MODE_DIMS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}
_GRAD_FN = {
    "nearest": "UpsampleNearest{n}D",
    "nearest-exact": "UpsampleNearestExact{n}D",
    "linear": "UpsampleLinear1D",
    "bilinear": "UpsampleBilinear2D",
    "bicubic": "UpsampleBicubic2D",
    "trilinear": "UpsampleTrilinear3D",
}


def _check_interpolate_mode(input: Tensor, mode: str) -> None:
    spatial = input.ndim - 2
    wanted = _MODE_DIMS.get(mode)
    if wanted is not None and mode != "bicubic" and spatial in (1, 2, 3) and spatial != wanted:
        raise NotImplementedError(
            f"Got {input.ndim}D input, but {mode} mode needs {wanted + 2}D input"
        )
    known = mode in ("nearest", "nearest-exact", "area") or spatial == wanted
    if spatial not in (1, 2, 3) or not known:
        raise NotImplementedError(
            "Input Error: Only 3D, 4D and 5D input Tensors supported"
            f" (got {input.ndim}D) for the modes: nearest | linear | bilinear | bicubic | "
            f"trilinear | lanczos | area | nearest-exact (got {mode})"
        )


def _output_size(input: Tensor, size, scale_factor, recompute_scale_factor):
    """PyTorch's size/scale_factor resolution: ``(output sizes, scales passed to the kernel)``."""
    dim = input.ndim - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got "
                    f"input with spatial dimensions of {list(input.shape[2:])} and output size "
                    f"of {size}. Please provide input tensor in (N, C, d1, d2, ...,dK) format "
                    "and output size in (o1, o2, ...,oK) format."
                )
            if not all(isinstance(s, (int, np.integer)) for s in size):
                raise TypeError(
                    "expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                    "Tuple[int, int, int], but got size with types "
                    f"{[type(s) for s in size]}"
                )
            return tuple(int(s) for s in size), (None,) * dim
        return (int(size),) * dim, (None,) * dim
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if isinstance(scale_factor, (list, tuple)):
        if len(scale_factor) != dim:
            raise ValueError(
                "Input and scale_factor must have the same number of spatial dimensions, but "
                f"got input with spatial dimensions of {list(input.shape[2:])} and "
                f"scale_factor of shape {scale_factor}. Please provide input tensor in "
                "(N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format."
            )
        scales = tuple(float(s) for s in scale_factor)
    else:
        scales = (float(scale_factor),) * dim
    out = tuple(int(input.shape[2 + i] * s) for i, s in enumerate(scales))
    return out, ((None,) * dim if recompute_scale_factor else scales)


def interpolate(
    input: Tensor,
    size=None,
    scale_factor=None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resample ``(N, C, *spatial)`` to ``size`` or ``spatial * scale_factor``.

    PyTorch's CPU index rules are kept exactly: ``nearest`` reads ``floor(dst * scale)``,
    ``nearest-exact`` ``floor((dst + 0.5) * scale)`` (both in float32, as PyTorch computes them),
    the linear modes and ``bicubic`` (Keys' kernel, ``A = -0.75``, borders clamped) sample
    ``scale * (dst + 0.5) - 0.5`` (or ``scale * dst`` with ``align_corners``), where ``scale`` is
    ``1 / scale_factor`` when a factor is given and not recomputed, else ``in / out``; ``area`` is
    :func:`adaptive_avg_pool2d` (1d/3d). ``antialias=True`` is not supported.

    Shape:
        - Input: ``(N, C, W)``, ``(N, C, H, W)`` or ``(N, C, D, H, W)``.
        - Output: the same with the spatial sizes replaced.
    """
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError(
                "align_corners option can only be set with the "
                "interpolating modes: linear | bilinear | bicubic | trilinear"
            )
    elif align_corners is None:
        align_corners = False
    if mode not in ("nearest", "nearest-exact", "area", *_MODE_DIMS):
        _check_interpolate_mode(input, mode)
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    out_size, scales = _output_size(
        input, size, scale_factor, recompute_scale_factor or mode == "area"
    )
    if antialias:
        raise NotImplementedError("torchlike: interpolate(antialias=True) is not supported")
    _check_interpolate_mode(input, mode)
    n = input.ndim - 2
    if min(input.shape[2:]) <= 0 or min(out_size) <= 0:
        raise RuntimeError(
            f"Input and output sizes should be greater than 0, but got input "
            f"{tuple(input.shape[2:])} output {out_size}"
        )
    if mode == "area":
        pool = (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[n - 1]
        return pool(input, out_size)
    if mode != "nearest" and mode != "nearest-exact":
        _require_float(input, f"upsample_{mode}{n}d_out_frame")
    return apply(
        _interpolate_fn,
        _GRAD_FN[mode].format(n=n),
        (input,),
        mode=mode,
        out_size=out_size,
        align_corners=bool(align_corners) if mode in _MODE_DIMS else None,
        scales=scales,
    )


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of :func:`interpolate`, with PyTorch's warning."""
    warnings.warn(
        "`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode='nearest')``, with PyTorch's warning."""
    warnings.warn(
        "`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode='bilinear', align_corners=True)``, with PyTorch's
    warning."""
    warnings.warn(
        "`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# -- pixel and channel shuffles --------------------------------------------------------------------


def _pixel_shuffle_fn(x, *, r):
    *batch, c, h, w = x.shape
    n = len(batch)
    y = x.reshape(*batch, c // (r * r), r, r, h, w)
    y = jnp.transpose(y, (*range(n), n, n + 3, n + 1, n + 4, n + 2))
    return y.reshape(*batch, c // (r * r), h * r, w * r)


def _pixel_unshuffle_fn(x, *, r):
    *batch, c, h, w = x.shape
    n = len(batch)
    y = x.reshape(*batch, c, h // r, r, w // r, r)
    y = jnp.transpose(y, (*range(n), n, n + 2, n + 4, n + 1, n + 3))
    return y.reshape(*batch, c * r * r, h // r, w // r)


def _check_at_least_3d(input: Tensor, op: str) -> None:
    if input.ndim < 3:
        raise RuntimeError(
            f"{op} expects input to have at least 3 dimensions, but got input with "
            f"{input.ndim} dimension(s)"
        )


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """Rearrange ``(*, C r^2, H, W)`` into ``(*, C, H r, W r)``: channel ``c r^2 + i r + j``
    becomes the pixel at offset ``(i, j)`` of block ``(h, w)``.

    Shape:
        - Input: ``(*, C * r^2, H, W)``; output ``(*, C, H * r, W * r)``.
    """
    _check_at_least_3d(input, "pixel_shuffle")
    r = int(upscale_factor)
    if input.shape[-3] % (r * r):
        raise RuntimeError(
            "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square "
            f"of upscale_factor, but input.size(-3)={input.shape[-3]} is not divisible by {r * r}"
        )
    return apply(_pixel_shuffle_fn, "PixelShuffle", (input,), r=r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """The inverse of :func:`pixel_shuffle`: ``(*, C, H r, W r)`` into ``(*, C r^2, H, W)``.

    Shape:
        - Input: ``(*, C, H * r, W * r)``; output ``(*, C * r^2, H, W)``.
    """
    _check_at_least_3d(input, "pixel_unshuffle")
    r = int(downscale_factor)
    for what, dim in (("height", -2), ("width", -1)):
        if input.shape[dim] % r:
            raise RuntimeError(
                f"pixel_unshuffle expects {what} to be divisible by downscale_factor, but "
                f"input.size({dim})={input.shape[dim]} is not divisible by {r}"
            )
    return apply(_pixel_unshuffle_fn, "PixelUnshuffle", (input,), r=r)


def _channel_shuffle_fn(x, *, groups):
    n, c, *rest = x.shape
    y = x.reshape(n, groups, c // groups, *rest)
    return jnp.swapaxes(y, 1, 2).reshape(x.shape)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """Interleave ``groups`` channel groups: ``(N, g, C / g, *)`` transposed to
    ``(N, C / g, g, *)`` (ShuffleNet).

    Shape:
        - Input and output: ``(N, C, *)``.
    """
    if input.ndim <= 2:
        raise RuntimeError(
            f"channel_shuffle expects input with > 2 dims, but got input with sizes {_shape(input)}"
        )
    if groups <= 0:
        raise RuntimeError(
            f"Number of groups to divide channels in must be positive. Value of groups:{groups}"
        )
    if input.shape[1] % groups:
        raise RuntimeError(
            f"Number of channels must be divisible by groups. Got {input.shape[1]} channels and "
            f"{groups} groups."
        )
    return apply(_channel_shuffle_fn, "ChannelShuffle", (input,), groups=int(groups))


# -- spatial transformers --------------------------------------------------------------------------


_ALIGN_WARNING = (
    "Default grid_sample and affine_grid behavior has changed to align_corners=False since "
    "1.3.0. Please specify align_corners=True if the old behavior is desired. See the "
    "documentation of grid_sample for details."
)


def _linspace_from_neg_one(steps: int, align_corners: bool, dtype):
    if steps <= 1:
        return jnp.zeros((1,), dtype)
    r = jnp.linspace(-1, 1, steps, dtype=dtype)
    return r if align_corners else r * (steps - 1) / steps


def _affine_grid_fn(theta, *, spatial, align_corners):
    """The base grid ``(*spatial, n + 1)`` of normalised ``(x, y[, z], 1)`` coordinates, times
    ``theta^T``."""
    axes = [_linspace_from_neg_one(s, align_corners, theta.dtype) for s in spatial]
    mesh = jnp.meshgrid(*axes, indexing="ij")  # ordered (D,) H, W
    base = jnp.stack([*reversed(mesh), jnp.ones_like(mesh[0])], axis=-1)  # x first
    n = theta.shape[0]
    grid = base.reshape(1, -1, base.shape[-1]) @ jnp.swapaxes(theta, 1, 2)
    return grid.reshape(n, *spatial, len(spatial))


def affine_grid(theta: Tensor, size, align_corners: bool | None = None) -> Tensor:
    """The sampling grid of a batch of affine maps, for :func:`grid_sample`.

    Shape:
        - theta: ``(N, 2, 3)`` for ``size = (N, C, H, W)``, ``(N, 3, 4)`` for
          ``(N, C, D, H, W)``.
        - Output: ``(N, H, W, 2)`` or ``(N, D, H, W, 3)``, last dim ``(x, y[, z])`` in
          ``[-1, 1]``.
    """
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if not theta.dtype.is_floating_point:
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    if len(size) in (4, 5):
        rows = len(size) - 2
        if theta.ndim != 3 or tuple(theta.shape[-2:]) != (rows, rows + 1):
            kind, shape = ("2D", "Nx2x3") if rows == 2 else ("3D", "Nx3x4")
            raise ValueError(
                f"Expected a batch of {kind} affine matrices of shape {shape} for size {size}. "
                f"Got {theta.shape}."
            )
    else:
        raise NotImplementedError(
            "affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
            f"respectively. Got size {size}."
        )
    spatial = tuple(int(s) for s in size[2:])
    if align_corners and min(spatial) == 1:
        warnings.warn(
            "Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
            "align_corners=True. This is not an intended use case of affine_grid. See the "
            "documentation of affine_grid for details.",
            stacklevel=2,
        )
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    return apply(
        _affine_grid_fn,
        "AffineGridGenerator",
        (theta,),
        spatial=spatial,
        align_corners=bool(align_corners),
    )


def _reflect(c, twice_low: int, twice_high: int):
    """PyTorch's ``reflect_coordinates``: fold ``c`` into ``[low, high]`` by reflection."""
    if twice_low == twice_high:
        return jnp.zeros_like(c)
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    c = jnp.abs(c - low)
    extra = jnp.fmod(c, span)
    flips = jnp.floor(c / span)
    return jnp.where(jnp.fmod(flips, 2) == 0, extra + low, span - extra + low)


def _source_coordinate(g, size: int, padding_mode: str, align_corners: bool):
    """A normalised grid coordinate as an input pixel coordinate, after padding's folding."""
    c = (g + 1) / 2 * (size - 1) if align_corners else ((g + 1) * size - 1) / 2
    if padding_mode == "reflection":
        c = _reflect(c, 0, 2 * (size - 1)) if align_corners else _reflect(c, -1, 2 * size - 1)
    if padding_mode in ("border", "reflection"):
        c = jnp.clip(c, 0, size - 1)
    return c


def _grid_sample_fn(x, grid, *, mode, padding_mode, align_corners):
    n, ch, *spatial = x.shape
    dims = len(spatial)
    out_spatial = grid.shape[1:-1]
    # grid's last dim is (x, y[, z]): reversed against the input's (D,) H, W order
    coords = [
        _source_coordinate(grid[..., dims - 1 - d].reshape(n, -1), s, padding_mode, align_corners)
        for d, s in enumerate(spatial)
    ]
    flat = x.reshape(n, ch, -1)
    strides = [math.prod(spatial[d + 1 :]) for d in range(dims)]

    def gather(index, weight):
        valid = jnp.ones_like(weight, dtype=bool)
        flat_index = 0
        for i, s, stride in zip(index, spatial, strides):
            valid = valid & (i >= 0) & (i < s)
            flat_index = flat_index + jnp.clip(i, 0, s - 1) * stride
        values = jnp.take_along_axis(flat, flat_index[:, None, :].astype(jnp.int32), axis=2)
        return values * jnp.where(valid, weight, 0)[:, None, :]

    if mode == "nearest":
        out = gather([jnp.round(c).astype(jnp.int32) for c in coords], jnp.ones_like(coords[0]))
    else:
        lows = [jnp.floor(c) for c in coords]
        fracs = [c - lo for c, lo in zip(coords, lows)]
        out = 0
        for corner in itertools.product((0, 1), repeat=dims):
            index = [lo.astype(jnp.int32) + k for lo, k in zip(lows, corner)]
            weight = math.prod(f if k else 1 - f for f, k in zip(fracs, corner))
            out = out + gather(index, weight)
    return out.reshape(n, ch, *out_spatial)


def grid_sample(
    input: Tensor,
    grid: Tensor,
    mode: str = "bilinear",
    padding_mode: str = "zeros",
    align_corners: bool | None = None,
) -> Tensor:
    """Sample ``input`` at the normalised ``grid`` locations (``-1``/``1``: the corner pixels'
    centres with ``align_corners``, else their outer edges), bilinearly or at the nearest pixel
    (ties to even, as PyTorch's ``nearbyint``); out-of-range locations read zeros, the border,
    or the reflected location. ``mode='bicubic'`` is not supported.

    Shape:
        - Input: ``(N, C, H, W)`` or ``(N, C, D, H, W)``; grid ``(N, H_out, W_out, 2)`` or
          ``(N, D_out, H_out, W_out, 3)``.
        - Output: ``(N, C, H_out, W_out)`` or ``(N, C, D_out, H_out, W_out)``.
    """
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(
            "nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or "
            f"'bicubic', but got: '{mode}'"
        )
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(
            "nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
            f"'reflection', but got: '{padding_mode}'"
        )
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if mode == "bicubic":
        raise NotImplementedError("torchlike: grid_sample(mode='bicubic') is not supported")
    if input.ndim not in (4, 5) or grid.ndim != input.ndim:
        raise RuntimeError(
            "grid_sampler(): expected 4D or 5D input and grid with same number of dimensions, "
            f"but got input with sizes {_shape(input)} and grid with sizes {_shape(grid)}"
        )
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError(
            "grid_sampler(): expected grid and input to have same batch size, but got input "
            f"with sizes {_shape(input)} and grid with sizes {_shape(grid)}"
        )
    if grid.shape[-1] != input.ndim - 2:
        raise RuntimeError(
            f"grid_sampler(): expected grid to have size {input.ndim - 2} in last dimension, "
            f"but got grid with sizes {_shape(grid)}"
        )
    return apply(
        _grid_sample_fn,
        f"GridSampler{input.ndim - 2}D",
        (input, grid),
        mode=mode,
        padding_mode=padding_mode,
        align_corners=bool(align_corners),
    )
