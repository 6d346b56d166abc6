"""``torch.special``: the special functions torchlike has, under PyTorch's names."""

from ._ops import _out
from ._ops.pointwise import (  # noqa: F401
    digamma,
    erf,
    erfc,
    erfinv,
    exp2,
    expm1,
    log1p,
    logit,
    sinc,
    xlogy,
)
from ._ops.pointwise import digamma as psi  # noqa: F401
from ._ops.pointwise import lgamma as gammaln  # noqa: F401
from ._ops.pointwise import sigmoid as expit  # noqa: F401
from ._ops.reduction import logsumexp  # noqa: F401

_out.install(globals(), "special.")  # out= (see _ops/_out.py)


def __getattr__(name: str):
    raise AttributeError(
        f"torchlike.special has no attribute '{name}': torch.special.{name} is not implemented "
        "in torchlike (docs/coverage.md lists what is)"
    )
