"""``torch.linalg``: norms, decompositions and solvers (see ``torchlike/_ops/linalg.py``)."""

from ._ops import _out
from ._ops.linalg import (  # noqa: F401
    LinAlgError,
    cholesky,
    cross,
    det,
    eigh,
    eigvalsh,
    inv,
    matmul,
    matrix_norm,
    matrix_power,
    multi_dot,
    pinv,
    qr,
    slogdet,
    solve,
    svd,
    svdvals,
    vector_norm,
)
from ._ops.linalg import linalg_norm as norm  # noqa: F401


def vecdot(x, y, *, dim: int = -1):
    """``sum(x * y, dim)`` (real inputs)."""
    return (x * y).sum(dim)


def diagonal(A, *, offset: int = 0, dim1: int = -2, dim2: int = -1):
    return A.diagonal(offset, dim1, dim2)


_out.install(globals(), "linalg.")  # out= (see _ops/_out.py)


def __getattr__(name: str):
    raise AttributeError(
        f"torchlike.linalg has no attribute '{name}': torch.linalg.{name} is not implemented "
        "in torchlike (docs/coverage.md lists what is)"
    )
