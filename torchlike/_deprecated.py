"""PyTorch's deprecated spellings that PyTorch still serves, with PyTorch's warnings, and the
ones it has removed, with PyTorch's errors (old tutorials call them)."""

from __future__ import annotations

import warnings

from ._ops import linalg
from ._tensor import Tensor


def chain_matmul(*matrices: Tensor, out=None) -> Tensor:
    """``torch.chain_matmul``: ``torch.linalg.multi_dot`` of its arguments."""
    warnings.warn(
        "torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use "
        "torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather than "
        "multiple parameters.",
        UserWarning,
        stacklevel=2,
    )
    if len(matrices) == 1:
        return matrices[0].clone()
    return linalg.multi_dot(matrices, out=out)


def cholesky(input: Tensor, upper: bool = False, *, out=None) -> Tensor:
    """``torch.cholesky``: ``torch.linalg.cholesky``, transposed for ``upper=True``."""
    warnings.warn(
        "torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a "
        "future PyTorch release.\nL = torch.cholesky(A)\nshould be replaced with\nL = "
        "torch.linalg.cholesky(A)\nand\nU = torch.cholesky(A, upper=True)\nshould be replaced "
        "with\nU = torch.linalg.cholesky(A).mH\nThis transform will produce equivalent results "
        "for all valid (symmetric positive definite) inputs.",
        UserWarning,
        stacklevel=2,
    )
    return linalg.cholesky(input, upper=upper, out=out)


def qr(input: Tensor, some: bool = True, *, out=None):
    """``torch.qr``: ``torch.linalg.qr`` with mode ``'reduced'`` (``some``) or ``'complete'``."""
    warnings.warn(
        "torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a future "
        "PyTorch release.\nThe boolean parameter 'some' has been replaced with a string parameter "
        "'mode'.\nQ, R = torch.qr(A, some)\nshould be replaced with\nQ, R = torch.linalg.qr(A, "
        "'reduced' if some else 'complete')",
        UserWarning,
        stacklevel=2,
    )
    q, r = linalg.qr(input, "reduced" if some else "complete", out=out)
    return linalg._named("qr", ("Q", "R"))(q, r)


_REMOVED = "This function was deprecated since version 1.9 and is now removed."


def _removed(name: str, advice: str):
    def removed(*args, **kwargs):
        raise RuntimeError(f"{_REMOVED} {advice}")

    removed.__name__ = removed.__qualname__ = name
    removed.__doc__ = f"``torch.{name}``: removed from PyTorch; raises PyTorch's error."
    return removed


symeig = _removed("symeig", "Use torch.linalg.eigvalsh or torch.linalg.eigh instead.")
eig = _removed("eig", "Use torch.linalg.eigvals or torch.linalg.eig instead.")
lstsq = _removed(
    "lstsq",
    "`torch.lstsq` is deprecated in favor of `torch.linalg.lstsq`.\n"
    "`torch.linalg.lstsq` has reversed arguments.",
)
solve = _removed(
    "solve",
    "`torch.solve` is deprecated in favor of `torch.linalg.solve`. `torch.linalg.solve` has its "
    "arguments reversed and does not return the LU factorization.",
)
matrix_rank = _removed(
    "matrix_rank", "\nPlease use the `torch.linalg.matrix_rank` function instead."
)
