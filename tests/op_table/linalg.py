"""Products and linear algebra: matmul family, ``einsum``, norms, decompositions, solvers."""

from __future__ import annotations

import functools

import numpy as np
import torch

import torchlike as tl

from .core import (
    _NP,
    F64,
    INTS,
    MOVE,
    NUMERIC,
    OpInfo,
    call,
    fn,
    make,
    matmul_errors,
    matmul_samples,
    mismatched,
    same,
    samples_of,
)


def mm_samples(rng, dt):
    yield call(make(rng, (3, 4), dt), make(rng, (4, 5), dt))
    yield call(make(rng, (1, 2), dt), make(rng, (2, 1), dt))
    yield call(make(rng, (0, 2), dt), make(rng, (2, 3), dt))


def mm_errors(rng):
    yield call(make(rng, (3, 4), "float32"), make(rng, (5, 2), "float32"))
    yield call(make(rng, (3,), "float32"), make(rng, (3, 2), "float32"))


def bmm_samples(rng, dt):
    yield call(make(rng, (2, 3, 4), dt), make(rng, (2, 4, 5), dt))
    yield call(make(rng, (1, 1, 2), dt), make(rng, (1, 2, 3), dt))


def bmm_errors(rng):
    yield call(make(rng, (2, 3, 4), "float32"), make(rng, (3, 4, 5), "float32"))
    yield call(make(rng, (3, 4), "float32"), make(rng, (4, 5), "float32"))


def lin(name: str, **kwargs) -> dict:
    """``torchlike.linalg.<name>`` and ``torch.linalg.<name>``."""
    ours, ref = getattr(tl.linalg, name), getattr(torch.linalg, name)
    if kwargs:
        ours, ref = functools.partial(ours, **kwargs), functools.partial(ref, **kwargs)
    return dict(ours=ours, ref=ref)


def lib_of(t):
    return torch if isinstance(t, torch.Tensor) else tl


def well_conditioned(rng, shape, dt):
    """Square matrices ``M + n I`` with ``M`` in [-1, 1): far from singular."""
    n = shape[-1]
    return (make(rng, shape, dt, -1, 1) + n * np.eye(n)).astype(_NP[dt])


def spd(x):
    """A symmetric positive-definite matrix made from any square ``x`` (both libraries)."""
    lib = lib_of(x)
    return x @ x.mT + x.shape[-1] * lib.eye(x.shape[-1], dtype=x.dtype)


def fix_signs(u, v):
    """Columns of ``u`` (and the matching columns of ``v``) with their largest entry positive:
    singular and eigen vectors are unique only up to sign."""
    s = u.gather(-2, u.abs().argmax(-2, keepdim=True)).sign()
    return u * s, v * s


def svd_fixed(a, full_matrices=False):
    u, s, vh = lib_of(a).linalg.svd(a, full_matrices=full_matrices)
    u, v = fix_signs(u, vh.mT)
    return u, s, v


def eigh_fixed(a):
    w, v = lib_of(a).linalg.eigh(spd(a))
    return w, fix_signs(v, v)[0]


def cholesky_spd(a, upper=False):
    return lib_of(a).linalg.cholesky(spd(a), upper=upper)


def einsum_samples(rng, dt):
    yield call("ij,jk->ik", make(rng, (2, 3), dt), make(rng, (3, 4), dt))
    yield call("bij,bjk->bik", make(rng, (2, 2, 3), dt), make(rng, (2, 3, 2), dt))
    yield call("ii->i", make(rng, (3, 3), dt))
    yield call("i,j->ij", make(rng, (3,), dt), make(rng, (2,), dt))
    yield call("...ij->...ji", make(rng, (2, 3, 4), dt))
    yield call("ij->", make(rng, (2, 3), dt))


def tensordot_samples(rng, dt):
    yield call(make(rng, (2, 3, 4), dt), make(rng, (3, 4, 5), dt))
    yield call(make(rng, (2, 3), dt), make(rng, (3, 4), dt), 1)
    yield call(make(rng, (2, 3, 4), dt), make(rng, (4, 2), dt), ([0, 2], [1, 0]))
    yield call(make(rng, (2,), dt), make(rng, (3,), dt), 0)


def cross_samples(rng, dt):
    yield call(make(rng, (4, 3), dt), make(rng, (4, 3), dt), dim=1)
    yield call(make(rng, (3, 2), dt), make(rng, (3, 2), dt), dim=0)
    yield call(make(rng, (2, 1, 3), dt), make(rng, (1, 4, 3), dt), dim=-1)


def cdist_samples(rng, dt):
    yield call(make(rng, (3, 4), dt), make(rng, (5, 4), dt))
    yield call(make(rng, (2, 3, 2), dt), make(rng, (2, 4, 2), dt), 1.0)
    yield call(make(rng, (3, 2), dt), make(rng, (2, 2), dt), 3.0)
    yield call(make(rng, (3, 2), dt), make(rng, (2, 2), dt), float("inf"))
    yield call(make(rng, (3, 2), dt), make(rng, (3, 2), dt), 0.0)


def cdist_errors(rng):
    yield call(make(rng, (3, 4), "float32"), make(rng, (3, 5), "float32"))
    yield call(make(rng, (4,), "float32"), make(rng, (3, 4), "float32"))


def matrix_samples(rng, dt, shapes=((3, 3), (2, 3, 3), (1, 1))):
    for s in shapes:
        yield call(well_conditioned(rng, s, dt))


def square_errors(rng):
    yield call(make(rng, (2, 3), "float32"))
    yield call(make(rng, (3,), "float32"))
    yield call(make(rng, (3, 3), "int64"))


def solve_samples(rng, dt):
    yield call(well_conditioned(rng, (3, 3), dt), make(rng, (3, 2), dt))
    yield call(well_conditioned(rng, (3, 3), dt), make(rng, (3,), dt))
    yield call(well_conditioned(rng, (2, 3, 3), dt), make(rng, (3, 4), dt))
    yield call(well_conditioned(rng, (3, 3), dt), make(rng, (2, 3), dt), left=False)


def solve_errors(rng):
    yield call(well_conditioned(rng, (3, 3), "float32"), make(rng, (4, 2), "float32"))
    yield call(well_conditioned(rng, (3, 3), "float32"), make(rng, (3, 2), "float64"))
    yield call(np.zeros((2, 2), np.float32), make(rng, (2, 1), "float32"))


def rect_samples(rng, dt):
    yield call(make(rng, (4, 3), dt))
    yield call(make(rng, (3, 4), dt))
    yield call(make(rng, (2, 3, 3), dt))


def vector_norm_samples(rng, dt):
    x = make(rng, (2, 3, 4), dt)
    yield call(x)
    yield call(x, 1, -1)
    yield call(x, float("inf"), (0, 2), keepdim=True)
    yield call(x, 3.5, 1)
    yield call(x, 0)
    yield call(make(rng, (0, 3), dt), 2, 1)


def matrix_norm_samples(rng, dt):
    x = make(rng, (2, 3, 4), dt)
    for ord_ in ("fro", "nuc", 1, -1, 2, -2, float("inf"), float("-inf")):
        yield call(x, ord_)
    yield call(x, "fro", (0, 2), keepdim=True)


def linalg_norm_samples(rng, dt):
    yield call(make(rng, (2, 3, 4), dt))
    yield call(make(rng, (3, 4), dt), "fro")
    yield call(make(rng, (3, 4), dt), 2)
    yield call(make(rng, (4,), dt), 1)
    yield call(make(rng, (2, 3, 4), dt), None, (0, 2))
    yield call(make(rng, (2, 3, 4), dt), 3, -1, keepdim=True)
    yield call(make(rng, (3, 4), dt), float("inf"), (1, 0))


SVD_TOL = dict(
    grad_tol={"float64": (1e-6, 1e-6)},
    tol_reason="gradients through LAPACK decompositions: one ulp per step adds up",
)


# fmt: off
OPS: list[OpInfo] = [
    OpInfo("matmul", **fn("matmul"), samples=matmul_samples, dtypes=("float32", "float64") + INTS,
           method="matmul", errors=matmul_errors),
    OpInfo("mm", **fn("mm"), samples=mm_samples, dtypes=("float32", "float64") + INTS,
           method="mm", errors=mm_errors),
    OpInfo("bmm", **fn("bmm"), samples=bmm_samples, dtypes=("float32", "float64") + INTS,
           method="bmm", errors=bmm_errors),
    OpInfo("mv", **fn("mv"), samples=lambda r, dt: [
        call(make(r, (3, 4), dt), make(r, (4,), dt)), call(make(r, (0, 2), dt), make(r, (2,), dt))],
        dtypes=("float32", "float64") + INTS, method="mv",
        errors=lambda r: [call(make(r, (3, 4), "float32"), make(r, (3,), "float32"))]),
    OpInfo("dot", **fn("dot"), samples=lambda r, dt: [
        call(make(r, (4,), dt), make(r, (4,), dt)), call(make(r, (0,), dt), make(r, (0,), dt))],
        dtypes=("float32", "float64") + INTS, method="dot",
        errors=lambda r: [call(make(r, (4,), "float32"), make(r, (3,), "float32"))]),
    OpInfo("outer", **fn("outer"), samples=lambda r, dt: [
        call(make(r, (4,), dt), make(r, (3,), dt)), call(make(r, (0,), dt), make(r, (2,), dt))],
        dtypes=MOVE, method="outer"),
    OpInfo("addmm", **fn("addmm"), samples=lambda r, dt: [
        call(make(r, (3, 5), dt), make(r, (3, 4), dt), make(r, (4, 5), dt)),
        call(make(r, (5,), dt), make(r, (3, 4), dt), make(r, (4, 5), dt), beta=0.5, alpha=2),
        call(make(r, (1, 1), dt), make(r, (2, 3), dt), make(r, (3, 2), dt), beta=0)],
        dtypes=("float32", "float64"), method="addmm", inplace="addmm_",
        errors=lambda r: [call(make(r, (3, 5), "float32"), make(r, (3, 4), "float32"),
                               make(r, (3, 5), "float32"))]),
    OpInfo("addmv", **fn("addmv"), samples=lambda r, dt: [
        call(make(r, (3,), dt), make(r, (3, 4), dt), make(r, (4,), dt)),
        call(make(r, (1,), dt), make(r, (3, 4), dt), make(r, (4,), dt), beta=2, alpha=0.5)],
        dtypes=("float32", "float64"), method="addmv", inplace="addmv_"),
    OpInfo("addr", **fn("addr"), samples=lambda r, dt: [
        call(make(r, (3, 4), dt), make(r, (3,), dt), make(r, (4,), dt)),
        call(make(r, (4,), dt), make(r, (3,), dt), make(r, (4,), dt), beta=0.5, alpha=2)],
        dtypes=("float32", "float64"), method="addr", inplace="addr_"),
    OpInfo("baddbmm", **fn("baddbmm"), samples=lambda r, dt: [
        call(make(r, (2, 2, 3), dt), make(r, (2, 2, 2), dt), make(r, (2, 2, 3), dt)),
        call(make(r, (3, 5), dt), make(r, (2, 3, 4), dt), make(r, (2, 4, 5), dt), beta=0.5,
             alpha=-1)],
        dtypes=("float32", "float64"), method="baddbmm", inplace="baddbmm_",
        errors=lambda r: [call(make(r, (2, 3, 5), "float32"), make(r, (2, 3, 4), "float32"),
                               make(r, (3, 4, 5), "float32"))]),
    OpInfo("addbmm", **fn("addbmm"), samples=lambda r, dt: [
        call(make(r, (2, 3), dt), make(r, (2, 2, 2), dt), make(r, (2, 2, 3), dt)),
        call(make(r, (3, 5), dt), make(r, (2, 3, 4), dt), make(r, (2, 4, 5), dt), beta=2,
             alpha=0.5)],
        dtypes=("float32", "float64"), method="addbmm", inplace="addbmm_"),
    OpInfo("einsum", **fn("einsum"), samples=einsum_samples, dtypes=("float32", "float64")),
    OpInfo("kron", **fn("kron"), samples=lambda r, dt: [
        call(make(r, (2, 3), dt), make(r, (3, 2), dt)), call(make(r, (2,), dt), make(r, (3,), dt)),
        call(make(r, (2, 2), dt), make(r, (2, 1, 2), dt))], dtypes=NUMERIC, method="kron"),
    OpInfo("tensordot", **fn("tensordot"), samples=tensordot_samples,
           dtypes=("float32", "float64"),
           errors=lambda r: [call(make(r, (2, 3), "float32"), make(r, (4, 2), "float32"), 1)]),
    OpInfo("cross", **fn("cross"), samples=cross_samples, dtypes=("float32", "float64"),
           method="cross",
           errors=lambda r: [call(make(r, (3, 4), "float32"), make(r, (3, 4), "float32"), dim=1)]),
    OpInfo("cdist", **fn("cdist"), samples=cdist_samples, dtypes=("float32", "float64"),
           errors=cdist_errors),
    OpInfo("matrix_power", **fn("matrix_power"), samples=lambda r, dt: [
        call(well_conditioned(r, (3, 3), dt), 3), call(well_conditioned(r, (2, 2, 2), dt), 0),
        call(well_conditioned(r, (3, 3), dt), -2)], dtypes=("float32", "float64"),
        method="matrix_power"),
    OpInfo("linalg.multi_dot", **lin("multi_dot"), samples=lambda r, dt: [
        call([make(r, (2, 3), dt), make(r, (3, 4), dt), make(r, (4, 2), dt)])],
        dtypes=("float32", "float64")),
    OpInfo("linalg.norm", **lin("norm"), samples=linalg_norm_samples,
           dtypes=("float32", "float64"),
           errors=lambda r: [call(make(r, (2, 3, 4), "float32"), 2)]),
    OpInfo("linalg.vector_norm", **lin("vector_norm"), samples=vector_norm_samples,
           dtypes=("float32", "float64", "float16")),
    OpInfo("linalg.matrix_norm", **lin("matrix_norm"), samples=matrix_norm_samples,
           dtypes=("float32", "float64"), **SVD_TOL,
           errors=lambda r: [call(make(r, (3,), "float32"))]),
    OpInfo("linalg.det", **lin("det"), samples=matrix_samples, dtypes=("float32", "float64"),
           errors=square_errors),
    OpInfo("det", **fn("det"), samples=matrix_samples, dtypes=("float32", "float64"),
           method="det"),
    OpInfo("logdet", **fn("logdet"), samples=matrix_samples, dtypes=("float32", "float64"),
           method="logdet"),
    OpInfo("linalg.slogdet", **lin("slogdet"), samples=lambda r, dt: [
        call(well_conditioned(r, (3, 3), dt)), call(-well_conditioned(r, (3, 3), dt)),
        call(well_conditioned(r, (2, 2, 2), dt))], dtypes=("float32", "float64")),
    OpInfo("linalg.inv", **lin("inv"), samples=matrix_samples, dtypes=("float32", "float64"),
           errors=lambda r: [*square_errors(r), call(np.zeros((2, 2), np.float32))]),
    OpInfo("inverse", **fn("inverse"), samples=matrix_samples, dtypes=("float32", "float64"),
           method="inverse"),
    OpInfo("linalg.solve", **lin("solve"), samples=solve_samples, dtypes=("float32", "float64"),
           errors=solve_errors),
    OpInfo("linalg.cholesky", **same(cholesky_spd), samples=matrix_samples,
           dtypes=("float32", "float64")),
    OpInfo("linalg.cholesky_upper", **same(functools.partial(cholesky_spd, upper=True)),
           samples=matrix_samples, dtypes=("float32", "float64")),
    OpInfo("linalg.cholesky_errors", **lin("cholesky"), samples=lambda r, dt: [
        call(spd(tl.tensor(make(r, (3, 3), dt))).numpy())],
        dtypes=("float32", "float64"),
        errors=lambda r: [call(-np.eye(3, dtype=np.float32)), *square_errors(r)]),
    OpInfo("linalg.qr", **lin("qr"), samples=rect_samples, dtypes=("float32", "float64"),
           **SVD_TOL),
    OpInfo("linalg.qr_complete", **lin("qr", mode="complete"),
           samples=lambda r, dt: [call(make(r, (4, 3), dt))], dtypes=("float32", "float64"),
           differentiable=False),
    OpInfo("linalg.svd", **same(svd_fixed), samples=rect_samples,
           dtypes=("float32", "float64"), **SVD_TOL),
    OpInfo("linalg.svd_full", **lin("svd"), samples=lambda r, dt: [
        call(make(r, (3, 3), dt))], dtypes=("float32", "float64"), differentiable=False,
        tol={"float32": (1e-5, 1e-5)},
        tol_reason="the same LAPACK routine, built differently: a few ulps apart"),
    OpInfo("svd", **same(lambda a, **k: (lambda u, s, v: (*fix_signs(u, v), s))(
        *lib_of(a).svd(a, **k))), samples=rect_samples, dtypes=("float32", "float64"),
        **SVD_TOL),
    OpInfo("linalg.svdvals", **lin("svdvals"), samples=rect_samples,
           dtypes=("float32", "float64"), **SVD_TOL),
    OpInfo("linalg.eigh", **same(eigh_fixed), samples=matrix_samples,
           dtypes=("float32", "float64"), **SVD_TOL),
    OpInfo("linalg.eigvalsh", **same(lambda a: lib_of(a).linalg.eigvalsh(spd(a))),
           samples=matrix_samples, dtypes=("float32", "float64"), **SVD_TOL),
    OpInfo("linalg.pinv", **lin("pinv"), samples=rect_samples, dtypes=("float32", "float64"),
           **SVD_TOL),
    OpInfo("inner", **fn("inner"), samples=lambda r, dt: [
        call(make(r, (2, 3), dt), make(r, (4, 3), dt)), call(make(r, (3,), dt), make(r, (3,), dt)),
        call(make(r, (), dt), make(r, (2,), dt))], dtypes=("float32", "float64"),
        method="inner",
        errors=lambda r: [call(make(r, (2, 3), "float32"), make(r, (2,), "float32"))]),
    OpInfo("vdot", **fn("vdot"), samples=lambda r, dt: [
        call(make(r, (4,), dt), make(r, (4,), dt))], dtypes=("float32", "float64"),
        method="vdot"),
    OpInfo("dist", **fn("dist"), samples=lambda r, dt: [
        call(make(r, (3, 4), dt), make(r, (4,), dt)), call(make(r, (3,), dt), make(r, (3,), dt), 1),
        call(make(r, (2, 3), dt), make(r, (2, 3), dt), float("inf"))],
        dtypes=("float32", "float64"), method="dist", errors=mismatched),
    OpInfo("renorm", **fn("renorm"), samples=samples_of(
        lambda r, dt: call(make(r, (3, 4), dt), 2, 0, 1.0),
        lambda r, dt: call(make(r, (2, 3, 4), dt), 1, -1, 2.0),
    ), dtypes=F64, method="renorm", inplace="renorm_"),
    OpInfo("matrix_exp", **fn("matrix_exp"), samples=samples_of(
        lambda r, dt: call(make(r, (3, 3), dt, -1, 1)),
        lambda r, dt: call(make(r, (2, 2, 2), dt, -1, 1)),
    ), dtypes=F64, method="matrix_exp"),
]
# fmt: on
