"""torchlike: PyTorch's API on JAX's compiler.

``import torchlike as torch`` runs ordinary PyTorch code: tensors with autograd, ``nn.Module``
(Flax NNX modules underneath), ``torch.optim`` (Optax underneath), and ``torchlike.compile``, which
turns a whole training step into one XLA program.
"""

import math as _math

from . import _config, _dtype  # noqa: F401  (_config first: it decides how CPU programs run)
from ._dtype import (  # noqa: F401
    bfloat16,
    bool_ as bool,
    cdouble,
    cfloat,
    complex64,
    complex128,
    double,
    dtype,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    promote_types,
    set_default_dtype,
    short,
    uint8,
)
from ._tensor import Size, Tensor  # noqa: F401
from . import _tensor_methods  # noqa: F401  (attaches methods and operators to Tensor)
from ._device import device  # noqa: F401
from ._tensor_methods import TOP_LEVEL_INPLACE as _TOP_LEVEL_INPLACE

globals().update({_n: getattr(Tensor, _n) for _n in _TOP_LEVEL_INPLACE})  # torch.exp_(x) ...
multiply, subtract = Tensor.multiply, Tensor.subtract
from ._config import (  # noqa: F401
    get_default_device,
    is_inference_mode_enabled,
    is_warn_always_enabled,
    set_default_device,
    set_default_tensor_type,
    set_flush_denormal,
    set_warn_always,
)
from ._tensor_methods import is_nonzero, is_signed  # noqa: F401
from ._ops.complex_ops import *  # noqa: F401,F403,E402
from ._ops.creation import (  # noqa: F401
    arange,
    as_tensor,
    asarray,
    bartlett_window,
    blackman_window,
    empty,
    empty_like,
    eye,
    fill,
    from_numpy,
    full,
    full_like,
    hamming_window,
    hann_window,
    kaiser_window,
    linspace,
    logspace,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    range,
    scalar_tensor,
    tensor,
    zeros,
    zeros_like,
)
from ._ops.indexing import (  # noqa: F401
    diagonal_scatter,
    gather,
    index_add,
    index_copy,
    index_fill,
    index_put,
    index_select,
    masked_fill,
    masked_scatter,
    masked_select,
    nonzero,
    scatter,
    scatter_add,
    scatter_reduce,
    select_scatter,
    slice_scatter,
    take,
    take_along_dim,
    unravel_index,
)
from ._ops.linalg import (  # noqa: F401
    addbmm,
    addmm,
    addmv,
    addr,
    baddbmm,
    bmm,
    cdist,
    cross,
    det,
    dist,
    dot,
    einsum,
    ger,
    inner,
    kron,
    logdet,
    matmul,
    matrix_exp,
    matrix_power,
    mm,
    mv,
    outer,
    pinv as pinverse,
    renorm,
    slogdet,
    svd_legacy as svd,
    tensordot,
    trace,
    vander,
    vdot,
)
from ._ops.linalg import inv as inverse  # noqa: F401
from ._deprecated import (  # noqa: F401
    chain_matmul,
    cholesky,
    eig,
    lstsq,
    matrix_rank,
    qr,
    solve,
    symeig,
)
from ._ops.random_ops import bernoulli, multinomial, poisson  # noqa: F401
from ._ops.pointwise import *  # noqa: F401,F403
from ._ops.pointwise import abs, pow, round  # noqa: F401
from ._ops.reduction import *  # noqa: F401,F403
from ._ops.reduction import all, any, max, min, sum  # noqa: F401
from ._ops.shape import *  # noqa: F401,F403
from ._ops.sorting import (  # noqa: F401
    aminmax,
    argsort,
    argwhere,
    bincount,
    bucketize,
    cummax,
    cummin,
    histc,
    histogram,
    isin,
    kthvalue,
    median,
    mode,
    msort,
    nanmedian,
    nanquantile,
    quantile,
    searchsorted,
    sort,
    topk,
    unique,
    unique_consecutive,
)
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled  # noqa: F401
from .autograd.anomaly_mode import (  # noqa: F401
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    set_anomaly_enabled,
)
from .random import (
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)  # noqa: F401
from . import accelerator, autograd, cuda, linalg, random, special  # noqa: F401
from ._compile import compile  # noqa: F401,A004
from . import func  # noqa: E402
from .func import vmap  # noqa: E402,F401
from . import nn, optim, utils  # noqa: E402


def result_type(tensor1, tensor2) -> dtype:
    """PyTorch's ``torch.result_type``."""
    return _dtype.result_type(tensor1, tensor2)


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> int:
    return input.numel()


def clone(input: Tensor, *, memory_format=None) -> Tensor:
    return input.clone()


def is_floating_point(input: Tensor) -> bool:
    return input.is_floating_point()


def typename(obj) -> str:
    """``torch.typename``: ``'torch.FloatTensor'`` for a tensor, the qualified type otherwise."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = type(obj).__module__
    name = type(obj).__qualname__
    return name if module in ("builtins", None) else f"{module}.{name}"


def softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    return input.softmax(dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    return input.log_softmax(dim, dtype=dtype)


class _LegacyTensorType:
    """``torch.FloatTensor(...)`` / ``torch.LongTensor(...)``: construct with a fixed dtype."""

    def __init__(self, dt) -> None:
        self._dtype = dt

    def __call__(self, *args) -> Tensor:
        return Tensor(*args, dtype=self._dtype)

    def __instancecheck__(self, obj) -> bool:
        return isinstance(obj, Tensor) and obj.dtype is self._dtype


FloatTensor = _LegacyTensorType(float32)
DoubleTensor = _LegacyTensorType(float64)
HalfTensor = _LegacyTensorType(float16)
LongTensor = _LegacyTensorType(int64)
IntTensor = _LegacyTensorType(int32)
ByteTensor = _LegacyTensorType(uint8)
BoolTensor = _LegacyTensorType(bool)

__version__ = "0.1.0"

# The constants PyTorch re-exports (torch.inf, torch.nan, torch.pi, torch.e, torch.newaxis).
inf = _math.inf
nan = _math.nan
pi = _math.pi
e = _math.e
newaxis = None


def __dir__() -> list[str]:
    from .nn.functional._aten_aliases import available

    return sorted(set(globals()) | set(available()))


def __getattr__(name: str):
    """A PyTorch name torchlike lacks: say so by name (and not with a confusing later error)."""
    if name.startswith("__"):
        raise AttributeError(f"module 'torchlike' has no attribute '{name}'")
    from .nn.functional._aten_aliases import resolve

    alias = resolve(name)  # torch.conv2d, torch.dropout ...: nn.functional under ATen names
    if alias is not None:
        return alias
    raise AttributeError(
        f"torchlike has no attribute '{name}': torch.{name} is not implemented in torchlike "
        "(docs/coverage.md lists the ops it has)"
    )


from . import serialization  # noqa: E402
from .serialization import load, save  # noqa: E402

from . import backends, jit, testing  # noqa: E402
from ._config import (  # noqa: E402
    are_deterministic_algorithms_enabled,
    finfo,
    get_float32_matmul_precision,
    get_num_interop_threads,
    get_num_threads,
    iinfo,
    is_deterministic_algorithms_warn_only_enabled,
    set_float32_matmul_precision,
    set_num_interop_threads,
    set_num_threads,
    use_deterministic_algorithms,
)
from ._tensor_str import set_printoptions  # noqa: E402
from . import amp  # noqa: E402
from .amp import autocast, get_autocast_dtype, is_autocast_enabled  # noqa: E402
from . import cpu  # noqa: E402
from . import distributions  # noqa: E402
from . import distributed  # noqa: E402
from . import hub, onnx  # noqa: E402  (torch.hub / torch.onnx after `import torch`)
from . import fx, ops, profiler  # noqa: E402  (torch.fx / torch.ops / torch.profiler)

_assert = fx._assert  # torch._assert: the traceable assert (concrete_args' checks)

from ._ops import _out  # noqa: E402

_out.install(globals())  # out=: every op taking PyTorch's out= writes it (see _ops/_out.py)
_out.install_methods(Tensor)  # Tensor methods reject out= as PyTorch's do
