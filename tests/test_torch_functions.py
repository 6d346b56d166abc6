"""``torch.*`` functions beyond the family tables, compared with PyTorch: ``nn.functional`` ops
under their ``torch.*`` names, in-place forms (methods and ``torch.relu_``-style functions), and
smaller functions (statistics, windows, special functions, scatter variants, ``unfold``,
``sum_to_size``). The tables are in ``op_table/torch_functions.py``.
"""

import numpy as np
import pytest
import torch as ref
from _helpers import to_numpy
from op_table.torch_functions import ALIASES, INPLACE, MISC, SCATTER, uniform

import torchlike as tl
from torchlike._tensor_methods import TOP_LEVEL_INPLACE


def _conv(lib, a):
    return lib.from_numpy(a) if isinstance(a, np.ndarray) else a


@pytest.mark.parametrize("name,args", ALIASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(ALIASES)])
def test_alias(name, args):
    assert hasattr(ref, name), f"torch {ref.__version__} has no torch.{name}: a wrong table row"
    assert hasattr(tl, name), f"torchlike has no torch.{name}"
    want = getattr(ref, name)(*[_conv(ref, a) for a in args])
    got = getattr(tl, name)(*[_conv(tl, a) for a in args])
    got, want = to_numpy(got), to_numpy(want)
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


@pytest.mark.parametrize("name,args", INPLACE, ids=[f"{n}-{i}" for i, (n, _) in enumerate(INPLACE)])
def test_inplace_method(name, args):
    base = (
        uniform(1, 3, 4)
        if name.startswith(("squeeze", "unsqueeze", "transpose", "swap"))
        else uniform(3, 4)
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
    base = uniform(2, 3, low=0.1, high=0.9)
    extra = {
        "clamp_": (0.2, 0.5),
        "clamp_max_": (0.5,),
        "clamp_min_": (0.5,),
        "clip_": (0.2, 0.5),
        "fill_": (3.0,),
        "xlogy_": (2.0,),
        "addmv_": (uniform(2, 4), uniform(4)),
    }.get(name, ())
    extra = {
        "ldexp_": (np.array([1, 2, 0]),),
        "index_put_": ((np.array([1, 0]),), np.array([5.0], np.float32)),
        "resize_as_": (uniform(3, 2),),
    }.get(name, extra)
    if name == "addmv_":
        base = uniform(2)
    if name in ("gcd_", "lcm_"):
        base, extra = np.array([4, 6, 9], np.int64), (np.array([6, 4, 3], np.int64),)
    res = []
    for lib in (tl, ref):
        x = lib.from_numpy(base.copy())
        out = getattr(lib, name)(x, *[_conv_nested(lib, a) for a in extra])
        assert out is x
        res.append(x.numpy())
    np.testing.assert_allclose(res[0], res[1], rtol=1e-5, atol=1e-6)


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
        results.append((to_numpy(out), grad))
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
    base = uniform(*shape)
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
    base = uniform(2, 3, 4)
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
    base = uniform(3, 4, low=0.5, high=2.0)
    res = []
    for lib in (tl, ref):
        x = lib.from_numpy(base.copy())
        assert getattr(x, name)(*[_conv(lib, a) for a in args]) is x
        res.append(x.numpy())
    np.testing.assert_allclose(res[0], res[1], rtol=1e-5, atol=1e-5)  # float32 lgamma


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
    base, idx, src = uniform(3, 4), np.array([0, 5, 11, 5]), uniform(4)
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
    data = uniform(20)
    for kw in [
        {"bins": 4},
        {"bins": 3, "range": (-0.5, 0.5), "density": True},
        {"bins": 5, "weight": uniform(20, low=0)},
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


def test_constants_pytorch_reexports():
    # every float/None constant of torch's namespace (torch.inf, torch.pi, torch.newaxis ...);
    # the build facts (has_mkl, USE_GLOBAL_DEPS ...) describe PyTorch's own build
    names = [
        n
        for n in dir(ref)
        if not n.startswith("_") and (type(getattr(ref, n)) is float or getattr(ref, n) is None)
    ]
    assert {"e", "inf", "nan", "newaxis", "pi"} <= set(names)
    for name in names:
        ours, theirs = getattr(tl, name), getattr(ref, name)
        assert ours == theirs or (ours != ours and theirs != theirs), name
