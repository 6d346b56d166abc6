"""Top-level aliases, in-place forms and smaller ops, compared with PyTorch (small table)."""

import numpy as np
import pytest
import torch as ref

import torchlike as tl
from torchlike._tensor_methods import TOP_LEVEL_INPLACE

RNG = np.random.default_rng(0)


def _a(*shape, low=-1.0, high=1.0):
    return RNG.uniform(low, high, shape).astype(np.float32)


X3, W3 = _a(2, 4, 6), _a(3, 4, 3)
X4, W4 = _a(2, 4, 5, 5), _a(3, 4, 3, 3)
MEAN, VAR = _a(4), _a(4, low=0.5, high=1.5)
IDX = np.array([[0, 2], [1, 0]], np.int64)
EMB = _a(3, 5)
TGT = RNG.integers(0, 2, (3, 4)).astype(np.float32)

# (torch name, args); NumPy arrays become tensors on each side
ALIASES = [
    ("conv1d", (X3, W3, None, 1, 1)),
    ("conv2d", (X4, W4, None, 2, 1)),
    ("conv_transpose1d", (X3, W3.transpose(1, 0, 2).copy())),
    ("conv_transpose2d", (X4, W4.transpose(1, 0, 2, 3).copy(), None, 2)),
    ("max_pool1d", (X3, 2)),
    ("max_pool2d", (X4, 2, 1)),
    ("max_pool1d_with_indices", (X3, 3, 2)),
    ("avg_pool1d", (X3, 2)),
    ("adaptive_avg_pool1d", (X3, 3)),
    ("adaptive_max_pool1d", (X3, 4)),
    ("dropout", (X3, 0.5, False)),
    ("alpha_dropout", (X3, 0.5, False)),
    ("embedding", (EMB, IDX)),
    ("embedding", (EMB, IDX, 1)),
    ("layer_norm", (X3, (6,))),
    ("group_norm", (X4, 2)),
    ("batch_norm", (X3, None, None, MEAN, VAR, False, 0.1, 1e-5, False)),
    ("batch_norm", (X3, MEAN, VAR, None, None, True, 0.1, 1e-5, False)),
    ("instance_norm", (X3, None, None, None, None, True, 0.1, 1e-5, False)),
    ("celu", (X3,)),
    ("selu", (X3,)),
    ("prelu", (X4, np.array([0.25], np.float32))),
    ("threshold", (X3, 0.1, 20.0)),
    ("rrelu", (X3,)),
    ("hardshrink", (X3,)),
    ("pixel_shuffle", (_a(1, 8, 2, 2), 2)),
    ("pixel_unshuffle", (_a(1, 2, 4, 4), 2)),
    ("cosine_similarity", (_a(3, 4), _a(3, 4))),
    ("pairwise_distance", (_a(3, 4), _a(3, 4))),
    ("pdist", (_a(4, 3),)),
    ("bilinear", (_a(2, 3), _a(2, 4), _a(5, 3, 4), _a(5))),
    ("kl_div", (_a(3, 4), _a(3, 4, low=0.1, high=1.0))),
    ("kl_div", (_a(3, 4), _a(3, 4), 2)),
    ("binary_cross_entropy_with_logits", (_a(3, 4), TGT)),
    ("binary_cross_entropy_with_logits", (_a(3, 4), TGT, None, _a(4, low=0.5), 0)),
    ("hinge_embedding_loss", (_a(3, 4), TGT * 2 - 1)),
    ("cosine_embedding_loss", (_a(3, 4), _a(3, 4), np.array([1.0, -1.0, 1.0], np.float32))),
    ("margin_ranking_loss", (_a(3), _a(3), np.array([1.0, -1.0, 1.0], np.float32), 0.1, 2)),
]


def _conv(lib, a):
    return lib.from_numpy(a) if isinstance(a, np.ndarray) else a


def _np(out):
    if isinstance(out, tuple):
        return [_np(o) for o in out]
    return out.detach().numpy()


@pytest.mark.parametrize("name,args", ALIASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(ALIASES)])
def test_alias(name, args):
    assert hasattr(ref, name), f"torch {ref.__version__} has no torch.{name}: a wrong table row"
    assert hasattr(tl, name), f"torchlike has no torch.{name}"
    want = getattr(ref, name)(*[_conv(ref, a) for a in args])
    got = getattr(tl, name)(*[_conv(tl, a) for a in args])
    got, want = _np(got), _np(want)
    if not isinstance(want, list):
        got, want = [got], [want]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.dtype == w.dtype
        np.testing.assert_allclose(g, w, rtol=2e-5, atol=2e-6)
    assert name in dir(tl)


def test_alias_inplace_and_missing():
    x = tl.tensor([-1.0, 0.5])
    assert tl.selu_(x) is x
    np.testing.assert_allclose(x.numpy(), ref.selu(ref.tensor([-1.0, 0.5])).numpy(), rtol=1e-6)
    y = tl.tensor([-1.0, 0.5])
    tl.threshold_(y, 0.0, 7.0)
    np.testing.assert_allclose(y.numpy(), [7.0, 0.5])
    with pytest.raises(AttributeError, match="not implemented"):
        tl.not_a_torch_op  # noqa: B018


# (method, args): applied to a fresh tensor on each side; the result and the tensor must agree
INPLACE = [
    ("multiply_", (2.0,)),
    ("subtract_", (_a(3, 4),)),
    ("divide_", (2.0,)),
    ("lt_", (0.0,)),
    ("le_", (_a(3, 4),)),
    ("gt_", (0.1,)),
    ("ge_", (0.1,)),
    ("eq_", (0.5,)),
    ("ne_", (0.5,)),
    ("greater_", (0.0,)),
    ("greater_equal_", (0.0,)),
    ("less_", (0.0,)),
    ("less_equal_", (0.0,)),
    ("not_equal_", (0.0,)),
    ("arctan_", ()),
    ("arcsin_", ()),
    ("squeeze_", ()),
    ("squeeze_", (0,)),
    ("unsqueeze_", (1,)),
    ("transpose_", (0, 2)),
    ("swapaxes_", (1, 2)),
    ("swapdims_", (0, 1)),
]


@pytest.mark.parametrize("name,args", INPLACE, ids=[f"{n}-{i}" for i, (n, _) in enumerate(INPLACE)])
def test_inplace_method(name, args):
    base = (
        _a(1, 3, 4) if name.startswith(("squeeze", "unsqueeze", "transpose", "swap")) else _a(3, 4)
    )
    outs = []
    for lib in (tl, ref):
        leaf = lib.from_numpy(base.copy()).requires_grad_(True)
        x = leaf * 2  # a non-leaf: its in-place result keeps the history
        out = getattr(x, name)(*[_conv(lib, a) for a in args])
        assert out is x
        grad = None
        if x.requires_grad:
            (x * lib.arange(x.numel(), dtype=x.dtype).reshape(x.shape)).sum().backward()
            grad = leaf.grad.numpy()
        outs.append((x.detach().numpy(), grad))
    (got, got_g), (want, want_g) = outs
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert (got_g is None) == (want_g is None)
    if want_g is not None:
        np.testing.assert_allclose(got_g, want_g, rtol=1e-6)


def test_inplace_shape_on_view_and_t_():
    for lib in (tl, ref):
        m = lib.zeros(2, 3)
        v = m[0]
        v.unsqueeze_(0)
        v.fill_(5.0)
        assert tuple(v.shape) == (1, 3)
        np.testing.assert_allclose(m.numpy(), [[5, 5, 5], [0, 0, 0]])
        s = lib.ones(2, 3)
        assert s.t_() is s and tuple(s.shape) == (3, 2)
    x = tl.ones(2, dtype=tl.float32)
    with pytest.raises(RuntimeError, match="requires dtype Double"):
        x.float_power_(2)
    with pytest.raises(RuntimeError, match="requires dtype Double"):
        ref.ones(2).float_power_(2)
    d = tl.ones(2, dtype=tl.float64).float_power_(3)
    np.testing.assert_allclose(d.numpy(), [1.0, 1.0])


@pytest.mark.parametrize("name", TOP_LEVEL_INPLACE)
def test_top_level_inplace(name):
    assert hasattr(ref, name), name
    base = _a(2, 3, low=0.1, high=0.9)
    extra = {
        "clamp_": (0.2, 0.5),
        "clamp_max_": (0.5,),
        "clamp_min_": (0.5,),
        "clip_": (0.2, 0.5),
        "fill_": (3.0,),
        "xlogy_": (2.0,),
        "addmv_": (_a(2, 4), _a(4)),
    }.get(name, ())
    extra = {
        "ldexp_": (np.array([1, 2, 0]),),
        "index_put_": ((np.array([1, 0]),), np.array([5.0], np.float32)),
        "resize_as_": (_a(3, 2),),
    }.get(name, extra)
    if name == "addmv_":
        base = _a(2)
    if name in ("gcd_", "lcm_"):
        base, extra = np.array([4, 6, 9], np.int64), (np.array([6, 4, 3], np.int64),)
    res = []
    for lib in (tl, ref):
        x = lib.from_numpy(base.copy())
        out = getattr(lib, name)(x, *[_conv_nested(lib, a) for a in extra])
        assert out is x
        res.append(x.numpy())
    np.testing.assert_allclose(res[0], res[1], rtol=1e-5, atol=1e-6)


POS = _a(3, 4, low=0.5, high=2.0)
# (torch function name, args, kwargs, differentiable w.r.t. the first argument)
MISC = [
    ("rsub", (_a(3, 4), _a(3, 4)), {"alpha": 2}, True),
    ("rsub", (_a(3, 4), 2.0), {}, True),
    ("multiply", (_a(3, 4), _a(4)), {}, True),
    ("subtract", (_a(3, 4), _a(4)), {"alpha": 3}, True),
    ("cov", (_a(3, 5),), {}, True),
    ("cov", (_a(5),), {"correction": 0}, True),
    ("cov", (_a(2, 5),), {"fweights": np.array([1, 2, 1, 3, 1]), "aweights": _a(5, low=0.1)}, True),
    ("corrcoef", (_a(3, 5),), {}, True),
    ("trapezoid", (_a(3, 5),), {}, True),
    ("trapezoid", (_a(3, 5), np.sort(_a(5))), {}, True),
    ("trapezoid", (_a(3, 5),), {"dx": 0.5, "dim": 0}, True),
    ("trapz", (_a(3, 5), np.sort(_a(3, 5), 1)), {}, True),
    ("cumulative_trapezoid", (_a(3, 5),), {"dim": 0}, True),
    ("cumulative_trapezoid", (_a(3, 5), np.sort(_a(5))), {}, True),
    ("vander", (_a(4),), {}, False),  # torch's vander backward fails (an in-place cumprod)
    ("vander", (_a(3),), {"N": 5, "increasing": True}, False),
    ("vander", (np.array([1, 2, 3]),), {}, False),
    ("renorm", (_a(3, 4), 2, 0, 0.5), {}, True),
    ("renorm", (_a(3, 4), 1, 1, 0.8), {}, True),
    ("matrix_exp", (_a(2, 3, 3),), {}, True),
    ("i0", (_a(3, 4),), {}, True),
    ("ldexp", (_a(3, 4), np.array([1, 2, 3, 0])), {}, True),
    ("ldexp", (_a(3, 4), np.array([1, -2, 3, 0])), {}, False),  # torch: 0 gradient for e<0
    ("frexp", (_a(3, 4) * 100,), {}, False),
    ("nextafter", (_a(3, 4), _a(3, 4)), {}, False),
    ("polygamma", (1, POS), {}, False),
    ("polygamma", (2, POS), {}, False),
    ("mvlgamma", (POS + 1, 2), {}, True),
    ("igamma", (POS, _a(3, 4, low=0.1, high=3)), {}, False),
    ("igammac", (POS, _a(3, 4, low=0.1, high=3)), {}, False),
    ("unravel_index", (np.array([0, 5, 11]), (3, 4)), {}, False),
    ("fill", (_a(3, 4), 2.5), {}, False),
    ("detach", (_a(3),), {}, False),
    ("scalar_tensor", (3,), {}, False),
    ("asarray", ([1.0, 2.0],), {}, False),
    ("hann_window", (6,), {}, False),
    ("hann_window", (5, False), {}, False),
    ("hamming_window", (7, True, 0.5, 0.4), {}, False),
    ("blackman_window", (6,), {"dtype": "float64"}, False),
    ("bartlett_window", (7, False), {}, False),
    ("bartlett_window", (1,), {}, False),
    ("kaiser_window", (8, True, 5.0), {}, False),
]


def _lib_kwargs(lib, kwargs):
    return {k: getattr(lib, v) if k == "dtype" else _conv(lib, v) for k, v in kwargs.items()}


@pytest.mark.parametrize(
    "name,args,kwargs,diff", MISC, ids=[f"{m[0]}-{i}" for i, m in enumerate(MISC)]
)
def test_misc(name, args, kwargs, diff):
    results = []
    for lib in (tl, ref):
        a = [_conv(lib, x) for x in args]
        first = 1 if name in ("polygamma",) else 0
        if diff:
            a[first] = a[first].double().requires_grad_(True)
        out = getattr(lib, name)(*a, **_lib_kwargs(lib, kwargs))
        grad = None
        if diff:
            (
                out * lib.linspace(0.5, 1.5, out.numel(), dtype=out.dtype).reshape(out.shape)
            ).sum().backward()
            grad = a[first].grad.numpy()
        results.append((_np(out), grad))
    (got, got_g), (want, want_g) = results
    got, want = (got, want) if isinstance(want, list) else ([got], [want])
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.dtype == w.dtype, (g.dtype, w.dtype)
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
    if diff:
        np.testing.assert_allclose(got_g, want_g, rtol=1e-5, atol=1e-6)


def test_range_and_predicates():
    with pytest.warns(UserWarning, match="deprecated"):
        got = tl.range(1, 4, 0.5)
    with pytest.warns(UserWarning, match="deprecated"):
        want = ref.range(1, 4, 0.5)
    np.testing.assert_allclose(got.numpy(), want.numpy())
    assert got.dtype.name == "float32" and want.dtype == ref.float32
    for lib in (tl, ref):
        x = lib.tensor([1.0, 2.0])
        assert lib.is_complex(x) is False and lib.is_signed(x) is True
        assert lib.is_signed(lib.tensor([1], dtype=lib.uint8)) is False
        assert lib.is_nonzero(lib.tensor([0.5])) is True and lib.is_same_size(x, x)
        with pytest.raises(RuntimeError, match="ambiguous"):
            lib.is_nonzero(x)
        assert lib.typename(x) == "torch.FloatTensor"
        assert lib.typename(lib.tensor([1])) == "torch.LongTensor"
        assert x.is_cpu and x.get_device() == -1 and x.storage_offset() == 0
        assert x.is_inference() is False and lib.is_inference_mode_enabled() is False
        assert x.data_ptr() == x.data_ptr() and x.data_ptr() != lib.ones(2).data_ptr()
        np.testing.assert_array_equal(x.isreal().numpy(), [True, True])
    assert tl.typename(3) == ref.typename(3) == "int"
    assert tl.set_flush_denormal(False) is False
    tl.set_warn_always(True)
    assert tl.is_warn_always_enabled()
    tl.set_warn_always(False)
    with pytest.raises(RuntimeError, match="one-dimensional"):
        tl.vander(tl.ones(2, 2))


UNFOLD = [
    ((10,), 0, 3, 2),
    ((2, 7), 1, 2, 1),
    ((4, 3), 0, 4, 3),
    ((5, 2, 3), -3, 2, 2),
    ((), 0, 1, 1),
]


@pytest.mark.parametrize("shape,dim,size,step", UNFOLD)
def test_unfold_method(shape, dim, size, step):
    base = _a(*shape)
    res = []
    for lib in (tl, ref):
        x = lib.from_numpy(base.copy()).double().requires_grad_(True)
        out = x.unfold(dim, size, step)
        (
            out * lib.linspace(0.5, 1.5, out.numel(), dtype=out.dtype).reshape(out.shape)
        ).sum().backward()
        res.append((out.detach().numpy(), x.grad.numpy()))
    np.testing.assert_allclose(res[0][0], res[1][0])
    np.testing.assert_allclose(res[0][1], res[1][1])


@pytest.mark.parametrize("size", [(3, 1), (1, 4), (2, 3, 4), (4,), (1,)])
def test_sum_to_size(size):
    base = _a(2, 3, 4)
    got = tl.from_numpy(base).sum_to_size(*size).numpy()
    want = ref.from_numpy(base).sum_to_size(*size).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-6)
    with pytest.raises(RuntimeError):
        tl.from_numpy(base).sum_to_size(5)


@pytest.mark.parametrize(
    "name,args",
    [
        ("i0_", ()),
        ("ldexp_", (np.array([1, 2, 0, -1]),)),
        ("renorm_", (2, 0, 0.5)),
        ("polygamma_", (1,)),
        ("mvlgamma_", (1,)),
    ],
)
def test_misc_inplace(name, args):
    base = _a(3, 4, low=0.5, high=2.0)
    res = []
    for lib in (tl, ref):
        x = lib.from_numpy(base.copy())
        assert getattr(x, name)(*[_conv(lib, a) for a in args]) is x
        res.append(x.numpy())
    np.testing.assert_allclose(res[0], res[1], rtol=1e-5, atol=1e-5)  # float32 lgamma


MASK = np.array([[True, False, True, False], [False, True, False, False], [True] * 4])
# (name, args, kwargs): gradients are compared for every float argument
SCATTER = [
    ("select_scatter", (_a(3, 4), _a(4), 0, 1), {}),
    ("select_scatter", (_a(3, 4), _a(3), 1, -1), {}),
    ("slice_scatter", (_a(6, 4), _a(2, 4)), {"start": 1, "end": 5, "step": 2}),
    ("slice_scatter", (_a(3, 5), _a(3, 2), 1, 3), {}),
    ("diagonal_scatter", (_a(3, 4), _a(3)), {"offset": 1}),
    ("diagonal_scatter", (_a(2, 3, 3), _a(3, 2)), {"offset": -1, "dim1": 1, "dim2": 0}),
    ("masked_scatter", (_a(3, 4), MASK, _a(12)), {}),
    ("masked_scatter", (_a(3, 4), MASK[0], _a(3, 4)), {}),
    ("index_put", (_a(3, 4), (np.array([0, 2, 1]), np.array([1, 3, 1])), _a(3)), {}),
    ("index_put", (_a(3, 4), (np.array([0, 2, 0]), np.array([1, 3, 1])), _a(3), True), {}),
    ("index_put", (_a(3, 4), (np.array([2, 0]),), _a(4)), {}),
    ("index_put", (_a(3, 4), (MASK,), _a(1)), {}),
    ("combinations", (_a(4),), {}),
    ("combinations", (_a(4), 3, True), {}),
    ("split_with_sizes", (_a(5, 2), [2, 3]), {}),
    ("unsafe_split", (_a(5, 2), 2, 0), {}),
    ("unsafe_chunk", (_a(2, 5), 2, 1), {}),
    ("hardshrink", (_a(3, 4),), {"lambd": 0.3}),
]


def _conv_nested(lib, a):
    if isinstance(a, tuple):
        return tuple(_conv(lib, x) for x in a)
    return _conv(lib, a)


@pytest.mark.parametrize(
    "name,args,kwargs", SCATTER, ids=[f"{m[0]}-{i}" for i, m in enumerate(SCATTER)]
)
def test_scatter_like(name, args, kwargs):
    results = []
    for lib in (tl, ref):
        a = [_conv_nested(lib, x) for x in args]
        leaves = []
        for i, x in enumerate(a):
            if isinstance(x, (tl.Tensor, ref.Tensor)) and x.dtype.is_floating_point:
                a[i] = x.double().requires_grad_(True)
                leaves.append(a[i])
        out = getattr(lib, name)(*a, **kwargs)
        outs = list(out) if isinstance(out, tuple) else [out]
        total = sum(
            (o * lib.linspace(0.5, 1.5, o.numel(), dtype=o.dtype).reshape(o.shape)).sum()
            for o in outs
        )
        total.backward()
        results.append(([o.detach().numpy() for o in outs], [x.grad.numpy() for x in leaves]))
        method = getattr(a[0], name, None)  # the method form agrees with the function
        if method is not None and lib is tl:
            again = method(*a[1:], **kwargs)
            for o, p in zip(outs, list(again) if isinstance(again, tuple) else [again]):
                np.testing.assert_array_equal(o.detach().numpy(), p.detach().numpy())
    (got, got_g), (want, want_g) = results
    assert len(got) == len(want)
    for g, w in zip(got + got_g, want + want_g):
        assert g.shape == w.shape and g.dtype == w.dtype
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-7)


def test_scatter_errors():
    for lib in (tl, ref):
        with pytest.raises(RuntimeError):
            lib.select_scatter(lib.zeros(3, 4), lib.zeros(3), 0, 0)
        with pytest.raises(RuntimeError):
            lib.slice_scatter(lib.zeros(3, 4), lib.zeros(3, 4), 0, 1)
        with pytest.raises(RuntimeError):
            lib.masked_scatter(lib.zeros(3), lib.ones(3), lib.zeros(3))
        with pytest.raises(RuntimeError):
            lib.split_with_sizes(lib.zeros(5), [2, 2])
        with pytest.raises(RuntimeError):
            lib.combinations(lib.zeros(2, 2))


@pytest.mark.parametrize(
    "shape,value,wrap",
    [((5, 3), 1.0, True), ((5, 3), 2.0, False), ((3, 5), 3.0, True), ((3, 3, 3), 4.0, False)],
)
def test_fill_diagonal_(shape, value, wrap):
    got = tl.zeros(*shape).fill_diagonal_(value, wrap=wrap).numpy()
    want = ref.zeros(*shape).fill_diagonal_(value, wrap=wrap).numpy()
    np.testing.assert_array_equal(got, want)


def test_put_resize_new_histogram_and_defaults():
    base, idx, src = _a(3, 4), np.array([0, 5, 11, 5]), _a(4)
    for acc in (False, True):
        got = tl.from_numpy(base).put(tl.from_numpy(idx), tl.from_numpy(src), accumulate=acc)
        want = ref.from_numpy(base).put(ref.from_numpy(idx), ref.from_numpy(src), accumulate=acc)
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)
    x = tl.from_numpy(base.copy())
    assert x.put_(tl.tensor([1]), tl.tensor([9.0])) is x and x.numpy()[0, 1] == 9.0
    for size in [(2, 6), (5,), (2, 2)]:
        got, want = tl.from_numpy(base.copy()), ref.from_numpy(base.copy())
        got.resize_(*size), want.resize_(*size)
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    grown = tl.arange(3.0).resize_(2, 2)
    assert tuple(grown.shape) == (2, 2) and grown.numpy().ravel()[:3].tolist() == [0, 1, 2]
    assert tuple(tl.ones(4).resize_as_(tl.ones(2, 2)).shape) == (2, 2)
    with pytest.raises(RuntimeError, match="require grad"):
        tl.ones(2, requires_grad=True).resize_(4)
    for lib in (tl, ref):
        t = lib.tensor([1.0, 2.0], dtype=lib.float64)
        assert t.new([3, 4]).dtype == lib.float64 and tuple(t.new(2, 3).shape) == (2, 3)
        assert t.new().numel() == 0
    data = _a(20)
    for kw in [
        {"bins": 4},
        {"bins": 3, "range": (-0.5, 0.5), "density": True},
        {"bins": 5, "weight": _a(20, low=0)},
    ]:
        args = {k: _conv(tl, v) for k, v in kw.items()}
        got = tl.histogram(tl.from_numpy(data), **args)
        want = ref.histogram(ref.from_numpy(data), **{k: _conv(ref, v) for k, v in kw.items()})
        for g, w in zip(got, want):
            np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-5, atol=1e-6)
        assert got.hist.dtype.name == "float32"
    assert tl.get_default_device() == tl.device("cpu")
    tl.set_default_device("cpu")
    assert tl.ones(1).device == tl.device("cpu")
    tl.set_default_device(None)
    with pytest.warns(UserWarning, match="deprecated"):
        tl.set_default_tensor_type(tl.DoubleTensor)
    try:
        assert tl.get_default_dtype() is tl.float64 and tl.ones(1).dtype is tl.float64
    finally:
        with pytest.warns(UserWarning):
            tl.set_default_tensor_type("torch.FloatTensor")
    assert tl.get_default_dtype() is tl.float32
