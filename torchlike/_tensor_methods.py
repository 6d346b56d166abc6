"""Tensor methods and operators: each one forwards to the function of the same name.

This is the table PyTorch users see as ``x.sum()``, ``x + y``, ``x.add_(y)``; the maths lives in
``torchlike/_ops``. In-place forms are the out-of-place op followed by an in-place commit.
"""

from __future__ import annotations

import jax.numpy as jnp

from ._dispatch import apply
from ._dtype import type_name
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
        lerp logaddexp logaddexp2 xlogy copysign float_power fmax fmin heaviside
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


def _where(self: Tensor, condition, other) -> Tensor:
    """``x.where(condition, y)`` is ``torch.where(condition, x, y)``."""
    return pointwise.where(condition, self, other)


Tensor.where = _where
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


def _register_hook(self: Tensor, hook):
    from .autograd.graph import register_hook

    return register_hook(self, hook)


def _register_post_accumulate_grad_hook(self: Tensor, hook):
    from .autograd.graph import register_post_accumulate_grad_hook

    return register_post_accumulate_grad_hook(self, hook)


Tensor.register_hook = _register_hook
Tensor.register_post_accumulate_grad_hook = _register_post_accumulate_grad_hook


# -- more in-place forms: long names, comparisons, and the shape-changing ones ---------------------
Tensor.multiply = pointwise.mul
Tensor.subtract = pointwise.sub
for _name in "multiply subtract divide arccos arccosh arcsin arcsinh arctan arctanh".split():
    setattr(Tensor, _name + "_", inplace_of(getattr(Tensor, _name)))


def _compare_fn(x, other, cmp):
    return getattr(jnp, cmp)(x, other).astype(x.dtype)


def _compare_inplace(cmp: str, node: str):
    """``x.lt_(y)``: ``x`` becomes 1/0 in its own dtype; its history continues with a zero
    gradient, as PyTorch's ``LtBackward``."""

    def op_(self: Tensor, other) -> Tensor:
        check_inplace(self)
        other = other if isinstance(other, Tensor) else creation.tensor(other)
        if other.ndim > self.ndim or any(
            o not in (1, s) for o, s in zip(reversed(other.shape), reversed(self.shape))
        ):
            pointwise.eq(self, other)  # PyTorch's broadcasting error
        return commit(self, apply(_compare_fn, f"{node}Backward0", (self, other), cmp=cmp))

    return op_


for _names, _cmp, _node in [
    ("lt less", "less", "Lt"),
    ("le less_equal", "less_equal", "Le"),
    ("gt greater", "greater", "Gt"),
    ("ge greater_equal", "greater_equal", "Ge"),
    ("eq", "equal", "Eq"),
    ("ne not_equal", "not_equal", "Ne"),
]:
    for _name in _names.split():
        setattr(Tensor, _name + "_", _compare_inplace(_cmp, _node))


def _float_power_(self: Tensor, exponent) -> Tensor:
    """PyTorch computes in double and refuses to write it back into a narrower ``self``."""
    if self.dtype.name not in ("float64", "complex128"):
        raise RuntimeError(
            f"the base given to float_power_ has dtype {type_name(self.dtype)} but the "
            "operation's result requires dtype Double"
        )
    return commit(self, pointwise.float_power(self, exponent))


Tensor.float_power_ = _float_power_


def _restride_(self: Tensor, out: Tensor, array_fn) -> Tensor:
    """Rebind ``self`` to a view op's result of another shape (``squeeze_``, ``t_`` ...): the
    tensor object and its history change as in PyTorch; a view keeps writing through to its
    base (``array_fn`` maps its old array to the new one)."""
    check_inplace(self)
    self._data = out._data
    if out.grad_fn is not None:
        # PyTorch's in-place view ops keep a retain_grad() on the old version (unlike commit)
        self.grad_fn, self._out_index = out.grad_fn, out._out_index
    if self._base is not None:
        old = self._view_fn
        self._view_fn = lambda a, _old=old: array_fn(_old(a))
    return self


def _squeeze_(self: Tensor, dim=None) -> Tensor:
    out = shape.squeeze(self) if dim is None else shape.squeeze(self, dim)
    return _restride_(self, out, lambda a, s=tuple(out.shape): a.reshape(s))


def _unsqueeze_(self: Tensor, dim: int) -> Tensor:
    out = shape.unsqueeze(self, dim)
    return _restride_(self, out, lambda a, s=tuple(out.shape): a.reshape(s))


def _transpose_(self: Tensor, dim0: int, dim1: int) -> Tensor:
    out = shape.transpose(self, dim0, dim1)
    return _restride_(self, out, lambda a: jnp.swapaxes(a, dim0, dim1))


def _t_(self: Tensor) -> Tensor:
    out = shape.t(self)
    return _restride_(self, out, lambda a: a.T)


Tensor.squeeze_ = _squeeze_
Tensor.unsqueeze_ = _unsqueeze_
Tensor.transpose_ = Tensor.swapaxes_ = Tensor.swapdims_ = _transpose_
Tensor.t_ = _t_

# ``torch.exp_(x)`` ...: the top-level in-place functions PyTorch has are the methods.
TOP_LEVEL_INPLACE = """abs_ acos_ acosh_ addmv_ asin_ asinh_ atan_ atanh_ ceil_ clamp_ clamp_max_
    clamp_min_ clip_ cos_ cosh_ deg2rad_ detach_ erf_ erfc_ exp2_ exp_ expm1_ fill_ fix_ floor_
    frac_ gcd_ lcm_ log10_ log1p_ log2_ log_ logit_ nan_to_num_ neg_ negative_ rad2deg_
    reciprocal_ round_ rsqrt_ sigmoid_ sin_ sinc_ sinh_ sqrt_ square_ tan_ tanh_ trunc_ xlogy_
    zero_ arccos_ arccosh_ arcsin_ arcsinh_ arctan_ arctanh_ i0_ ldexp_ index_put_
    resize_as_""".split()


# -- complex numbers (torchlike/_ops/complex_ops.py) --------------------------------------------
from ._ops import complex_ops  # noqa: E402

Tensor.real = property(complex_ops.real)
Tensor.imag = property(complex_ops.imag)
for _name in "conj conj_physical resolve_conj resolve_neg is_conj angle".split():
    setattr(Tensor, _name, getattr(complex_ops, _name))


# -- smaller methods and predicates -------------------------------------------------------------


def is_signed(input: Tensor) -> bool:
    return input.dtype.name not in ("uint8", "bool")


def is_nonzero(input: Tensor) -> bool:
    if input.numel() == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if input.numel() > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input.item() != 0)


for _module, _names in (
    (reduction, "cov corrcoef"),
    (pointwise, "i0 ldexp frexp nextafter igamma igammac"),
    (linalg, "matrix_exp renorm"),
):
    for _name in _names.split():
        setattr(Tensor, _name, getattr(_module, _name))
for _name in "i0 ldexp igamma igammac nextafter".split():
    setattr(Tensor, _name + "_", inplace_of(getattr(pointwise, _name)))
Tensor.renorm_ = inplace_of(linalg.renorm)
Tensor.polygamma = lambda self, n: pointwise.polygamma(n, self)
Tensor.polygamma_ = lambda self, n: commit(self, pointwise.polygamma(n, self))
Tensor.mvlgamma = lambda self, p: pointwise.mvlgamma(self, p)
Tensor.mvlgamma_ = lambda self, p: commit(self, pointwise.mvlgamma(self, p))
Tensor.is_signed = is_signed
Tensor.is_nonzero = is_nonzero
Tensor.is_same_size = shape.is_same_size
Tensor.is_cpu = property(lambda self: self.device.type == "cpu")
Tensor.is_xpu = property(lambda self: self.device.type == "xpu")
Tensor.is_mps = property(lambda self: self.device.type == "mps")
Tensor.is_inference = lambda self: False
Tensor.get_device = lambda self: -1 if self.device.type == "cpu" else (self.device.index or 0)
Tensor.storage_offset = lambda self: 0
Tensor.isreal = lambda self: (
    pointwise.eq(self.imag, 0) if self.dtype.is_complex else creation.ones_like(self, dtype=bool)
)


def _data_ptr(self: Tensor) -> int:
    """A stable integer per buffer (``id`` of the array, 0 for an empty tensor); not an address
    that can be dereferenced."""
    return 0 if self.numel() == 0 else id(self._data)


Tensor.data_ptr = _data_ptr


def _sum_to_size(self: Tensor, *size) -> Tensor:
    size = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
    lead = self.ndim - len(size)
    if lead < 0 or any(s not in (1, d) for s, d in zip(size, self.shape[lead:])):
        raise RuntimeError(
            f"size {{{', '.join(map(str, size))}}} is not expandable to size "
            f"{{{', '.join(map(str, self.shape))}}}."
        )
    dims = tuple(range(lead)) + tuple(
        lead + i for i, (s, d) in enumerate(zip(size, self.shape[lead:])) if s == 1 and d != 1
    )
    out = reduction.sum(self, dims, keepdim=True) if dims else self
    return shape.reshape(out, size)


Tensor.sum_to_size = _sum_to_size


def _unfold_fn(x, dim, size, step):
    n = (x.shape[dim] - size) // step + 1
    idx = jnp.arange(n)[:, None] * step + jnp.arange(size)[None, :]
    win = jnp.take(x, idx, axis=dim)  # dim becomes (n, size)
    return jnp.moveaxis(win, dim + 1, -1)


def _unfold(self: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """``Tensor.unfold``: every ``size``-long slice along ``dimension``, ``step`` apart, as a
    new last dimension (a copy here, a view in PyTorch)."""
    dim = dimension % max(self.ndim, 1)
    length = self.shape[dim] if self.ndim else 1
    if size > length:
        raise RuntimeError(
            f"maximum size for tensor at dimension {dim} is {length} but size is {size}"
        )
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if self.ndim == 0:
        return shape.reshape(self, (1,))
    return apply(_unfold_fn, "Unfold", (self,), dim=dim, size=int(size), step=int(step))


Tensor.unfold = _unfold


def _prelu(self: Tensor, weight: Tensor) -> Tensor:
    from .nn import functional as F

    return F.prelu(self, weight)


Tensor.prelu = _prelu


def _hardshrink(self: Tensor, lambd: float = 0.5) -> Tensor:
    from .nn import functional as F

    return F.hardshrink(self, lambd)


Tensor.hardshrink = _hardshrink
for _name in "select_scatter slice_scatter diagonal_scatter masked_scatter index_put".split():
    setattr(Tensor, _name, getattr(indexing, _name))
for _name in "split_with_sizes unsafe_split unsafe_chunk".split():
    setattr(Tensor, _name, getattr(shape, _name))
Tensor.histogram = sorting.histogram
Tensor.masked_scatter_ = inplace_of(indexing.masked_scatter)
Tensor.index_put_ = inplace_of(indexing.index_put)


def _put_fn(x, index, source, accumulate):
    flat = x.reshape(-1)
    ref = flat.at[index.reshape(-1)]
    src = source.reshape(-1).astype(x.dtype)
    return (ref.add(src) if accumulate else ref.set(src)).reshape(x.shape)


def _put(self: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """``Tensor.put``: writes ``source`` at flat (row-major) positions ``index``."""
    if index.numel() != source.numel():
        raise RuntimeError(
            f"put_(): Expected source and index to have the same number of elements, but got "
            f"source.numel() = {source.numel()}, index.numel() = {index.numel()}"
        )
    return apply(_put_fn, "Put", (self, index, source), accumulate=bool(accumulate))


Tensor.put = _put
Tensor.put_ = inplace_of(_put)


def _fill_diagonal_(self: Tensor, fill_value, wrap: bool = False) -> Tensor:
    """Fill the main diagonal (all dims equal for n-D); ``wrap`` continues below a tall
    matrix every ``cols + 1`` rows, as PyTorch."""
    if self.ndim < 2:
        raise RuntimeError("dimensions must larger than 1")
    if self.ndim > 2 and len(set(self.shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    strides = self.stride()
    step = sum(strides)
    n = min(self.shape)
    stop = self.numel() if wrap and self.ndim == 2 else n * step - step + 1
    index = creation.tensor(list(range(0, max(stop, 0), step)) or [0], dtype=None)[
        : 0 if stop <= 0 else None
    ]
    source = creation.full((index.numel(),), fill_value, dtype=self.dtype)
    return commit(self, _put(self, index, source))


Tensor.fill_diagonal_ = _fill_diagonal_


def _new(self: Tensor, *args, device=None) -> Tensor:
    """Legacy ``Tensor.new``: ``new(*sizes)`` (zeros here, uninitialised in PyTorch),
    ``new(data)`` (a copy in this tensor's dtype), ``new()`` (empty)."""
    if not args:
        return creation.empty(0, dtype=self.dtype, device=device)
    if len(args) == 1 and isinstance(args[0], (Tensor, list)):
        return creation.tensor(args[0], dtype=self.dtype, device=device)
    sizes = args[0] if len(args) == 1 and isinstance(args[0], tuple) else args
    return creation.zeros(*sizes, dtype=self.dtype, device=device)


Tensor.new = _new


def _resize_(self: Tensor, *sizes, memory_format=None) -> Tensor:
    """``Tensor.resize_``: the first ``numel`` elements in row-major order, in the new shape;
    new elements are zeros (uninitialised in PyTorch). Arrays are immutable, so the tensor is
    rebound to a new value."""
    sizes = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes
    if self.requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    numel = 1
    for s in sizes:
        if s < 0:
            raise RuntimeError(
                f"Trying to create tensor with negative dimension {s}: {list(sizes)}"
            )
        numel *= s
    flat = self._data.reshape(-1)
    if numel <= flat.size:
        flat = flat[:numel]
    else:
        flat = jnp.concatenate([flat, jnp.zeros(numel - flat.size, flat.dtype)])
    self._data = flat.reshape(sizes)
    return self


Tensor.resize_ = _resize_
Tensor.resize_as_ = lambda self, other, memory_format=None: _resize_(self, tuple(other.shape))
