"""Tensor methods and operators: each one forwards to the function of the same name.

This is the table PyTorch users see as ``x.sum()``, ``x + y``, ``x.add_(y)``; the maths lives in
``torchlike/_ops``. In-place forms are the out-of-place op followed by an in-place commit.
"""

from __future__ import annotations

import jax.numpy as jnp

from ._dispatch import apply
from ._ops import creation, indexing, linalg, pointwise, random_ops, reduction, shape, sorting
from ._ops.inplace import check_inplace, commit
from ._ops.pointwise import Number, inplace_of
from ._tensor import Tensor


def _clone_fn(x):
    return x


def _clone_op(t: Tensor) -> Tensor:
    return apply(_clone_fn, "Clone", (t,))


_FUNCTIONS = {
    pointwise: """add sub mul div true_divide divide floor_divide remainder fmod pow atan2 arctan2
        hypot maximum minimum eq ne lt le gt ge less less_equal greater greater_equal not_equal
        logical_and logical_or logical_xor logical_not bitwise_and bitwise_or bitwise_xor
        bitwise_not exp exp2 expm1 log log2 log10 log1p sqrt rsqrt sin cos tan asin arcsin acos
        arccos atan arctan sinh cosh tanh asinh arcsinh acosh arccosh atanh arctanh sigmoid erf
        erfc erfinv lgamma digamma reciprocal neg negative abs absolute sign sgn square relu floor
        ceil trunc fix frac round isnan isinf isfinite nan_to_num clamp clip clamp_min clamp_max
        where lerp logaddexp logaddexp2 xlogy copysign float_power fmax fmin heaviside
        bitwise_left_shift bitwise_right_shift gcd lcm isclose allclose equal addcmul addcdiv
        sinc deg2rad rad2deg logit signbit isposinf isneginf positive""",
    reduction: """sum nansum prod mean nanmean var std var_mean std_mean amax amin max min argmax
        argmin all any logsumexp norm count_nonzero cumsum cumprod logcumsumexp diff""",
    shape: """reshape view view_as reshape_as flatten unflatten squeeze unsqueeze permute
        transpose swapaxes swapdims t movedim moveaxis expand expand_as broadcast_to repeat tile
        split chunk tensor_split unbind select narrow flip roll tril triu rot90 flipud fliplr
        diagonal diag_embed diag ravel repeat_interleave diagflat hsplit vsplit""",
    linalg: """matmul mm bmm mv dot addmm outer ger kron det logdet slogdet trace cross addbmm
        baddbmm addmv addr matrix_power inner vdot dist""",
    indexing: """gather masked_fill nonzero masked_select scatter scatter_add scatter_reduce
        index_select index_add index_copy index_fill take take_along_dim""",
    sorting: """sort argsort msort topk kthvalue median nanmedian mode quantile nanquantile
        unique unique_consecutive bincount histc aminmax cummax cummin argwhere""",
    random_ops: "bernoulli multinomial",
}

_INPLACE = """add sub mul div true_divide floor_divide remainder fmod pow atan2 exp expm1 log log2
    log10 log1p sqrt rsqrt sin cos tan asin acos atan sinh cosh tanh sigmoid erf erfinv reciprocal
    neg abs sign square relu floor ceil trunc frac round clamp clip clamp_min clamp_max lerp
    masked_fill logical_not logical_and logical_or bitwise_and bitwise_or bitwise_xor
    nan_to_num tril triu scatter scatter_add scatter_reduce index_add index_copy index_fill
    addcmul addcdiv baddbmm addbmm addmv addr addmm logit copysign hypot xlogy deg2rad rad2deg
    sinc heaviside cumprod bitwise_left_shift bitwise_right_shift gcd lcm digamma lgamma
    erfc exp2 sign fix arctan2 negative square absolute clip sgn logical_xor asinh acosh atanh
    bitwise_not""".split()

for _module, _names in _FUNCTIONS.items():
    for _name in _names.split():
        setattr(Tensor, _name, getattr(_module, _name))

for _name in _INPLACE:
    setattr(Tensor, _name + "_", inplace_of(getattr(Tensor, _name)))


def _cumsum_(self: Tensor, dim: int, *, dtype=None) -> Tensor:
    if self.dtype.name == "bool":  # the int64 sum cannot be written back (PyTorch's error)
        raise NotImplementedError("\"cumsum_out_cpu\" not implemented for 'Bool'")
    return commit(self, reduction.cumsum(self, dim, dtype=dtype))


Tensor.cumsum_ = _cumsum_
Tensor.inverse = linalg.inv
Tensor.pinverse = linalg.pinv
Tensor.svd = linalg.svd_legacy
Tensor.bernoulli_ = random_ops.bernoulli_
Tensor.exponential_ = random_ops.exponential_
Tensor.random_ = random_ops.random_

Tensor.T = property(lambda self: shape.permute(self, tuple(reversed(range(self.ndim)))))
Tensor.mT = property(lambda self: shape.transpose(self, -2, -1))
Tensor.H = property(lambda self: Tensor.T.fget(self))


def _binop(fn):
    def op(self, other):
        if not isinstance(other, (Tensor,) + Number):
            return NotImplemented
        return fn(self, other)

    return op


def _scalar_first(fn):
    """``2 - x``: PyTorch treats the number as a wrapped scalar operand on the left."""

    def op(self, other):
        if not isinstance(other, Number):
            return NotImplemented
        return fn(other, self)

    return op


Tensor.__add__ = Tensor.__radd__ = _binop(pointwise.add)
Tensor.__sub__ = _binop(pointwise.sub)
Tensor.__rsub__ = _scalar_first(pointwise.sub)
Tensor.__mul__ = Tensor.__rmul__ = _binop(pointwise.mul)
Tensor.__truediv__ = _binop(pointwise.div)
Tensor.__rtruediv__ = _scalar_first(pointwise.div)
Tensor.__floordiv__ = _binop(pointwise.floor_divide)
Tensor.__rfloordiv__ = _scalar_first(pointwise.floor_divide)
Tensor.__mod__ = _binop(pointwise.remainder)
Tensor.__rmod__ = _scalar_first(pointwise.remainder)
Tensor.__pow__ = _binop(pointwise.pow)
Tensor.__rpow__ = _scalar_first(pointwise.pow)
Tensor.__matmul__ = _binop(linalg.matmul)
Tensor.__rmatmul__ = lambda self, other: linalg.matmul(other, self)
Tensor.__and__ = Tensor.__rand__ = _binop(pointwise.bitwise_and)
Tensor.__or__ = Tensor.__ror__ = _binop(pointwise.bitwise_or)
Tensor.__xor__ = Tensor.__rxor__ = _binop(pointwise.bitwise_xor)
Tensor.__lshift__ = _binop(pointwise.bitwise_left_shift)
Tensor.__rshift__ = _binop(pointwise.bitwise_right_shift)
Tensor.__rlshift__ = _scalar_first(pointwise.bitwise_left_shift)
Tensor.__rrshift__ = _scalar_first(pointwise.bitwise_right_shift)
Tensor.__eq__ = _binop(pointwise.eq)
Tensor.__ne__ = _binop(pointwise.ne)
Tensor.__lt__ = _binop(pointwise.lt)
Tensor.__le__ = _binop(pointwise.le)
Tensor.__gt__ = _binop(pointwise.gt)
Tensor.__ge__ = _binop(pointwise.ge)
Tensor.__neg__ = pointwise.neg
Tensor.__pos__ = lambda self: self
Tensor.__abs__ = pointwise.abs
Tensor.__invert__ = lambda self: (
    pointwise.logical_not(self) if self.dtype.name == "bool" else pointwise.bitwise_not(self)
)
Tensor.__getitem__ = indexing.getitem
Tensor.__setitem__ = indexing.setitem


def _iop(name: str):
    method = getattr(Tensor, name + "_")

    def op(self, other):
        if not isinstance(other, (Tensor,) + Number):
            return NotImplemented
        return method(self, other)

    return op


for _op, _name in [
    ("iadd", "add"),
    ("isub", "sub"),
    ("imul", "mul"),
    ("itruediv", "div"),
    ("ifloordiv", "floor_divide"),
    ("imod", "remainder"),
    ("ipow", "pow"),
    ("iand", "bitwise_and"),
    ("ior", "bitwise_or"),
    ("ixor", "bitwise_xor"),
    ("ilshift", "bitwise_left_shift"),
    ("irshift", "bitwise_right_shift"),
]:
    setattr(Tensor, f"__{_op}__", _iop(_name))


def _copy_fn(x, src):
    return src  # x's gradient is zero, as in PyTorch's CopyBackwards


def _fill_fn(x, value):
    return jnp.full_like(x, value)


def _copy_(self: Tensor, src, non_blocking: bool = False) -> Tensor:
    """Copy ``src`` (broadcast, cast to ``self.dtype``) into ``self``, differentiably."""
    check_inplace(self)
    src = src if isinstance(src, Tensor) else creation.tensor(src)
    if tuple(src.shape) != tuple(self.shape):
        src = shape.expand(src, tuple(self.shape))
    src = pointwise._cast(src, self.dtype)
    return commit(self, apply(_copy_fn, "torch::autograd::CopyBackwards", (self, src)))


def _fill_(self: Tensor, value) -> Tensor:
    return _fill_named(self, value, "Fill" if isinstance(value, Tensor) else "FillBackward2")


def _zero_(self: Tensor) -> Tensor:
    return _fill_named(self, 0, "Zero")


def _fill_named(self: Tensor, value, name: str) -> Tensor:
    """Fill with a number or a 0-d tensor; ``self`` keeps its history (a zero gradient)."""
    check_inplace(self)
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(
                f"fill_ only supports 0-dimension value tensor but got tensor with "
                f"{value.ndim} dimensions."
            )
        value = pointwise._cast(value, self.dtype)
    return commit(self, apply(_fill_fn, name, (self, value)))


def _random_inplace(sampler):
    def op(self: Tensor, *args, generator=None, **kwargs) -> Tensor:
        from .autograd.grad_mode import no_grad

        check_inplace(self)
        with no_grad():
            drawn = sampler(self, *args, generator=generator, **kwargs)
        return commit(self, drawn)

    return op


def _uniform(self, a=0.0, b=1.0, *, generator=None):
    r = creation.rand(*self.shape, generator=generator, dtype=self.dtype)
    return r * (b - a) + a


def _normal(self, mean=0.0, std=1.0, *, generator=None):
    return creation.randn(*self.shape, generator=generator, dtype=self.dtype) * std + mean


Tensor.copy_ = _copy_
Tensor.fill_ = _fill_
Tensor.zero_ = _zero_
Tensor.uniform_ = _random_inplace(_uniform)
Tensor.normal_ = _random_inplace(_normal)


def _clone(self: Tensor, *, memory_format=None) -> Tensor:
    return _clone_op(self)


Tensor.clone = _clone


def _softmax(self, dim, dtype=None):
    from .nn import functional as F

    return F.softmax(self, dim, dtype=dtype)


def _log_softmax(self, dim, dtype=None):
    from .nn import functional as F

    return F.log_softmax(self, dim, dtype=dtype)


Tensor.softmax = _softmax
Tensor.log_softmax = _log_softmax
