"""Matrix products (``matmul``/``@``, ``mm``, ``bmm``, ``einsum``, ``tensordot`` ...) and
``torch.linalg`` (``det``, ``inv``, ``solve``, ``cholesky``, ``qr``, ``svd``, ``eigh``, norms).

Decompositions run JAX's LAPACK-backed kernels, as PyTorch's CPU build runs LAPACK; where a
result is unique only up to sign (singular and eigen vectors), the sign is LAPACK's, and the
gradients are those of the gauge-invariant quantities, as in PyTorch.
"""

from __future__ import annotations

from collections import namedtuple

import jax
import jax.numpy as jnp
import numpy as np

from .. import _dtype
from .._dispatch import apply
from .._tensor import Tensor
from .creation import _floating


def _autocasting(a: Tensor, b: Tensor) -> bool:
    """Inside ``torch.autocast`` floating operands of different widths are allowed: the op
    casts them (see ``torchlike.amp``)."""
    from ..amp.autocast_mode import active_dtype

    return active_dtype() is not None and a.dtype.is_floating_point and b.dtype.is_floating_point


def _check_same_dtype(a: Tensor, b: Tensor, what: str) -> _dtype.dtype:
    if a.dtype is not b.dtype and not _autocasting(a, b):
        names = [
            _dtype.CPP_NAMES.get(str(t.dtype).removeprefix("torch."), str(t.dtype)) for t in (a, b)
        ]
        raise RuntimeError(
            f"expected {what} to have the same dtype, but got: {names[0]} != {names[1]}"
        )
    return a.dtype


def _matmul_fn(a, b):
    return jnp.matmul(a, b)


def _shape_str(t: Tensor) -> str:
    return "x".join(str(s) for s in t.shape)


def matmul(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    if input.ndim == 0 or other.ndim == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are "
            f"{input.ndim}D and {other.ndim}D"
        )
    _check_same_dtype(input, other, "m1 and m2")
    k1 = input.shape[-1]
    k2 = other.shape[-2] if other.ndim > 1 else other.shape[0]
    if k1 != k2:
        if input.ndim == 2 and other.ndim == 2:
            raise RuntimeError(
                f"mat1 and mat2 shapes cannot be multiplied "
                f"({_shape_str(input)} and {_shape_str(other)})"
            )
        if other.ndim == 1:
            raise RuntimeError(
                f"size mismatch, got input ({input.shape[-2] if input.ndim > 1 else 1}"
                f"), mat ({_shape_str(input)}), vec ({other.shape[0]})"
            )
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: "
            f"[{other.shape[0] if other.ndim > 2 else 1}, {k1}] but got: "
            f"[{other.shape[0] if other.ndim > 2 else 1}, {k2}]."
        )
    # PyTorch's matmul dispatches to these ops, whose names its grad_fn shows
    name = {(1, 1): "Dot", (2, 1): "Mv", (2, 2): "Mm", (3, 3): "Bmm"}.get(
        (input.ndim, other.ndim), "Matmul"
    )
    if input.ndim > 2 and other.ndim > 2:
        try:
            import numpy as np

            np.broadcast_shapes(tuple(input.shape[:-2]), tuple(other.shape[:-2]))
        except ValueError:
            raise RuntimeError(
                f"The size of tensor a ({input.shape[-3]}) must match the size of tensor b "
                f"({other.shape[-3]}) at non-singleton dimension 0"
            ) from None
    return apply(_matmul_fn, name, (input, other))


def mm(input: Tensor, mat2: Tensor, *, out=None) -> Tensor:
    if input.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    return matmul(input, mat2)


def bmm(input: Tensor, mat2: Tensor, *, out=None) -> Tensor:
    if input.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if input.shape[0] != mat2.shape[0] or input.shape[2] != mat2.shape[1]:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{input.shape[0]}, "
            f"{input.shape[2]}] but got: [{mat2.shape[0]}, {mat2.shape[1]}]."
        )
    return matmul(input, mat2)


def mv(input: Tensor, vec: Tensor, *, out=None) -> Tensor:
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input.ndim}, {vec.ndim}")
    return matmul(input, vec)


def dot(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input.shape[0] != other.shape[0]:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
            f"[{other.shape[0]}] to have the same number of elements, but got {input.shape[0]} "
            f"and {other.shape[0]} elements respectively"
        )
    return matmul(input, other)


def _addmm_fn(c, a, b, *, beta, alpha):
    out = jnp.matmul(a, b)
    if alpha != 1:
        out = out * alpha
    return out if beta == 0 else out + (c if beta == 1 else beta * c)


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    if mat1.shape[-1] != mat2.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({_shape_str(mat1)} and {_shape_str(mat2)})"
        )
    return apply(_addmm_fn, "Addmm", (input, mat1, mat2), beta=beta, alpha=alpha)


def _einsum_fn(*xs, eq):
    return jnp.einsum(eq, *xs)


def einsum(equation: str, *operands) -> Tensor:
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    return apply(_einsum_fn, "Einsum", tuple(operands), eq=equation)


def _outer_fn(a, b):
    return jnp.outer(a, b)


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    return apply(_outer_fn, "Outer", (input, vec2))


ger = outer


# -- more products --------------------------------------------------------------------------------


def _kron_fn(a, b):
    return jnp.kron(a, b)


def kron(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """The Kronecker product."""
    return apply(_kron_fn, "Kron", (input, other))


def _tensordot_fn(a, b, *, axes):
    return jnp.tensordot(a, b, axes)


def tensordot(a: Tensor, b: Tensor, dims=2, out=None) -> Tensor:
    """Contract the last ``dims`` dims of ``a`` with the first of ``b``, or the listed pairs."""
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        axes = (tuple(range(a.ndim - dims, a.ndim)), tuple(range(dims)))
    else:
        da, db = dims
        da = [da] if isinstance(da, int) else list(da)
        db = [db] if isinstance(db, int) else list(db)
        axes = (tuple(d % a.ndim for d in da), tuple(d % b.ndim for d in db))
    for i, j in zip(*axes):
        if a.shape[i] != b.shape[j]:
            raise RuntimeError(
                f"contracted dimensions need to match, but first has size {a.shape[i]} in dim "
                f"{i} and second has size {b.shape[j]} in dim {j}"
            )
    _check_same_dtype(a, b, "both arguments")
    return apply(_tensordot_fn, "Tensordot", (a, b), axes=axes)


def _baddbmm_fn(c, a, b, *, beta, alpha):
    return _addmm_fn(c, a, b, beta=beta, alpha=alpha)


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (batch1 @ batch2)``, batched."""
    bmm_check = bmm  # the same shape checks and messages
    if batch1.ndim != 3 or batch2.ndim != 3:
        bmm_check(batch1, batch2)
    if batch1.shape[0] != batch2.shape[0] or batch1.shape[2] != batch2.shape[1]:
        bmm_check(batch1, batch2)
    return apply(_addmm_fn, "Baddbmm", (input, batch1, batch2), beta=beta, alpha=alpha)


def _addbmm_fn(c, a, b, *, beta, alpha):
    out = jnp.einsum("bij,bjk->ik", a, b) * alpha
    return out if beta == 0 else out + beta * c


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * sum_b(batch1[b] @ batch2[b])``."""
    if batch1.ndim != 3 or batch2.ndim != 3:
        bmm(batch1, batch2)
    if batch1.shape[0] != batch2.shape[0] or batch1.shape[2] != batch2.shape[1]:
        bmm(batch1, batch2)
    return apply(_addbmm_fn, "Addbmm", (input, batch1, batch2), beta=beta, alpha=alpha)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """``beta * input + alpha * (mat @ vec)``."""
    mv(mat, vec)  # PyTorch's shape checks
    return apply(_addmm_fn, "Addmv", (input, mat, vec), beta=beta, alpha=alpha)


def _addr_fn(c, a, b, *, beta, alpha):
    out = jnp.outer(a, b) * alpha
    return out if beta == 0 else out + beta * c


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta=1, alpha=1, out=None) -> Tensor:
    """``beta * input + alpha * outer(vec1, vec2)``."""
    if vec1.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(
            f"addr: Expected 1-D argument vec1, but got {vec1.ndim}-D"
            if vec1.ndim != 1
            else f"addr: Expected 1-D argument vec2, but got {vec2.ndim}-D"
        )
    return apply(_addr_fn, "Addr", (input, vec1, vec2), beta=beta, alpha=alpha)


def _chain_matmul_fn(*xs):
    return jnp.linalg.multi_dot(xs)


def _cross_fn(a, b, *, dim):
    return jnp.cross(a, b, axis=dim)


def cross(input: Tensor, other: Tensor, dim: int | None = None, *, out=None) -> Tensor:
    """The 3-vector cross product along ``dim`` (the first dim of size 3 when omitted, with
    PyTorch's deprecation of that default; ``torch.linalg.cross`` defaults to ``-1``)."""
    import numpy as np

    from .._tensor import _wrap_dim

    shape = np.broadcast_shapes(tuple(input.shape), tuple(other.shape))
    if dim is None:
        import warnings

        warnings.warn(
            "Using torch.cross without specifying the dim arg is deprecated.\nPlease either "
            "pass the dim explicitly or simply use torch.linalg.cross.\nThe default value of "
            "dim will change to agree with that of linalg.cross in a future release.",
            UserWarning,
            stacklevel=2,
        )
        dim = next((i for i, s in enumerate(shape) if s == 3), -1)
    d = _wrap_dim(dim, len(shape))
    if shape[d] != 3:
        raise RuntimeError(
            f"linalg.cross: inputs dimension {d} must have length 3. Got {input.shape[d]} and "
            f"{other.shape[d]}"
        )
    return apply(_cross_fn, "LinalgCross", (input, other), dim=d)


def _trace_fn(x):
    return jnp.trace(x)


def trace(input: Tensor) -> Tensor:
    """The sum of the main diagonal of a matrix (integer traces are int64)."""
    if input.ndim != 2:
        raise RuntimeError("trace: expected a matrix, but got tensor with dim " + str(input.ndim))
    out = apply(_trace_fn, "Trace", (input,))
    return out.long() if _dtype.category(input.dtype) <= 1 else out


def _cdist_fn(a, b, *, p):
    d = a[..., :, None, :] - b[..., None, :, :]
    if p == 2:
        sq = jnp.sum(d * d, axis=-1)
        safe = jnp.where(sq == 0, 1.0, sq)
        return jnp.where(sq == 0, 0.0, jnp.sqrt(safe)).astype(sq.dtype)
    if p == 0:
        return jnp.sum(d != 0, axis=-1).astype(a.dtype)
    if p == float("inf"):
        return jnp.max(jnp.abs(d), axis=-1)
    if p == 1:
        return jnp.sum(jnp.abs(d), axis=-1)
    return jnp.sum(jnp.abs(d) ** p, axis=-1) ** (1.0 / p)


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode=None) -> Tensor:
    """Pairwise p-norm distances between the rows of ``x1`` (…, P, M) and ``x2`` (…, R, M)."""
    if x1.ndim < 2 or x2.ndim < 2:
        raise RuntimeError(
            f"cdist only supports at least 2D tensors, X{1 if x1.ndim < 2 else 2} got: "
            f"{min(x1.ndim, x2.ndim)}D"
        )
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(
            f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}"
        )
    if not x1.dtype.is_floating_point:
        raise RuntimeError(
            f"cdist only supports floating-point dtypes, X1 got: {_dtype.type_name(x1.dtype)}"
        )
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    p = float(p)
    return apply(_cdist_fn, "Cdist", (x1, x2), p=2 if p == 2.0 else p)


# -- decompositions and solvers (torch.linalg) ---------------------------------------------------


class LinAlgError(RuntimeError):
    """``torch.linalg.LinAlgError``: a singular or not positive-definite input."""


def _square(A: Tensor, fname: str) -> None:
    if A.ndim < 2:
        raise RuntimeError(f"linalg.{fname}: The input tensor A must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(
            f"linalg.{fname}: A must be batches of square matrices, but they are "
            f"{A.shape[-2]} by {A.shape[-1]} matrices"
        )
    _float_matrix(A, fname)


def _float_matrix(A: Tensor, fname: str) -> None:
    if A.ndim < 2:
        raise RuntimeError(f"linalg.{fname}: The input tensor A must have at least 2 dimensions.")
    if not (A.dtype in (_dtype.float32, _dtype.float64) or A.dtype.is_complex):
        raise RuntimeError(
            f"linalg.{fname}: Expected a floating point or complex tensor as input. Got "
            f"{_dtype.type_name(A.dtype)}"
        )


def _det_fn(a):
    return jnp.linalg.det(a)


def det(A: Tensor, *, out=None) -> Tensor:
    """Determinants of square matrices (batched)."""
    _square(A, "det")
    return apply(_det_fn, "LinalgDet", (A,))


def _slogdet_fn(a):
    sign, logabs = jnp.linalg.slogdet(a)
    return jax.lax.stop_gradient(sign), logabs


def slogdet(A: Tensor, *, out=None):
    """``(sign, logabsdet)`` of square matrices."""
    _square(A, "slogdet")
    sign, logabs = apply(_slogdet_fn, "LinalgSlogdet", (A,))
    return _named("linalg_slogdet", ("sign", "logabsdet"))(sign, logabs)


def _logdet_fn(a):
    sign, logabs = jnp.linalg.slogdet(a)
    return jnp.where(sign < 0, jnp.nan, jnp.where(sign == 0, -jnp.inf, logabs))


def logdet(A: Tensor) -> Tensor:
    """``log(det(A))``: NaN for a negative determinant, ``-inf`` for a singular matrix."""
    _square(A, "logdet")
    return apply(_logdet_fn, "Logdet", (A,))


def _inv_fn(a):
    return jnp.linalg.inv(a)


def inv(A: Tensor, *, out=None) -> Tensor:
    """Inverses of square matrices; a singular one raises ``LinAlgError`` (eagerly)."""
    _square(A, "inv")
    _check_invertible(A, "inv")
    return apply(_inv_fn, "LinalgInv", (A,))


def _check_invertible(A: Tensor, fname: str) -> None:
    """PyTorch raises for singular matrices; checked where the values are known."""
    import numpy as np

    if isinstance(A._data, jax.core.Tracer) or A.numel() == 0:
        return
    arr = np.asarray(A._data, np.float64)
    smallest = np.linalg.svd(arr, compute_uv=False).min(axis=-1)
    if np.any(smallest == 0):
        raise LinAlgError(
            f"linalg.{fname}: The diagonal element 1 is zero, the {fname} could not be "
            "completed because the input matrix is singular."
        )


def _solve_fn(a, b, *, left, vector):
    if not left:
        return jnp.swapaxes(
            _solve_fn(jnp.swapaxes(a, -1, -2), jnp.swapaxes(b, -1, -2), left=True, vector=False),
            -1,
            -2,
        )
    if vector:
        return jnp.linalg.solve(a, b[..., None])[..., 0]
    return jnp.linalg.solve(
        a, jnp.broadcast_to(b, jnp.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + b.shape[-2:])
    )


def solve(A: Tensor, B: Tensor, *, left: bool = True, out=None) -> Tensor:
    """``X`` with ``A @ X = B`` (``left=False``: ``X @ A = B``); ``B`` may be a vector."""
    _square(A, "solve")
    if A.dtype is not B.dtype:
        raise RuntimeError(
            f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
            f"{_dtype.type_name(A.dtype)} and B of type {_dtype.type_name(B.dtype)} instead"
        )
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    n = A.shape[-1]
    rows = B.shape[-1] if vector else (B.shape[-2] if left else B.shape[-1])
    if rows != n:
        raise RuntimeError(
            f"linalg.solve: Incompatible shapes of A and B for the equation "
            f"{'AX = B' if left else 'XA = B'} ({_shape_str(A)} and {_shape_str(B)})"
        )
    _check_invertible(A, "solve")
    return apply(_solve_fn, "LinalgSolveEx", (A, B), left=bool(left), vector=vector)


def _cholesky_fn(a, *, upper):
    L = jnp.linalg.cholesky(a)
    return jnp.conj(jnp.swapaxes(L, -1, -2)) if upper else L


def cholesky(A: Tensor, upper: bool = False, *, out=None) -> Tensor:
    """The Cholesky factor of symmetric positive-definite matrices (lower by default)."""
    _square(A, "cholesky")
    out_ = apply(_cholesky_fn, "LinalgCholeskyEx", (A,), upper=bool(upper))
    if not isinstance(out_._data, jax.core.Tracer) and bool(jnp.isnan(out_._data).any()):
        raise LinAlgError(
            "linalg.cholesky: The factorization could not be completed because the input is not "
            "positive-definite."
        )
    return out_


def _qr_fn(a, *, mode):
    return jnp.linalg.qr(a, mode=mode)


def qr(A: Tensor, mode: str = "reduced", *, out=None):
    """``(Q, R)`` with ``A = Q @ R`` (LAPACK's Householder signs, as PyTorch on CPU)."""
    _float_matrix(A, "qr")
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(
            f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), "
            "'r', or 'complete'"
        )
    if mode == "r":
        r = apply(_qr_fn, "LinalgQr", (A,), mode="r")
        q = Tensor._wrap(jnp.zeros((0,), A.dtype.np))
        return _named("linalg_qr", ("Q", "R"))(q, r)
    q, r = apply(_qr_fn, "LinalgQr", (A,), mode=mode)
    return _named("linalg_qr", ("Q", "R"))(q, r)


def _svd_fn(a, *, full_matrices):
    u, s, vh = jnp.linalg.svd(a, full_matrices=full_matrices)
    return u, s, vh


def _check_driver(driver, name: str) -> None:
    if driver is not None:  # PyTorch's CPU build rejects it too (a cuSOLVER option)
        raise RuntimeError(
            f"torch.linalg.{name}: keyword argument `driver=` is only supported on CUDA inputs "
            "with cuSOLVER backend."
        )


def svd(A: Tensor, full_matrices: bool = True, *, driver=None, out=None):
    """``(U, S, Vh)`` with ``A = U @ diag(S) @ Vh``. Singular vectors are unique only up to
    sign; PyTorch's CPU build and JAX both use LAPACK, but compare gauge-invariant results."""
    _check_driver(driver, "svd")
    _float_matrix(A, "svd")
    u, s, vh = apply(_svd_fn, "LinalgSvd", (A,), full_matrices=bool(full_matrices))
    return _named("linalg_svd", ("U", "S", "Vh"))(u, s, vh)


def _svdvals_fn(a):
    return jnp.linalg.svd(a, compute_uv=False)


def svdvals(A: Tensor, *, driver=None, out=None) -> Tensor:
    """Singular values, descending."""
    _check_driver(driver, "svdvals")
    _float_matrix(A, "svdvals")
    return apply(_svdvals_fn, "LinalgSvd", (A,))


def svd_legacy(input: Tensor, some: bool = True, compute_uv: bool = True, *, out=None):
    """``torch.svd``: ``(U, S, V)`` (``V``, not ``Vh``), reduced unless ``some=False``."""
    u, s, vh = svd(input, full_matrices=not some)
    if not compute_uv:  # PyTorch: U and V zero-filled, (m, m) and (n, n)
        m, n = input.shape[-2:]
        batch = tuple(input.shape[:-2])
        u = Tensor._wrap(jnp.zeros(batch + (m, m), u._data.dtype))
        return _named("svd", ("U", "S", "V"))(
            u, s, Tensor._wrap(jnp.zeros(batch + (n, n), u._data.dtype))
        )
    return _named("svd", ("U", "S", "V"))(u, s, vh.mT)


def _eigh_fn(a, *, upper):
    w, v = jnp.linalg.eigh(a, UPLO="U" if upper else "L", symmetrize_input=False)
    return w, v


def eigh(A: Tensor, UPLO: str = "L", *, out=None):
    """``(eigenvalues, eigenvectors)`` of symmetric matrices, ascending; reads only the
    ``UPLO`` triangle. Eigenvectors are unique only up to sign."""
    _square(A, "eigh")
    w, v = apply(_eigh_fn, "LinalgEigh", (A,), upper=UPLO.upper() == "U")
    return _named("linalg_eigh", ("eigenvalues", "eigenvectors"))(w, v)


def _eigvalsh_fn(a, *, upper):
    return jnp.linalg.eigvalsh(a, UPLO="U" if upper else "L", symmetrize_input=False)


def eigvalsh(A: Tensor, UPLO: str = "L", *, out=None) -> Tensor:
    """Eigenvalues of symmetric matrices, ascending."""
    _square(A, "eigvalsh")
    return apply(_eigvalsh_fn, "LinalgEigh", (A,), upper=UPLO.upper() == "U")


def _pinv_fn(a, *, hermitian):
    return jnp.linalg.pinv(a, hermitian=hermitian)


def _pinv_tol_fn(a, *, hermitian, atol, rtol):
    if hermitian:
        w, v = jnp.linalg.eigh(a)
        s, left, right = jnp.abs(w), v, jnp.conj(v).mT
        inv = jnp.where(s > 0, 1 / jnp.where(w == 0, 1, w), 0)
    else:
        left, s, right = jnp.linalg.svd(a, full_matrices=False)
        inv = 1 / jnp.where(s == 0, 1, s)
    smax = jnp.max(s, axis=-1, keepdims=True, initial=0.0)
    inv = jnp.where(s > jnp.maximum(atol, rtol * smax), inv, 0)
    return (jnp.conj(right).mT * inv[..., None, :]) @ jnp.conj(left).mT


def _tolerance(value, name: str):
    if isinstance(value, Tensor):
        if value.ndim:
            raise NotImplementedError(
                f"linalg.pinv: a tensor {name}= with dimensions (per-matrix "
                "tolerances) is not supported in torchlike; pass a number"
            )
        value = value.item()
    return float(value)


def pinv(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False, out=None) -> Tensor:
    """The Moore-Penrose pseudo-inverse (through the SVD); singular values at most
    ``max(atol, rtol * largest)`` are dropped (PyTorch's default ``rtol``: eps * max(m, n))."""
    _float_matrix(A, "pinv")
    if atol is None and rtol is None:
        return apply(_pinv_fn, "LinalgPinv", (A,), hermitian=bool(hermitian))
    atol = 0.0 if atol is None else _tolerance(atol, "atol")
    if rtol is None:
        eps = float(jnp.finfo(A._data.dtype).eps)
        rtol = eps * max(A.shape[-2:]) if atol <= 0 else 0.0
    rtol = _tolerance(rtol, "rtol")
    return apply(_pinv_tol_fn, "LinalgPinv", (A,), hermitian=bool(hermitian), atol=atol, rtol=rtol)


def _matrix_power_fn(a, *, n):
    return jnp.linalg.matrix_power(a, n)


def matrix_power(A: Tensor, n: int, *, out=None) -> Tensor:
    """``A`` to the integer power ``n`` (negative: of the inverse)."""
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise RuntimeError(
            "linalg.matrix_power: A must be batches of square matrices, but they are "
            f"{A.shape[-2] if A.ndim > 1 else 1} by {A.shape[-1]} matrices"
        )
    if n < 0:
        return matrix_power(inv(A), -n)
    return apply(_matrix_power_fn, "LinalgMatrixPower", (A,), n=int(n))


def multi_dot(tensors, *, out=None) -> Tensor:
    """The product of a chain of matrices."""
    tensors = tuple(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    return apply(_chain_matmul_fn, "LinalgMultiDot", tensors)


def _vector_norm_fn(x, *, ord, dims, keepdim, dtype):
    from .reduction import _l2norm_safe

    return _l2norm_safe(x.astype(dtype), p=ord, dims=dims, keepdim=keepdim)


def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None, out=None):
    """The ``ord``-norm of ``x`` as a vector (over ``dim``, all elements by default)."""
    from .reduction import _dims

    dt = _dtype.as_dtype(dtype) if dtype is not None else x.dtype
    if not (x.dtype.is_floating_point or x.dtype.is_complex):
        raise RuntimeError(
            "linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
            f"{_dtype.type_name(x.dtype)}"
        )
    ord = float(ord)
    ord = 2 if ord == 2.0 else ord
    dims = _dims(dim, x.ndim)
    if ord < 0 and x.numel() == 0:
        raise RuntimeError(
            f"linalg.vector_norm cannot compute the {ord} norm on an empty tensor because the "
            "operation does not have an identity"
        )
    return apply(
        _vector_norm_fn,
        "LinalgVectorNorm",
        (x,),
        ord=ord,
        dims=dims,
        keepdim=bool(keepdim),
        dtype=dt.np,
    )


def _matrix_norm_fn(a, *, ord, dims, keepdim):
    a = jnp.moveaxis(a, dims, (-2, -1))
    if ord == "fro":
        out = jnp.sqrt(jnp.sum(jnp.abs(a) ** 2, axis=(-2, -1)))
    elif ord == "nuc":
        out = jnp.sum(jnp.linalg.svd(a, compute_uv=False), axis=-1)
    elif ord in (2, -2):
        s = jnp.linalg.svd(a, compute_uv=False)
        out = s[..., 0] if ord == 2 else s[..., -1]
    else:
        axis = -2 if abs(ord) == 1 else -1  # 1: max column sum; inf: max row sum
        sums = jnp.sum(jnp.abs(a), axis=axis)
        out = jnp.max(sums, axis=-1) if ord > 0 else jnp.min(sums, axis=-1)
    if keepdim:
        for d in sorted(dims):
            out = jnp.expand_dims(out, d)
    return out


def matrix_norm(
    A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None, out=None
) -> Tensor:
    """Frobenius, nuclear, 1, -1, 2, -2, inf or -inf norm of matrices over ``dim``."""
    _float_matrix(A, "matrix_norm")
    if ord not in ("fro", "nuc"):
        ord = float(ord)
        if ord not in (1, -1, 2, -2, float("inf"), float("-inf")):
            raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
        ord = int(ord) if abs(ord) in (1, 2) else ord
    dims = tuple(d % A.ndim for d in dim)
    if A.dtype is not (_dtype.as_dtype(dtype) if dtype is not None else A.dtype):
        A = A.to(dtype)
    return apply(
        _matrix_norm_fn, "LinalgMatrixNorm", (A,), ord=ord, dims=dims, keepdim=bool(keepdim)
    )


def linalg_norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None, out=None):
    """``torch.linalg.norm``: a vector norm, or a matrix norm when ``ord`` is a matrix order or
    ``dim`` has two entries (``ord=None``: the 2-norm of the flattened input)."""
    if isinstance(dim, int):
        dim = (dim,)
    if ord is None:
        if dim is not None and len(dim) == 2:
            return matrix_norm(A, "fro", dim, keepdim, dtype=dtype)
        return vector_norm(A, 2, dim, keepdim, dtype=dtype)
    if dim is None:
        if A.ndim == 2:
            return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
        if A.ndim != 1:
            raise RuntimeError(
                f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
                f"Got {A.ndim}D."
            )
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    if len(dim) == 2:
        return matrix_norm(A, ord, dim, keepdim, dtype=dtype)
    return vector_norm(A, ord, dim, keepdim, dtype=dtype)


def _named(name: str, fields: tuple):
    return _RESULTS.setdefault((name, fields), namedtuple(name, fields))


_RESULTS: dict = {}


def _inner_fn(a, b):
    return jnp.inner(a, b)


def inner(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Sum over the last dims of both (a scalar times a tensor for 0-d inputs)."""
    if input.ndim and other.ndim and input.shape[-1] != other.shape[-1]:
        raise RuntimeError(
            f"inner() the last dimension must match on both input tensors but got shapes "
            f"{list(input.shape)} and {list(other.shape)}"
        )
    return apply(_inner_fn, "Inner", (input, other))


def vdot(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """The dot product of 1-d tensors (conjugating the first, for complex ones)."""
    return dot(input, other)


def _dist_fn(a, b, *, p):
    from .reduction import _l2norm_safe

    return _l2norm_safe(a - b, p=p, dims=None, keepdim=False)


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:
    """The ``p``-norm of ``input - other`` (broadcast)."""
    from .pointwise import _shape, broadcast_shapes

    broadcast_shapes(_shape(input), _shape(other))
    p = float(p)
    return apply(_dist_fn, "Dist", (input, other), p=2 if p == 2.0 else p)


def _vander_fn(x, n, increasing):
    powers = jnp.arange(n)
    powers = powers if increasing else powers[::-1]
    return x[:, None] ** powers.astype(x.dtype)


def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:
    if x.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    if x.dtype.name == "bool" or x.dtype.name in ("int32", "int16", "int8", "uint8"):
        x = x.to(_dtype.int64)
    n = x.shape[0] if N is None else int(N)
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    return apply(_vander_fn, "Vander", (x,), n=n, increasing=bool(increasing))


def _renorm_fn(x, p, maxnorm, dim):
    axes = tuple(i for i in np.arange(x.ndim) if i != dim)
    norms = jnp.sum(jnp.abs(x) ** p, axis=axes, keepdims=True) ** (1.0 / p)
    scale = jnp.where(norms > maxnorm, maxnorm / (norms + 1e-7), 1.0)
    return x * scale.astype(x.dtype)


def renorm(input: Tensor, p, dim: int, maxnorm) -> Tensor:
    """Each slice along ``dim`` whose ``p``-norm exceeds ``maxnorm`` is scaled down to it."""
    dim = dim % input.ndim
    return apply(_renorm_fn, "Renorm", (input, p, maxnorm), dim=dim)


def matrix_exp(input: Tensor) -> Tensor:
    return apply(jax.scipy.linalg.expm, "LinalgMatrixExp", (_floating(input),))
