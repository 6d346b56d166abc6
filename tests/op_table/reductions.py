"""Reductions, scans, sorting, searching and order statistics."""

from __future__ import annotations

import numpy as np

from .core import (
    _NP,
    ALL,
    DATA_SHAPE,
    F64,
    FLOAT_INT,
    FLOATS,
    MOVE,
    NUMERIC,
    PAIRS,
    Dt,
    OpInfo,
    binary,
    call,
    dim_errors,
    distinct,
    fn,
    make,
    reduction,
    same,
    samples_of,
    unary,
)


def with_nans(rng, shape, dt):
    x = make(rng, shape, dt)
    x.reshape(-1)[::3] = np.nan
    return x


def sort_samples(rng, dt):
    yield call(distinct(rng, (3, 5), dt))
    yield call(distinct(rng, (3, 5), dt), 0)
    yield call(distinct(rng, (2, 3, 4), dt), -2, descending=True)
    yield call(distinct(rng, (), dt))
    yield call(distinct(rng, (0, 3), dt), 1)


def topk_samples(rng, dt):
    yield call(distinct(rng, (3, 5), dt), 2)
    yield call(distinct(rng, (3, 5), dt), 3, 0)
    yield call(distinct(rng, (2, 3, 4), dt), 1, -1, largest=False)
    yield call(distinct(rng, (4,), dt), 0)


def kth_samples(rng, dt):
    yield call(distinct(rng, (3, 5), dt), 2)
    yield call(distinct(rng, (3, 5), dt), 3, 0, keepdim=True)
    yield call(distinct(rng, (2, 3, 4), dt), 4, -1)
    yield call(distinct(rng, (), dt), 1)


def median_dim_samples(rng, dt):
    yield call(distinct(rng, (3, 5), dt), 1)
    yield call(distinct(rng, (4, 3), dt), 0, keepdim=True)
    yield call(distinct(rng, (2, 3, 4), dt), -1)
    yield call(distinct(rng, (), dt), 0)


def mode_samples(rng, dt):
    low, high = (-2, 2) if dt != "bool" else (0, 1)
    yield call(make(rng, (3, 8), dt, low, high))
    yield call(make(rng, (6, 3), dt, low, high), 0, keepdim=True)
    yield call(make(rng, (2, 3, 5), dt, low, high), 1)


def quantile_samples(rng, dt):
    x = distinct(rng, (3, 5), dt)
    yield call(x, 0.3)
    yield call(x, 0.5, dim=1)
    yield call(x, 0.75, dim=0, keepdim=True)
    yield call(distinct(rng, (2, 3, 4), dt), 0.4, dim=-1, interpolation="lower")
    yield call(x, 0.1, interpolation="midpoint")
    yield call(x, 0.6, dim=1, interpolation="nearest")
    yield call(x, 0.2, interpolation="higher")
    yield call(x, 0.5, keepdim=True)


def quantile_errors(rng):
    yield call(make(rng, (3,), "int64"), 0.5)
    yield call(make(rng, (3,), "float32"), 1.5)
    yield call(make(rng, (3,), "float32"), 0.5, interpolation="cubic")


def unique_samples(rng, dt):
    low, high = (-2, 3) if dt != "bool" else (0, 1)
    x = make(rng, (4, 5), dt, low, high)
    yield call(x)
    yield call(x, return_inverse=True)
    yield call(x, return_counts=True)
    yield call(x, return_inverse=True, return_counts=True)
    yield call(make(rng, (0,), dt))
    rows = make(rng, (2, 3), dt, low, high)
    yield call(np.concatenate([rows, rows[:1], rows]), dim=0, return_inverse=True)


def bincount_samples(rng, dt):
    yield call(make(rng, (10,), "int64", 0, 5))
    yield call(make(rng, (10,), "int64", 0, 5), make(rng, (10,), dt))
    yield call(make(rng, (10,), "int64", 0, 5), minlength=8)
    yield call(np.zeros((0,), np.int64))


def histc_samples(rng, dt):
    yield call(make(rng, (20,), dt), 5)
    yield call(make(rng, (3, 7), dt), 4, -1, 2)
    yield call(make(rng, (10,), dt), bins=3, min=-5, max=5)
    yield call(np.full((4,), 2.0, _NP[dt]), 4)


def scan_samples(rng, dt, distinct_values=False):
    m = distinct if distinct_values else make
    yield call(m(rng, (3, 4), dt), 1)
    yield call(m(rng, (3, 4), dt), 0)
    yield call(m(rng, (2, 3, 4), dt), -2)
    yield call(m(rng, (), dt), 0)
    yield call(m(rng, (0, 3), dt), 1)


def diff_samples(rng, dt):
    yield call(make(rng, (3, 5), dt))
    yield call(make(rng, (3, 5), dt), 2, 0)
    yield call(make(rng, (4,), dt), prepend=make(rng, (2,), dt), append=make(rng, (1,), dt))
    yield call(make(rng, (2, 3, 4), dt), 1, 1)
    yield call(make(rng, (3, 4), dt), 0)


# fmt: off
OPS: list[OpInfo] = [
    OpInfo("sum", **fn("sum"), samples=reduction(), dtypes=ALL, method="sum",
           errors=dim_errors),
    OpInfo("sum_dtype", **same(lambda x, **k: x.sum(**k)),
           samples=unary(shapes=[(3, 4)], dtype=Dt("float64")), dtypes=FLOAT_INT + ("bool",)),
    OpInfo("mean", **fn("mean"), samples=reduction(), method="mean",
           errors=lambda r: [call(make(r, (3,), "int64")), *dim_errors(r)]),
    OpInfo("prod", **fn("prod"), samples=reduction(dims=(None, 1, -1), low=0.5, high=1.5),
           dtypes=ALL, method="prod"),
    OpInfo("max", **fn("max"), samples=reduction(dims=(None, 1, -1)), dtypes=ALL,
           method="max",
           errors=lambda r: [call(make(r, (0, 3), "float32")), *dim_errors(r)]),
    OpInfo("min", **fn("min"), samples=reduction(dims=(None, 0, -2)), dtypes=ALL,
           method="min", errors=lambda r: [call(make(r, (0,), "float32"))]),
    OpInfo("max_binary", **fn("max"), samples=binary(scalars=None, pairs=PAIRS[:3]),
           dtypes=FLOAT_INT),
    OpInfo("argmax", **fn("argmax"), samples=reduction(dims=(None, 1, -1)),
           dtypes=FLOAT_INT, method="argmax", differentiable=False,
           errors=lambda r: [call(make(r, (0,), "float32")), call(make(r, (2,), "bool"))]),
    OpInfo("argmin", **fn("argmin"), samples=reduction(dims=(None, 0, -1)), dtypes=FLOAT_INT,
           method="argmin", differentiable=False),
    OpInfo("std", **fn("std"), samples=reduction(degenerate=False), method="std",
           errors=lambda r: [call(make(r, (3,), "int64"))]),
    OpInfo("std_unbiased_false", **fn("std", unbiased=False),
           samples=reduction(dims=(None, 1), keepdim=False, degenerate=False)),
    OpInfo("var", **fn("var"), samples=reduction(degenerate=False), method="var",
           errors=lambda r: [call(make(r, (3,), "int32"))]),
    OpInfo("var_correction", **fn("var", correction=0),
           samples=reduction(dims=(None, -1), keepdim=False, degenerate=False)),
    OpInfo("norm", **fn("norm"), samples=reduction(dim_kw=True), method="norm",
           errors=lambda r: [call(make(r, (3,), "int64"))]),
    OpInfo("norm_p", **fn("norm"),
           samples=samples_of(
               lambda r, dt: call(make(r, (3, 4), dt), 1),
               lambda r, dt: call(make(r, (3, 4), dt), 3, 1),
               lambda r, dt: call(make(r, (3, 4), dt), float("inf"), -1),
               lambda r, dt: call(make(r, (3, 4), dt), 2, (0, 1)),
           )),
    OpInfo("all", **fn("all"), samples=reduction(dims=(None, 1, -1)), dtypes=ALL,
           method="all", differentiable=False),
    OpInfo("any", **fn("any"), samples=reduction(dims=(None, 1, -1)), dtypes=ALL,
           method="any", differentiable=False),
    OpInfo("nansum", **fn("nansum"), samples=lambda r, dt: [
        call(with_nans(r, (3, 4), dt)), call(with_nans(r, (3, 4), dt), 1),
        call(with_nans(r, (2, 3, 4), dt), (0, 2), keepdim=True), call(make(r, (0, 2), dt))],
        dtypes=FLOATS, method="nansum"),
    OpInfo("nanmean", **fn("nanmean"), samples=lambda r, dt: [
        call(with_nans(r, (3, 4), dt)), call(with_nans(r, (3, 4), dt), 1),
        call(with_nans(r, (2, 3, 4), dt), -1, keepdim=True)],
        dtypes=FLOATS, method="nanmean", errors=lambda r: [call(make(r, (3,), "int64"))]),
    OpInfo("amax", **fn("amax"), samples=reduction(dims=((), 1, -1, (0, 2)), degenerate=False),
           dtypes=MOVE, method="amax",
           errors=lambda r: [call(make(r, (0, 3), "float32")), *dim_errors(r)]),
    OpInfo("amin", **fn("amin"), samples=reduction(dims=((), 0, (1, 2)), degenerate=False),
           dtypes=MOVE, method="amin"),
    OpInfo("aminmax", **fn("aminmax"), samples=lambda r, dt: [
        call(make(r, (3, 4), dt)), call(make(r, (3, 4), dt), dim=1),
        call(make(r, (2, 3, 4), dt), dim=-1, keepdim=True), call(make(r, (), dt))],
        dtypes=MOVE, method="aminmax", differentiable=False,
        errors=lambda r: [call(make(r, (0, 3), "float32"))]),
    OpInfo("count_nonzero", **fn("count_nonzero"), samples=lambda r, dt: [
        call(make(r, (3, 4), dt, -1, 2)), call(make(r, (3, 4), dt, -1, 2), 1),
        call(make(r, (2, 3, 4), dt, -1, 2), (0, 2)), call(make(r, (), dt))],
        dtypes=MOVE, method="count_nonzero", differentiable=False),
    OpInfo("logsumexp", **fn("logsumexp"), samples=reduction(dims=(1, -1, (0, 2)),
           degenerate=False), dtypes=NUMERIC, method="logsumexp", errors=dim_errors),
    OpInfo("var_mean", **fn("var_mean"), samples=reduction(dims=(None, 1, (0, 2)),
           degenerate=False), dtypes=("float32", "float64")),
    OpInfo("std_mean", **fn("std_mean"), samples=reduction(dims=(None, -1), degenerate=False,
           correction=0), dtypes=("float32", "float64")),
    OpInfo("cumsum", **fn("cumsum"), samples=scan_samples, dtypes=MOVE, method="cumsum",
           inplace="cumsum_", errors=dim_errors),
    OpInfo("cumprod", **fn("cumprod"), samples=lambda r, dt: (
        call(make(r, (3, 4), dt, 0.5, 1.5), 1), call(make(r, (2, 3, 4), dt, 0.5, 1.5), -2),
        call(make(r, (), dt), 0)), dtypes=NUMERIC, method="cumprod", inplace="cumprod_"),
    OpInfo("cummax", **fn("cummax"), samples=scan_samples, dtypes=NUMERIC, method="cummax",
           errors=dim_errors),
    OpInfo("cummin", **fn("cummin"), samples=scan_samples, dtypes=NUMERIC, method="cummin"),
    OpInfo("logcumsumexp", **fn("logcumsumexp"), samples=scan_samples,
           dtypes=("float32", "float64"), method="logcumsumexp",
           errors=lambda r: [call(make(r, (3,), "int64"), 0)]),
    OpInfo("diff", **fn("diff"), samples=diff_samples, dtypes=MOVE, method="diff",
           errors=lambda r: [call(make(r, (), "float32"))]),
    OpInfo("sort", **fn("sort"), samples=sort_samples, dtypes=NUMERIC, method="sort",
           errors=dim_errors),
    OpInfo("sort_stable", **fn("sort", stable=True), samples=lambda r, dt: [
        call(make(r, (3, 8), dt, -2, 2)), call(make(r, (3, 8), dt, -2, 2), descending=True)],
        dtypes=MOVE),
    OpInfo("argsort", **fn("argsort"), samples=sort_samples, dtypes=NUMERIC, method="argsort",
           differentiable=False),
    OpInfo("msort", **fn("msort"), samples=lambda r, dt: [call(distinct(r, (4, 3), dt))],
           dtypes=NUMERIC, method="msort"),
    OpInfo("topk", **fn("topk"), samples=topk_samples, dtypes=NUMERIC, method="topk",
           errors=lambda r: [call(make(r, (3, 4), "float32"), 5)]),
    OpInfo("kthvalue", **fn("kthvalue"), samples=kth_samples, dtypes=NUMERIC,
           method="kthvalue", errors=lambda r: [call(make(r, (3, 4), "float32"), 5)]),
    OpInfo("median", **fn("median"), samples=lambda r, dt: [
        call(distinct(r, (3, 5), dt)), call(distinct(r, (4, 2), dt)), call(distinct(r, (), dt))],
        dtypes=NUMERIC, method="median"),
    OpInfo("median_dim", **fn("median"), samples=median_dim_samples, dtypes=NUMERIC),
    OpInfo("nanmedian", **fn("nanmedian"), samples=lambda r, dt: [
        call(with_nans(r, (3, 5), dt)), call(with_nans(r, (4, 5), dt), 1)],
        dtypes=("float32", "float64"), method="nanmedian"),
    OpInfo("mode", **fn("mode"), samples=mode_samples, dtypes=NUMERIC, method="mode"),
    OpInfo("quantile", **fn("quantile"), samples=quantile_samples, dtypes=("float32", "float64"),
           method="quantile", errors=quantile_errors),
    OpInfo("nanquantile", **fn("nanquantile"), samples=lambda r, dt: [
        call(with_nans(r, (3, 5), dt), 0.4), call(with_nans(r, (3, 5), dt), 0.5, dim=1)],
        dtypes=("float32", "float64"), method="nanquantile"),
    OpInfo("unique", **fn("unique"), samples=unique_samples, dtypes=("float32", "int64", "bool"),
           method="unique", differentiable=False, **DATA_SHAPE),
    OpInfo("unique_consecutive", **fn("unique_consecutive"), samples=lambda r, dt: [
        call(np.array([1, 1, 2, 2, 3, 1, 1, 2], _NP[dt])),
        call(np.array([1, 1, 2, 2, 3, 1], _NP[dt]), return_inverse=True, return_counts=True)],
        dtypes=("float32", "int64"), differentiable=False, **DATA_SHAPE),
    OpInfo("bincount", **fn("bincount"), samples=bincount_samples,
           dtypes=("float32", "float64", "int64"), differentiable=False, **DATA_SHAPE,
           errors=lambda r: [call(make(r, (2, 2), "int64", 0, 3)),
                             call(np.array([-1, 2], np.int64)),
                             call(make(r, (3,), "float32"))]),
    OpInfo("histc", **fn("histc"), samples=histc_samples, dtypes=("float32", "float64"),
           method="histc", differentiable=False,
           errors=lambda r: [call(make(r, (3,), "int64"))]),
    OpInfo("searchsorted", **fn("searchsorted"), samples=lambda r, dt: [
        call(np.sort(make(r, (6,), dt)), make(r, (2, 3), dt)),
        call(np.sort(make(r, (2, 5), dt), -1), make(r, (2, 3), dt), right=True),
        call(np.sort(make(r, (6,), dt)), make(r, (4,), dt), out_int32=True)],
        dtypes=NUMERIC, differentiable=False,
        errors=lambda r: [call(make(r, (2, 5), "float32"), make(r, (3, 2), "float32"))]),
    OpInfo("bucketize", **fn("bucketize"), samples=lambda r, dt: [
        call(make(r, (2, 3), dt), np.sort(make(r, (5,), dt))),
        call(make(r, (4,), dt), np.sort(make(r, (3,), dt)), right=True)], dtypes=NUMERIC,
        differentiable=False),
    OpInfo("cov", **fn("cov"), samples=samples_of(
        lambda r, dt: call(make(r, (3, 5), dt)),
        lambda r, dt: call(make(r, (5,), dt)),
        lambda r, dt: call(make(r, (2, 6), dt), correction=0),
    ), dtypes=F64, method="cov"),
    OpInfo("corrcoef", **fn("corrcoef"), samples=samples_of(
        lambda r, dt: call(make(r, (3, 5), dt)),
    ), dtypes=F64, method="corrcoef"),
    OpInfo("trapezoid", **fn("trapezoid"), samples=samples_of(
        lambda r, dt: call(make(r, (3, 5), dt)),
        lambda r, dt: call(make(r, (3, 5), dt), make(r, (5,), dt)),
        lambda r, dt: call(make(r, (3, 5), dt), dim=0),
        lambda r, dt: call(make(r, (3, 5), dt), dx=0.5),
    ), dtypes=F64),
    OpInfo("cumulative_trapezoid", **fn("cumulative_trapezoid"), samples=samples_of(
        lambda r, dt: call(make(r, (3, 5), dt)),
        lambda r, dt: call(make(r, (3, 5), dt), make(r, (3, 5), dt), dim=1),
    ), dtypes=F64),
]
# fmt: on
