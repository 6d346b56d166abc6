"""Resampling, distance, loss and activation ops of ``torch.nn.functional`` (and their layers)
against PyTorch: one table row per op and sample, generic tests.

Each functional row names the op (the same in ``torch.nn.functional`` and ours) and a sample
builder of NumPy arguments; the tests compare, in float32 and float64, forward values, ``grad_fn``
names and the gradients of every floating argument after backpropagating a random cotangent; then
the same step eagerly and inside ``torchlike.compile``, our gradients against central differences
in float64, and the errors raised on bad input (type and message, from running PyTorch). Layer
rows reuse :mod:`module_table.parity`'s checks (outputs, input and parameter gradients, compiled
step, ``state_dict`` and ``repr``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
import torch as ref
from _helpers import FD_EPS, FD_TOL, TOL, assert_raises_like_torch, call, classes, f32, positive
from module_table.parity import (
    Row,
    check_compiled_matches_eager,
    check_matches_torch,
    check_state_dict_and_repr,
)

import torchlike as tl

# Legacy size_average/reduce rows: both libraries warn (checked in test_legacy_args_warn).
pytestmark = pytest.mark.filterwarnings("ignore:size_average and reduce args will be deprecated")


def signs(r, *shape):
    return np.where(r.random(shape) < 0.5, -1.0, 1.0).astype(np.float32)


def bits(r, *shape):
    return (r.random(shape) < 0.5).astype(np.float32)


def pooled(r, shape, n: int, stride=None):
    """Values and indices of PyTorch's ``max_pool{n}d(kernel_size=2)``, as unpooling inputs."""
    pool = getattr(ref.nn.functional, f"max_pool{n}d")
    values, indices = pool(ref.tensor(f32(r, *shape)), 2, stride, return_indices=True)
    return values.numpy(), indices.numpy()


def grid(r, *shape):
    """Sampling locations, some outside ``[-1, 1]`` (padding)."""
    return r.uniform(-1.3, 1.3, shape).astype(np.float32)


@dataclass(frozen=True)
class Case:
    id: str
    op: str  # the function's name in both torch.nn.functional and torchlike.nn.functional
    sample: Callable  # numpy Generator -> (args, kwargs)
    grad: tuple | None = None  # positional args needing grad; None: every float array
    fd: bool = True  # also check against finite differences (off where not differentiable)


def interp(shape, **kw):
    return lambda r: call(f32(r, *shape), **kw)


# fmt: off
CASES = [
    # -- interpolate: every mode, size and scale_factor, align_corners, PyTorch's index rules --
    Case("nearest1d_size", "interpolate", interp((2, 3, 5), size=7)),
    Case("nearest1d_down", "interpolate", interp((2, 3, 7), size=3)),
    # out == 2 * in from a non-integer factor: PyTorch's backward (not forward) special case
    # (its gradient is then not the forward's derivative, so no finite differences)
    Case("nearest1d_scale_2.05", "interpolate", interp((2, 3, 5), scale_factor=2.05), fd=False),
    Case("nearest2d_scale", "interpolate", interp((1, 2, 4, 5), scale_factor=(1.7, 0.6))),
    Case("nearest2d_scale_2.05", "interpolate", interp((1, 2, 5, 5), scale_factor=2.05)),
    Case("nearest2d_scale_1.1", "interpolate", interp((1, 2, 5, 5), scale_factor=1.1)),
    Case("nearest3d", "interpolate", interp((1, 2, 3, 4, 5), size=(5, 3, 7))),
    Case("nearest3d_scale_2.05", "interpolate", interp((1, 1, 3, 4, 5), scale_factor=2.05),
         fd=False),
    Case("nearest_exact1d", "interpolate", interp((2, 3, 5), scale_factor=1.7,
                                                  mode="nearest-exact")),
    Case("nearest_exact2d", "interpolate", interp((1, 2, 5, 4), size=(3, 9), mode="nearest-exact")),
    Case("nearest_exact3d", "interpolate", interp((1, 1, 3, 4, 5), size=(2, 6, 5),
                                                  mode="nearest-exact")),
    Case("linear", "interpolate", interp((2, 3, 5), size=8, mode="linear")),
    Case("linear_down", "interpolate", interp((2, 3, 8), scale_factor=0.45, mode="linear")),
    Case("linear_align", "interpolate", interp((2, 3, 5), size=8, mode="linear",
                                               align_corners=True)),
    Case("linear_align_to1", "interpolate", interp((2, 3, 5), size=1, mode="linear",
                                                   align_corners=True)),
    Case("bilinear", "interpolate", interp((1, 2, 4, 5), scale_factor=1.6, mode="bilinear")),
    Case("bilinear_align", "interpolate", interp((1, 2, 4, 5), size=(7, 3), mode="bilinear",
                                                 align_corners=True)),
    Case("bilinear_recompute", "interpolate", interp((1, 2, 4, 5), scale_factor=1.7,
                                                     mode="bilinear", recompute_scale_factor=True)),
    Case("bicubic", "interpolate", interp((1, 2, 4, 5), size=(7, 3), mode="bicubic")),
    Case("bicubic_align", "interpolate", interp((1, 2, 4, 5), scale_factor=2.5, mode="bicubic",
                                                align_corners=True)),
    # out == in from scale_factor 1.1: PyTorch's backward is the identity, its forward is not
    Case("bicubic_scale_1.1", "interpolate", interp((1, 2, 5, 5), scale_factor=1.1,
                                                    mode="bicubic"), fd=False),
    Case("trilinear", "interpolate", interp((1, 2, 3, 4, 5), size=(5, 2, 6), mode="trilinear")),
    Case("trilinear_align", "interpolate", interp((1, 1, 3, 4, 5), scale_factor=1.5,
                                                  mode="trilinear", align_corners=True)),
    Case("area1d", "interpolate", interp((2, 3, 7), size=3, mode="area")),
    Case("area2d_scale", "interpolate", interp((1, 2, 6, 5), scale_factor=0.5, mode="area")),
    Case("area3d", "interpolate", interp((1, 2, 4, 4, 6), size=(2, 3, 4), mode="area")),
    # -- distances --
    Case("normalize", "normalize", lambda r: call(f32(r, 3, 4))),
    Case("normalize_p1_dim0", "normalize", lambda r: call(f32(r, 3, 4), p=1.0, dim=0)),
    Case("normalize_p3.5", "normalize", lambda r: call(f32(r, 2, 3, 4), p=3.5, dim=-1)),
    Case("normalize_inf", "normalize", lambda r: call(f32(r, 3, 4), p=float("inf")), fd=False),
    Case("normalize_zero", "normalize", lambda r: call(np.zeros((2, 3), np.float32)), fd=False),
    Case("cosine_similarity", "cosine_similarity", lambda r: call(f32(r, 3, 4), f32(r, 3, 4))),
    Case("cosine_similarity_broadcast", "cosine_similarity",
         lambda r: call(f32(r, 2, 3, 4), f32(r, 4), dim=-1)),
    Case("pairwise_distance", "pairwise_distance", lambda r: call(f32(r, 3, 4), f32(r, 3, 4))),
    Case("pairwise_distance_p1_keepdim", "pairwise_distance",
         lambda r: call(f32(r, 3, 4), f32(r, 4), p=1.0, keepdim=True)),
    Case("pairwise_distance_p3_1d", "pairwise_distance",
         lambda r: call(f32(r, 4), f32(r, 4), p=3.0)),
    Case("pdist", "pdist", lambda r: call(f32(r, 4, 3))),
    Case("pdist_p1", "pdist", lambda r: call(f32(r, 4, 3), p=1.0)),
    Case("pdist_p0.5", "pdist", lambda r: call(f32(r, 4, 3), 0.5)),
    Case("pdist_inf", "pdist", lambda r: call(f32(r, 4, 3), float("inf")), fd=False),
    # -- losses: every reduction, legacy size_average/reduce, weights --
    Case("kl_div_batchmean", "kl_div", lambda r: call(f32(r, 3, 4), positive(r, 3, 4),
                                                      reduction="batchmean")),
    Case("kl_div_sum", "kl_div", lambda r: call(f32(r, 3, 4), positive(r, 3, 4),
                                                reduction="sum")),
    Case("kl_div_none_log_target", "kl_div", lambda r: call(f32(r, 3, 4), f32(r, 3, 4),
                                                            reduction="none", log_target=True)),
    Case("kl_div_batchmean_log_target", "kl_div", lambda r: call(
        f32(r, 3, 4), f32(r, 3, 4), reduction="batchmean", log_target=True)),
    Case("kl_div_legacy", "kl_div", lambda r: call(f32(r, 3, 4), positive(r, 3, 4), reduce=False)),
    Case("poisson_nll", "poisson_nll_loss", lambda r: call(f32(r, 3, 4), positive(r, 3, 4) * 2)),
    Case("poisson_nll_full_sum", "poisson_nll_loss", lambda r: call(
        f32(r, 3, 4), positive(r, 3, 4) * 2, full=True, reduction="sum")),
    Case("poisson_nll_linear_none", "poisson_nll_loss", lambda r: call(
        positive(r, 3, 4), positive(r, 3, 4), log_input=False, reduction="none")),
    Case("gaussian_nll", "gaussian_nll_loss", lambda r: call(f32(r, 3, 4), f32(r, 3, 4),
                                                             positive(r, 3, 4))),
    Case("gaussian_nll_var_n1_full", "gaussian_nll_loss", lambda r: call(
        f32(r, 3, 4), f32(r, 3, 4), positive(r, 3, 1), full=True, reduction="sum")),
    Case("gaussian_nll_var_n_none", "gaussian_nll_loss", lambda r: call(
        f32(r, 3, 4), f32(r, 3, 4), positive(r, 3), reduction="none")),
    Case("gaussian_nll_var_clamped", "gaussian_nll_loss", lambda r: call(
        f32(r, 3, 4), f32(r, 3, 4), positive(r, 3, 4) * 1e-7), fd=False),
    Case("cosine_embedding", "cosine_embedding_loss", lambda r: call(
        f32(r, 4, 5), f32(r, 4, 5), signs(r, 4), margin=0.2), grad=(0, 1)),
    Case("cosine_embedding_1d_none", "cosine_embedding_loss", lambda r: call(
        f32(r, 5), f32(r, 5), np.array(-1.0, np.float32), reduction="none"),
         grad=(0, 1)),
    Case("margin_ranking", "margin_ranking_loss", lambda r: call(
        f32(r, 5), f32(r, 5), signs(r, 5), margin=0.3), grad=(0, 1)),
    Case("margin_ranking_legacy", "margin_ranking_loss", lambda r: call(
        f32(r, 5), f32(r, 5), signs(r, 5), size_average=False), grad=(0, 1)),
    Case("hinge_embedding", "hinge_embedding_loss", lambda r: call(f32(r, 3, 4), signs(r, 3, 4)),
         grad=(0,)),
    Case("hinge_embedding_none", "hinge_embedding_loss", lambda r: call(
        f32(r, 3, 4), signs(r, 3, 4), margin=0.5, reduction="none"), grad=(0,)),
    Case("soft_margin", "soft_margin_loss", lambda r: call(f32(r, 3, 4), signs(r, 3, 4)),
         grad=(0,)),
    Case("soft_margin_none", "soft_margin_loss", lambda r: call(f32(r, 3, 4), signs(r, 3, 4),
                                                                reduction="none"), grad=(0,)),
    Case("multilabel_soft_margin", "multilabel_soft_margin_loss", lambda r: call(
        f32(r, 3, 4), bits(r, 3, 4))),
    Case("multilabel_soft_margin_weight_none", "multilabel_soft_margin_loss", lambda r: call(
        f32(r, 3, 4), bits(r, 3, 4), weight=positive(r, 4), reduction="none")),
    Case("multi_margin", "multi_margin_loss", lambda r: call(f32(r, 4, 5), classes(r, 5, 4))),
    Case("multi_margin_p2_weight_sum", "multi_margin_loss", lambda r: call(
        f32(r, 4, 5), classes(r, 5, 4), p=2, margin=0.7, weight=positive(r, 5),
        reduction="sum"), grad=(0,)),
    Case("multi_margin_1d_none", "multi_margin_loss", lambda r: call(
        f32(r, 5), np.array(2), reduction="none")),
    Case("multilabel_margin", "multilabel_margin_loss", lambda r: call(
        f32(r, 2, 4), np.array([[3, 0, -1, 1], [1, 2, 3, 0]]))),
    Case("multilabel_margin_1d_none", "multilabel_margin_loss", lambda r: call(
        f32(r, 4), np.array([2, -1, 0, 1]), reduction="none")),
    Case("triplet_margin", "triplet_margin_loss", lambda r: call(
        f32(r, 3, 4), f32(r, 3, 4), f32(r, 3, 4))),
    Case("triplet_margin_swap_p1_none", "triplet_margin_loss", lambda r: call(
        f32(r, 3, 4), f32(r, 3, 4), f32(r, 3, 4), margin=2.0, p=1, swap=True,
        reduction="none")),
    Case("triplet_margin_with_distance", "triplet_margin_with_distance_loss", lambda r: call(
        f32(r, 3, 4), f32(r, 3, 4), f32(r, 3, 4), margin=2.0, swap=True)),
    # -- shuffles, rms_norm, shrinks, rrelu (eval), lp_pool, bilinear --
    Case("pixel_shuffle", "pixel_shuffle", lambda r: call(f32(r, 2, 8, 2, 3), 2)),
    Case("pixel_shuffle_5d", "pixel_shuffle", lambda r: call(f32(r, 1, 2, 9, 2, 2), 3)),
    Case("pixel_unshuffle", "pixel_unshuffle", lambda r: call(f32(r, 2, 2, 4, 6), 2)),
    Case("channel_shuffle", "channel_shuffle", lambda r: call(f32(r, 2, 6, 3), 3)),
    Case("channel_shuffle_4d", "channel_shuffle", lambda r: call(f32(r, 1, 4, 2, 2), 2)),
    Case("rms_norm", "rms_norm", lambda r: call(f32(r, 2, 3, 4), (4,))),
    Case("rms_norm_weight_eps", "rms_norm", lambda r: call(f32(r, 2, 3, 4), [3, 4],
                                                           f32(r, 3, 4), eps=1e-3)),
    Case("softshrink", "softshrink", lambda r: call(f32(r, 3, 4), 0.3)),
    Case("hardshrink", "hardshrink", lambda r: call(f32(r, 3, 4), lambd=0.3)),
    Case("rrelu_eval", "rrelu", lambda r: call(f32(r, 3, 4), 0.1, 0.4)),
    Case("lp_pool1d", "lp_pool1d", lambda r: call(positive(r, 2, 3, 7), 1.5, 3, 2)),
    Case("lp_pool2d", "lp_pool2d", lambda r: call(f32(r, 2, 3, 5, 4), 2, (2, 3), ceil_mode=True)),
    Case("lp_pool3d", "lp_pool3d", lambda r: call(positive(r, 1, 2, 4, 4, 5), 3, 2, stride=1)),
    Case("bilinear", "bilinear", lambda r: call(f32(r, 2, 3), f32(r, 2, 4), f32(r, 5, 3, 4),
                                                f32(r, 5))),
    Case("bilinear_nobias_3d", "bilinear", lambda r: call(f32(r, 2, 2, 3), f32(r, 2, 2, 4),
                                                          f32(r, 5, 3, 4))),
    # -- max_unpool (indices from PyTorch's max_pool), affine_grid, grid_sample --
    Case("max_unpool1d", "max_unpool1d", lambda r: call(*pooled(r, (2, 3, 8), 1), 2), grad=(0,)),
    Case("max_unpool2d_output_size", "max_unpool2d", lambda r: call(
        *pooled(r, (1, 2, 4, 6), 2), 2, output_size=(5, 7)), grad=(0,)),
    Case("max_unpool2d_overlapping", "max_unpool2d", lambda r: call(
        *pooled(r, (2, 5, 5), 2, stride=1), 2, stride=1), grad=(0,), fd=False),
    Case("max_unpool3d", "max_unpool3d", lambda r: call(*pooled(r, (1, 1, 4, 4, 4), 3), 2),
         grad=(0,)),
    Case("affine_grid", "affine_grid", lambda r: call(f32(r, 2, 2, 3), (2, 3, 4, 5),
                                                      align_corners=False)),
    Case("affine_grid_3d_align", "affine_grid", lambda r: call(f32(r, 2, 3, 4), [2, 1, 3, 4, 5],
                                                               align_corners=True)),
    Case("grid_sample", "grid_sample", lambda r: call(f32(r, 2, 3, 4, 5), grid(r, 2, 3, 4, 2),
                                                      align_corners=False)),
    Case("grid_sample_border_align", "grid_sample", lambda r: call(
        f32(r, 2, 3, 4, 5), grid(r, 2, 3, 4, 2), padding_mode="border", align_corners=True)),
    Case("grid_sample_reflection", "grid_sample", lambda r: call(
        f32(r, 1, 2, 4, 5), grid(r, 1, 3, 4, 2), padding_mode="reflection", align_corners=False)),
    Case("grid_sample_reflection_align", "grid_sample", lambda r: call(
        f32(r, 1, 2, 4, 5), grid(r, 1, 3, 4, 2), padding_mode="reflection", align_corners=True)),
    Case("grid_sample_nearest", "grid_sample", lambda r: call(
        f32(r, 2, 3, 4, 5), grid(r, 2, 3, 4, 2), mode="nearest", align_corners=False), fd=False),
    Case("grid_sample_3d", "grid_sample", lambda r: call(
        f32(r, 1, 2, 3, 4, 5), grid(r, 1, 2, 3, 2, 3), align_corners=False)),
]
# fmt: on


def sample(case: Case, dtype=np.float32):
    args, kwargs = case.sample(np.random.default_rng(0))

    def cast(v):
        if isinstance(v, np.ndarray) and v.dtype == np.float32:
            return v.astype(dtype)
        return v

    return [cast(a) for a in args], {k: cast(v) for k, v in kwargs.items()}


def needs_grad(case: Case, i: int, value) -> bool:
    if case.grad is not None:
        return i in case.grad
    return isinstance(value, np.ndarray) and value.dtype.kind == "f"


def to_lib(lib, case: Case, args, kwargs):
    def conv(i, v):
        if isinstance(v, np.ndarray):
            return lib.tensor(v, requires_grad=needs_grad(case, i, v))
        return v

    return [conv(i, a) for i, a in enumerate(args)], {k: conv(-1, v) for k, v in kwargs.items()}


def run(lib, case: Case, args, kwargs, cotangent=None):
    """The op's output and the gradients of its grad-requiring arguments."""
    targs, tkw = to_lib(lib, case, args, kwargs)
    out = getattr(lib.nn.functional, case.op)(*targs, **tkw)
    if cotangent is None:
        cotangent = np.random.default_rng(1).standard_normal(tuple(out.shape))
    (out * lib.tensor(cotangent.astype(out.numpy(force=True).dtype))).sum().backward()
    grads = [t.grad.numpy() for t in targs if isinstance(t, lib.Tensor) and t.requires_grad]
    return out, grads


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_matches_torch(case: Case, dtype) -> None:
    args, kwargs = sample(case, dtype)
    theirs, t_grads = run(ref, case, args, kwargs)
    ours, o_grads = run(tl, case, args, kwargs)
    tol = TOL[np.dtype(dtype)]
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.numpy(force=True).dtype == theirs.detach().numpy().dtype
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), **tol)
    assert ours.grad_fn.name() == theirs.grad_fn.name()
    assert len(o_grads) == len(t_grads) > 0
    for a, b in zip(o_grads, t_grads):
        np.testing.assert_allclose(a, b, **tol)


def _compiled_cases() -> list[Case]:
    """One row per op and mode (the compiled program is the same pure function), plus the rows
    whose gradient rule is custom (PyTorch's nearest/bicubic backward special cases)."""
    seen: set[tuple] = set()
    rows = []
    for c in CASES:
        key = (c.op, sample(c)[1].get("mode"))
        if key not in seen or "scale_" in c.id:
            rows.append(c)
            seen.add(key)
    return rows


@pytest.mark.parametrize("case", _compiled_cases(), ids=lambda c: c.id)
def test_compiled_matches_eager(case: Case) -> None:
    args, kwargs = sample(case)
    eager, e_grads = run(tl, case, args, kwargs)
    targs, tkw = to_lib(tl, case, args, kwargs)
    leaves = [t for t in targs if isinstance(t, tl.Tensor) and t.requires_grad]
    g = tl.tensor(np.random.default_rng(1).standard_normal(tuple(eager.shape)).astype(np.float32))

    def step(*xs):
        it = iter(xs)
        full = [next(it) if isinstance(t, tl.Tensor) and t.requires_grad else t for t in targs]
        out = getattr(tl.nn.functional, case.op)(*full, **tkw)
        (out * g).sum().backward()
        return out.detach()

    out = tl.compile(step)(*leaves)
    np.testing.assert_allclose(out.numpy(), eager.detach().numpy(), **TOL[np.dtype(np.float32)])
    for x, e in zip(leaves, e_grads):
        np.testing.assert_allclose(x.grad.numpy(), e, **TOL[np.dtype(np.float32)])


@pytest.mark.parametrize("case", [c for c in CASES if c.fd], ids=lambda c: c.id)
def test_gradient_matches_finite_differences(case: Case) -> None:
    """Our gradient along a random direction per argument against central differences of our own
    forward, in float64 (PyTorch's gradcheck, fast mode)."""
    args, kwargs = sample(case, np.float64)
    out, grads = run(tl, case, args, kwargs)
    cot = np.random.default_rng(1).standard_normal(tuple(out.shape))
    r = np.random.default_rng(2)
    positions = [i for i, a in enumerate(args) if needs_grad(case, i, a)]
    for i, analytic in zip(positions, grads):
        direction = r.standard_normal(args[i].shape)
        values = []
        for step in (FD_EPS, -FD_EPS):
            shifted = list(args)
            shifted[i] = args[i] + step * direction
            with tl.no_grad():
                t_args = [tl.tensor(a) if isinstance(a, np.ndarray) else a for a in shifted]
                t_kw = {
                    k: tl.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()
                }
                y = getattr(tl.nn.functional, case.op)(*t_args, **t_kw)
            values.append(float(np.sum(y.numpy() * cot)))
        numeric = (values[0] - values[1]) / (2 * FD_EPS)
        np.testing.assert_allclose(np.sum(analytic * direction), numeric, **FD_TOL)


# -- errors: PyTorch's exception type and message --------------------------------------------------

# fmt: off
ERRORS = [
    ("interp_align_nearest", lambda F, lib: F.interpolate(lib.zeros(1, 1, 4), size=2,
                                                          align_corners=True)),
    ("interp_both", lambda F, lib: F.interpolate(lib.zeros(1, 1, 4), size=2, scale_factor=2.0)),
    ("interp_neither", lambda F, lib: F.interpolate(lib.zeros(1, 1, 4))),
    ("interp_size_len", lambda F, lib: F.interpolate(lib.zeros(1, 1, 4), size=(2, 3))),
    ("interp_scale_len", lambda F, lib: F.interpolate(lib.zeros(1, 1, 4, 4), scale_factor=(2.0,))),
    ("interp_size_type", lambda F, lib: F.interpolate(lib.zeros(1, 1, 4), size=(2.5,))),
    ("interp_recompute_size", lambda F, lib: F.interpolate(lib.zeros(1, 1, 4), size=2,
                                                           recompute_scale_factor=True)),
    ("interp_linear_4d", lambda F, lib: F.interpolate(lib.zeros(1, 1, 4, 4), size=2,
                                                      mode="linear")),
    ("interp_bilinear_3d", lambda F, lib: F.interpolate(lib.zeros(1, 1, 4), size=2,
                                                        mode="bilinear")),
    ("interp_trilinear_4d", lambda F, lib: F.interpolate(lib.zeros(1, 1, 4, 4), size=2,
                                                         mode="trilinear")),
    ("interp_bicubic_3d", lambda F, lib: F.interpolate(lib.zeros(1, 1, 4), size=2,
                                                       mode="bicubic")),
    ("interp_2d_input", lambda F, lib: F.interpolate(lib.zeros(1, 4), size=2)),
    ("pdist_3d", lambda F, lib: F.pdist(lib.zeros(2, 3, 4))),
    ("pdist_negative_p", lambda F, lib: F.pdist(lib.zeros(2, 3), p=-1.0)),
    ("kl_div_reduction", lambda F, lib: F.kl_div(lib.zeros(2), lib.zeros(2), reduction="avg")),
    ("gaussian_var_size", lambda F, lib: F.gaussian_nll_loss(lib.zeros(2, 3), lib.zeros(2, 3),
                                                             lib.ones(3, 2))),
    ("gaussian_var_negative", lambda F, lib: F.gaussian_nll_loss(lib.zeros(2), lib.zeros(2),
                                                                 -lib.ones(2))),
    ("gaussian_reduction", lambda F, lib: F.gaussian_nll_loss(lib.zeros(2), lib.zeros(2),
                                                              lib.ones(2), reduction="avg")),
    ("multi_margin_p3", lambda F, lib: F.multi_margin_loss(lib.zeros(2, 3),
                                                           lib.zeros(2, dtype=lib.long), p=3)),
    ("multi_margin_weight_2d", lambda F, lib: F.multi_margin_loss(
        lib.zeros(2, 3), lib.zeros(2, dtype=lib.long), weight=lib.ones(3, 1))),
    ("soft_margin_target_grad", lambda F, lib: F.soft_margin_loss(
        lib.zeros(2), lib.ones(2, requires_grad=True))),
    ("triplet_dims", lambda F, lib: F.triplet_margin_loss(lib.zeros(2, 3), lib.zeros(3),
                                                          lib.zeros(2, 3))),
    ("triplet_distance_margin", lambda F, lib: F.triplet_margin_with_distance_loss(
        lib.zeros(2, 3), lib.zeros(2, 3), lib.zeros(2, 3), margin=0.0)),
    ("triplet_layer_margin", lambda F, lib: lib.nn.TripletMarginLoss(margin=-1.0)),
    ("multi_margin_layer_p", lambda F, lib: lib.nn.MultiMarginLoss(p=3)),
    ("pixel_shuffle_2d", lambda F, lib: F.pixel_shuffle(lib.zeros(2, 3), 2)),
    ("pixel_shuffle_channels", lambda F, lib: F.pixel_shuffle(lib.zeros(5, 2, 2), 2)),
    ("pixel_unshuffle_2d", lambda F, lib: F.pixel_unshuffle(lib.zeros(2, 3), 2)),
    ("pixel_unshuffle_height", lambda F, lib: F.pixel_unshuffle(lib.zeros(1, 3, 4), 2)),
    ("pixel_unshuffle_width", lambda F, lib: F.pixel_unshuffle(lib.zeros(1, 4, 3), 2)),
    ("channel_shuffle_groups", lambda F, lib: F.channel_shuffle(lib.zeros(1, 5, 2), 2)),
    ("channel_shuffle_1d", lambda F, lib: F.channel_shuffle(lib.zeros(5), 2)),
    ("softmax2d_2d", lambda F, lib: lib.nn.Softmax2d()(lib.zeros(2, 3))),
    ("rms_norm_shape", lambda F, lib: F.rms_norm(lib.zeros(2, 3), (4,))),
    ("bilinear_size", lambda F, lib: F.bilinear(lib.zeros(2, 3), lib.zeros(2, 4),
                                                lib.zeros(5, 3, 3))),
    ("softshrink_negative", lambda F, lib: F.softshrink(lib.zeros(2), -1.0)),
    ("rrelu_bounds", lambda F, lib: F.rrelu(lib.zeros(2), 0.5, 0.1)),
    ("max_unpool_size", lambda F, lib: F.max_unpool1d(lib.zeros(1, 2, 2), lib.zeros(
        1, 2, 2, dtype=lib.long), 2, output_size=(9,))),
    ("max_unpool_size_len", lambda F, lib: F.max_unpool1d(lib.zeros(1, 2, 2), lib.zeros(
        1, 2, 2, dtype=lib.long), 2, output_size=(4, 4))),
    ("affine_grid_theta", lambda F, lib: F.affine_grid(lib.zeros(2, 3, 3), (2, 1, 4, 4),
                                                       align_corners=False)),
    ("affine_grid_size", lambda F, lib: F.affine_grid(lib.zeros(2, 2, 3), (2, 1, 4),
                                                      align_corners=False)),
    ("affine_grid_int", lambda F, lib: F.affine_grid(lib.zeros(2, 2, 3, dtype=lib.long),
                                                     (2, 1, 4, 4), align_corners=False)),
    ("grid_sample_mode", lambda F, lib: F.grid_sample(lib.zeros(1, 1, 2, 2),
                                                      lib.zeros(1, 2, 2, 2), mode="linear")),
    ("grid_sample_padding", lambda F, lib: F.grid_sample(
        lib.zeros(1, 1, 2, 2), lib.zeros(1, 2, 2, 2), padding_mode="wrap")),
]
# fmt: on


@pytest.mark.parametrize("build", [b for _, b in ERRORS], ids=[n for n, _ in ERRORS])
def test_errors_match_torch(build) -> None:
    """The same exception type and message as PyTorch (functional calls and constructors)."""
    assert_raises_like_torch(build, (ref.nn.functional, ref), (tl.nn.functional, tl))


# -- layers ---------------------------------------------------------------------------------------


def plain_inputs(*shapes):
    return lambda r: tuple(f32(r, *s) for s in shapes)


# fmt: off
LAYERS = [
    Row("upsample_nearest", lambda lib: lib.nn.Upsample(scale_factor=2),
        plain_inputs((1, 2, 3, 4))),
    Row("upsample_bilinear", lambda lib: lib.nn.Upsample(size=(5, 3), mode="bilinear"),
        plain_inputs((1, 2, 3, 4))),
    Row("upsample_trilinear_tuple", lambda lib: lib.nn.Upsample(
        scale_factor=(1.5, 2, 0.5), mode="trilinear", align_corners=True),
        plain_inputs((1, 1, 2, 3, 4))),
    Row("upsampling_nearest2d", lambda lib: lib.nn.UpsamplingNearest2d(size=(4, 6)),
        plain_inputs((1, 2, 3, 4))),
    Row("upsampling_bilinear2d", lambda lib: lib.nn.UpsamplingBilinear2d(scale_factor=2),
        plain_inputs((1, 2, 3, 4))),
    Row("pairwise_distance", lambda lib: lib.nn.PairwiseDistance(p=1.5, keepdim=True),
        plain_inputs((3, 4), (3, 4))),
    Row("cosine_similarity", lambda lib: lib.nn.CosineSimilarity(dim=0, eps=1e-6),
        plain_inputs((3, 4), (3, 4))),
    Row("kl_div_batchmean", lambda lib: lib.nn.KLDivLoss(reduction="batchmean", log_target=True),
        plain_inputs((3, 4), (3, 4))),
    Row("poisson_nll", lambda lib: lib.nn.PoissonNLLLoss(full=True, reduction="sum"),
        lambda r: (f32(r, 3, 4), positive(r, 3, 4) * 3)),
    Row("gaussian_nll", lambda lib: lib.nn.GaussianNLLLoss(full=True),
        lambda r: (f32(r, 3, 4), f32(r, 3, 4), positive(r, 3, 4))),
    Row("cosine_embedding", lambda lib: lib.nn.CosineEmbeddingLoss(margin=0.1),
        plain_inputs((4, 5), (4, 5)),
        lambda lib, m, a, b: m(a, b, lib.tensor([1.0, -1.0, -1.0, 1.0]))),
    Row("margin_ranking", lambda lib: lib.nn.MarginRankingLoss(margin=0.5),
        plain_inputs((5,), (5,)),
        lambda lib, m, a, b: m(a, b, lib.tensor([1.0, -1.0, -1.0, 1.0, 1.0]))),
    Row("hinge_embedding", lambda lib: lib.nn.HingeEmbeddingLoss(margin=0.5, reduction="sum"),
        plain_inputs((2, 3)),
        lambda lib, m, x: m(x, lib.tensor([[1.0, -1.0, -1.0], [1.0, 1.0, -1.0]]))),
    Row("soft_margin", lambda lib: lib.nn.SoftMarginLoss(),
        plain_inputs((2, 3)),
        lambda lib, m, x: m(x, lib.tensor([[1.0, -1.0, -1.0], [1.0, 1.0, -1.0]]))),
    Row("multilabel_soft_margin", lambda lib: lib.nn.MultiLabelSoftMarginLoss(
        weight=lib.tensor([0.5, 1.0, 2.0])), plain_inputs((2, 3)),
        lambda lib, m, x: m(x, lib.tensor([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]]))),
    Row("multi_margin", lambda lib: lib.nn.MultiMarginLoss(p=2, weight=lib.tensor([0.5, 1.0, 2.0])),
        plain_inputs((2, 3)), lambda lib, m, x: m(x, lib.tensor([2, 0]))),
    Row("multilabel_margin", lambda lib: lib.nn.MultiLabelMarginLoss(reduction="none"),
        plain_inputs((2, 3)), lambda lib, m, x: m(x, lib.tensor([[2, -1, 0], [0, 1, 2]]))),
    Row("triplet_margin", lambda lib: lib.nn.TripletMarginLoss(margin=2.0, p=1.5, swap=True),
        plain_inputs((3, 4), (3, 4), (3, 4))),
    Row("triplet_margin_with_distance", lambda lib: lib.nn.TripletMarginWithDistanceLoss(
        distance_function=lib.nn.CosineSimilarity(dim=-1), margin=0.5, reduction="sum"),
        plain_inputs((3, 4), (3, 4), (3, 4))),
    Row("pixel_shuffle", lambda lib: lib.nn.PixelShuffle(2), plain_inputs((1, 8, 2, 3))),
    Row("pixel_unshuffle", lambda lib: lib.nn.PixelUnshuffle(2), plain_inputs((1, 2, 4, 2))),
    Row("channel_shuffle", lambda lib: lib.nn.ChannelShuffle(2), plain_inputs((2, 4, 3))),
    Row("rms_norm", lambda lib: lib.nn.RMSNorm((3, 4), eps=1e-5), plain_inputs((2, 3, 4))),
    Row("rms_norm_no_affine", lambda lib: lib.nn.RMSNorm(4, elementwise_affine=False),
        plain_inputs((2, 4))),
    Row("bilinear", lambda lib: lib.nn.Bilinear(3, 4, 5), plain_inputs((2, 3), (2, 4))),
    Row("bilinear_no_bias", lambda lib: lib.nn.Bilinear(3, 2, 4, bias=False),
        plain_inputs((3,), (2,))),
    Row("lp_pool1d", lambda lib: lib.nn.LPPool1d(2, 3, stride=2), plain_inputs((2, 3, 7))),
    Row("lp_pool2d", lambda lib: lib.nn.LPPool2d(2, (2, 3)), plain_inputs((1, 2, 4, 6))),
    Row("lp_pool3d", lambda lib: lib.nn.LPPool3d(2, 2), plain_inputs((1, 1, 4, 4, 4))),
    Row("softshrink", lambda lib: lib.nn.Softshrink(0.2), plain_inputs((3, 4))),
    Row("hardshrink", lambda lib: lib.nn.Hardshrink(0.2), plain_inputs((3, 4))),
    Row("rrelu_eval", lambda lib: lib.nn.RReLU(0.1, 0.3).eval(), plain_inputs((3, 4))),
    Row("softmax2d", lambda lib: lib.nn.Softmax2d(), plain_inputs((2, 3, 2, 2))),
    Row("max_unpool2d", lambda lib: lib.nn.MaxUnpool2d(2), plain_inputs((1, 2, 4, 6)),
        lambda lib, m, x: m(*lib.nn.functional.max_pool2d(x, 2, return_indices=True))),
    Row("max_unpool1d_output_size", lambda lib: lib.nn.MaxUnpool1d(2, stride=2),
        plain_inputs((2, 3, 7)),
        lambda lib, m, x: m(*lib.nn.functional.max_pool1d(x, 2, return_indices=True),
                            output_size=[2, 3, 7])),
    Row("max_unpool3d", lambda lib: lib.nn.MaxUnpool3d((1, 2, 2)), plain_inputs((1, 1, 2, 4, 4)),
        lambda lib, m, x: m(*lib.nn.functional.max_pool3d(x, (1, 2, 2), return_indices=True))),
]
# fmt: on


@pytest.mark.parametrize("row", LAYERS, ids=lambda r: r.id)
def test_layer_matches_torch(row: Row) -> None:
    check_matches_torch(row)
    check_state_dict_and_repr(row)


@pytest.mark.parametrize("row", LAYERS, ids=lambda r: r.id)
def test_layer_compiled_matches_eager(row: Row) -> None:
    check_compiled_matches_eager(row)


def test_legacy_args_warn_and_kl_div_mean_warns() -> None:
    """``size_average``/``reduce`` and ``kl_div(reduction='mean')`` warn as PyTorch does."""
    x, t = np.zeros(3, np.float32), np.ones(3, np.float32)
    for lib in (ref, tl):
        with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
            lib.nn.functional.soft_margin_loss(lib.tensor(x), lib.tensor(t), reduce=False)
        with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
            lib.nn.functional.kl_div(lib.tensor(x), lib.tensor(t))


# -- in-place variants and random ops ----------------------------------------------------------

INPLACE = [
    ("celu_", (0.7,)),
    ("selu_", ()),
    ("leaky_relu_", (0.2,)),
    ("threshold_", (0.1, -2.0)),
    ("rrelu_", (0.1, 0.3)),
]


@pytest.mark.parametrize(("name", "args"), INPLACE, ids=[n for n, _ in INPLACE])
def test_inplace_variants_match_torch(name: str, args: tuple) -> None:
    """The in-place op overwrites a non-leaf and backpropagates through it as PyTorch's."""
    x = f32(np.random.default_rng(0), 3, 4)
    results = []
    for lib in (ref, tl):
        leaf = lib.tensor(x, requires_grad=True)
        y = leaf * 1.5
        out = getattr(lib.nn.functional, name)(y, *args)
        assert out is y
        (out * lib.tensor(x)).sum().backward()
        results.append((out.detach().numpy(), leaf.grad.numpy()))
    for ours, theirs in zip(results[1], results[0]):
        np.testing.assert_allclose(ours, theirs, **TOL[np.dtype(np.float32)])


def test_rrelu_training_slopes() -> None:
    """Training slopes lie in ``[lower, upper]``, are the gradient, and repeat with the seed."""
    x = -np.abs(f32(np.random.default_rng(0), 200)) - 0.1
    t = tl.tensor(x, requires_grad=True)
    tl.manual_seed(3)
    y = tl.nn.functional.rrelu(t, 0.1, 0.3, training=True)
    y.sum().backward()
    slopes = y.detach().numpy() / x
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and slopes.std() > 0.03
    np.testing.assert_allclose(t.grad.numpy(), slopes, rtol=1e-5)
    tl.manual_seed(3)
    again = tl.nn.functional.rrelu(tl.tensor(x), 0.1, 0.3, training=True)
    np.testing.assert_array_equal(again.numpy(), y.detach().numpy())
    positive_x = tl.tensor(np.abs(x))
    np.testing.assert_array_equal(tl.nn.RReLU()(positive_x).numpy(), np.abs(x))


@pytest.mark.parametrize("hard", [False, True])
def test_gumbel_softmax(hard: bool) -> None:
    """Samples are distributions (one-hot when ``hard``), follow the logits' softmax on
    average, and the straight-through gradient is the soft sample's."""
    logits = np.log(np.array([0.1, 0.2, 0.7], np.float32))
    tl.manual_seed(0)
    t = tl.tensor(np.tile(logits, (4000, 1)), requires_grad=True)
    y = tl.nn.functional.gumbel_softmax(t, tau=0.5, hard=hard)
    values = y.detach().numpy()
    np.testing.assert_allclose(values.sum(-1), 1.0, rtol=1e-5)
    if hard:
        assert set(np.unique(values)) <= {0.0, 1.0}
    np.testing.assert_allclose(values.mean(0), [0.1, 0.2, 0.7], atol=0.05 if not hard else 0.03)
    y[:, 2].sum().backward()
    assert np.isfinite(t.grad.numpy()).all() and np.abs(t.grad.numpy()).sum() > 0
    np.testing.assert_allclose(t.grad.numpy().sum(-1), 0.0, atol=1e-5)


def test_align_corners_default_warns() -> None:
    """``affine_grid``/``grid_sample`` without ``align_corners`` warn as PyTorch does and use
    ``False``."""
    theta = np.array([[[0.9, 0.2, 0.1], [-0.3, 1.1, 0.0]]], np.float32)
    results = []
    for lib in (ref, tl):
        with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
            g = lib.nn.functional.affine_grid(lib.tensor(theta), (1, 1, 3, 4))
        with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
            y = lib.nn.functional.grid_sample(lib.arange(12.0).reshape(1, 1, 3, 4), g)
        results.append(y.numpy())
    np.testing.assert_allclose(results[1], results[0], **TOL[np.dtype(np.float32)])


DEPRECATED = [
    ("upsample", dict(scale_factor=2, mode="bilinear")),
    ("upsample_nearest", dict(size=(3, 5))),
    ("upsample_bilinear", dict(scale_factor=1.5)),
]


@pytest.mark.parametrize(("name", "kwargs"), DEPRECATED, ids=[n for n, _ in DEPRECATED])
def test_deprecated_upsample_aliases(name: str, kwargs: dict) -> None:
    """The deprecated aliases warn as PyTorch's and return :func:`interpolate`'s result."""
    x = f32(np.random.default_rng(0), 1, 2, 2, 3)
    results = []
    for lib in (ref, tl):
        with pytest.warns(UserWarning, match=f"`nn.functional.{name}` is deprecated"):
            results.append(getattr(lib.nn.functional, name)(lib.tensor(x), **kwargs).numpy())
    np.testing.assert_allclose(results[1], results[0], **TOL[np.dtype(np.float32)])
