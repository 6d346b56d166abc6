"""Generate ``docs/coverage.md``: which PyTorch ops torchlike has, and which well-known ones not.

    python tests/op_coverage.py          # rewrite docs/coverage.md
    python tests/op_coverage.py --check  # exit 1 if the committed page is out of date

The page is built from the op table (``op_table.OPS``: every row is checked against PyTorch by
``test_ops.py``), from torchlike's namespaces (names PyTorch also has, tested or not), and from
``WELL_KNOWN`` below, a hand-kept list of PyTorch ops users reach for; those torchlike lacks are
listed as missing. ``test_op_coverage.py`` fails when the committed page differs from the output.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))

import op_table  # noqa: E402

import torchlike as tl  # noqa: E402

PAGE = Path(__file__).parent.parent / "docs" / "coverage.md"

# namespace name -> (torchlike object, torch object)
NAMESPACES = {
    "torch": (tl, torch),
    "torch.Tensor": (tl.Tensor, torch.Tensor),
    "torch.linalg": (tl.linalg, torch.linalg),
    "torch.special": (tl.special, torch.special),
}

# Well-known PyTorch ops (by namespace); the page lists those torchlike does not have yet.
WELL_KNOWN = {
    "torch": """
        abs acos acosh add addbmm addcdiv addcmul addmm addmv addr all allclose amax amin
        aminmax angle any arange argmax argmin argsort argwhere as_strided as_tensor asin asinh
        atan atan2 atanh atleast_1d atleast_2d atleast_3d baddbmm bernoulli bincount
        bitwise_and bitwise_left_shift bitwise_not bitwise_or bitwise_right_shift bitwise_xor
        block_diag bmm broadcast_shapes broadcast_tensors broadcast_to bucketize cartesian_prod
        cat cdist ceil chunk clamp clip clone column_stack combinations complex conj copysign
        corrcoef cos cosh count_nonzero cov cross cummax cummin cumprod cumsum
        cumulative_trapezoid deg2rad det diag diag_embed diagflat diagonal diff digamma dist div
        dot dsplit dstack einsum empty empty_like eq equal erf erfc erfinv exp exp2 expm1 eye
        flatten flip fliplr flipud float_power floor floor_divide fmax fmin fmod frac frexp
        from_numpy full full_like gather gcd ge gradient gt heaviside histc histogram hsplit
        hstack hypot i0 imag index_add index_copy index_fill index_put index_reduce index_select
        inner inverse isclose isfinite isin isinf isnan isneginf isposinf isreal kron kthvalue
        lcm ldexp le lerp lgamma linspace log log10 log1p log2 logaddexp logaddexp2
        logcumsumexp logdet logical_and logical_not logical_or logical_xor logit logspace
        logsumexp lt lu masked_fill masked_scatter masked_select matmul matrix_exp
        matrix_power max maximum mean median meshgrid min minimum mm mode moveaxis movedim
        msort mul multinomial mv mvlgamma nan_to_num nanmean nanmedian nanquantile nansum
        narrow ne neg nextafter nonzero norm normal numel ones ones_like outer pdist permute
        pinverse poisson polar polygamma pow prod quantile rad2deg rand rand_like randint
        randint_like randn randn_like randperm ravel real reciprocal remainder renorm
        repeat_interleave reshape resolve_conj roll rot90 round rsqrt scatter scatter_add
        scatter_reduce searchsorted select select_scatter sgn sigmoid sign signbit sin sinc
        sinh slice_scatter slogdet softmax sort split sqrt square squeeze stack std std_mean
        stft sub sum svd swapaxes t take take_along_dim tan tanh tensor tensor_split tensordot
        tile topk trace transpose trapezoid tril tril_indices triu triu_indices true_divide
        trunc unbind unflatten unique unique_consecutive unravel_index unsqueeze vander var
        var_mean vdot view_as_complex view_as_real vsplit vstack where xlogy zeros zeros_like
    """,
    "torch.Tensor": """
        abs add addmm all any apply_ argmax argsort backward bernoulli_ bfloat16 bool byte
        cauchy_ ceil char chunk clamp clone contiguous copy_ cpu cuda cumsum data_ptr detach
        diag diagonal dim double element_size eq exp expand expand_as exponential_ fill_
        fill_diagonal_ flatten flip float floor gather ge geometric_ half index_add_ index_copy_
        index_fill_ index_put_ index_select int is_contiguous is_floating_point item
        log_normal_ long map_ masked_fill masked_fill_ masked_scatter_ matmul max mean min
        narrow ndimension new_empty new_full new_ones new_tensor new_zeros nonzero norm normal_
        numel numpy permute pin_memory put_ random_ register_hook repeat repeat_interleave
        requires_grad_ reshape resize_ retain_grad scatter_ scatter_add_ select share_memory_
        short size softmax sort split squeeze std storage stride sum t to tolist topk
        transpose type type_as unfold uniform_ unique unsqueeze var view view_as zero_
    """,
    "torch.linalg": """
        cholesky cholesky_ex cond cross det diagonal eig eigh eigvals eigvalsh householder_product
        inv inv_ex ldl_factor lstsq lu lu_factor lu_solve matmul matrix_exp matrix_norm
        matrix_power matrix_rank multi_dot norm pinv qr slogdet solve solve_ex solve_triangular
        svd svdvals tensorinv tensorsolve vander vecdot vector_norm
    """,
    "torch.special": """
        bessel_j0 bessel_j1 digamma entr erf erfc erfcx erfinv exp2 expit expm1 gammainc
        gammaincc gammaln i0 i0e i1 i1e log1p log_ndtr log_softmax logit logsumexp multigammaln
        ndtr ndtri polygamma psi round sinc softmax xlog1py xlogy zeta
    """,
}


def _has(obj, name: str) -> bool:
    try:
        return callable(getattr(obj, name))
    except AttributeError:
        return False


def available() -> dict[str, list[str]]:
    """Per namespace, the public callables torchlike has under a name PyTorch also has."""
    out = {}
    for ns, (ours, theirs) in NAMESPACES.items():
        names = {
            n for n in dir(ours) if not n.startswith("_") and _has(ours, n) and _has(theirs, n)
        }
        if ns == "torch":  # classes, dtypes and submodules are not ops
            names = {n for n in names if not isinstance(getattr(ours, n), type)}
        out[ns] = sorted(names)
    return out


def missing() -> dict[str, list[str]]:
    return {
        ns: sorted({n for n in WELL_KNOWN[ns].split() if not _has(NAMESPACES[ns][0], n)})
        for ns in NAMESPACES
    }


def _row_line(op: op_table.OpInfo) -> str:
    def flag(value: bool) -> str:
        return "yes" if value else "—"

    inplace = op.inplace if isinstance(op.inplace, str) else ("operator" if op.inplace else "")
    return (
        f"| `{op.name}` | {f'`{op.method}`' if op.method else '—'} | "
        f"{f'`{inplace}`' if inplace else '—'} | {', '.join(op.dtypes)} | "
        f"{flag(op.differentiable)} | {flag(op.compiles)} | {flag(bool(op.errors))} |"
    )


def _wrap_names(names: list[str], width: int = 96) -> list[str]:
    lines, line = [], ""
    for n in (f"`{n}`" for n in names):
        if line and len(line) + len(n) + 2 > width:
            lines.append(line + ",")
            line = n
        else:
            line = f"{line}, {n}" if line else n
    return lines + [line] if line else lines


def render() -> str:
    rows = op_table.OPS
    have, lack = available(), missing()
    tested = {op.name for op in rows} | {op.method for op in rows if op.method}
    out = [
        "# Op coverage",
        "",
        "<!-- Generated by `python tests/op_coverage.py` from tests/op_table/: do not edit. -->",
        "",
        f"The op table has **{len(rows)} rows**; `tests/test_ops.py` checks every row against "
        "PyTorch 2.13: forward values and dtypes per dtype, gradients (float64) and finite "
        "differences, the `torchlike.compile`d call, the method and in-place forms, and the "
        "exception type for invalid input. A row is an op called one way (a function, an "
        "operator, a method or a keyword variant such as `div_floor`).",
        "",
        "## Rows of the op table",
        "",
        "| row | method | in-place | dtypes | gradient | compiled | errors |",
        "|---|---|---|---|---|---|---|",
        *(_row_line(op) for op in rows),
        "",
        "## What torchlike has",
        "",
        "Public callables under the names PyTorch uses. In `torch`, names without a table row of "
        "their own are marked * (aliases, random draws, utilities; most are tested elsewhere in "
        "the suite); `Tensor` methods are listed with their in-place forms.",
        "",
    ]
    for ns, names in have.items():
        if ns == "torch":
            names = [n if n in tested else f"{n}*" for n in names]
        out += [f"### `{ns}` ({len(names)})", "", *_wrap_names(names), ""]
    out += [
        "## Well-known PyTorch ops torchlike does not have yet",
        "",
        "Calling one raises `AttributeError` naming it (for example "
        "`torchlike has no attribute 'stft'`).",
        "",
    ]
    for ns, names in lack.items():
        out += [f"### `{ns}` ({len(names)})", "", *(_wrap_names(names) or ["(none)"]), ""]
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str]) -> int:
    page = render()
    if "--check" in argv:
        if not PAGE.exists() or PAGE.read_text() != page:
            print(f"{PAGE} is out of date: run python tests/op_coverage.py")
            return 1
        return 0
    PAGE.parent.mkdir(exist_ok=True)
    PAGE.write_text(page)
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
