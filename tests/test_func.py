"""``torchlike.vmap`` and ``torchlike.func`` against ``torch.vmap`` / ``torch.func``."""

import numpy as np
import pytest
import torch as ref
from _helpers import to_numpy

import torchlike as tl

RNG = np.random.default_rng(1)
X = RNG.standard_normal((4, 3)).astype(np.float32)
Y = RNG.standard_normal((3,)).astype(np.float32)
Z = RNG.standard_normal((3, 4)).astype(np.float32)


def _tensors(lib, *arrays):
    return [lib.from_numpy(a.copy()) for a in arrays]


def _close(a, b):
    if isinstance(b, dict):
        assert a.keys() == b.keys()
        for k in b:
            _close(a[k], b[k])
    elif isinstance(b, list):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _close(x, y)
    else:
        assert a.shape == b.shape, (a.shape, b.shape)
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


# (name, program(lib, x, y, z)) run on both libraries
PROGRAMS = [
    ("vmap_dot", lambda L, x, y, z: L.vmap(L.dot, in_dims=(0, None))(x, y)),
    ("vmap_in_dim1", lambda L, x, y, z: L.vmap(lambda a, b: a * b, in_dims=(1, 0))(z, x)),
    ("vmap_out_dim1", lambda L, x, y, z: L.vmap(lambda a: a.exp(), out_dims=1)(x)),
    ("vmap_tuple_out", lambda L, x, y, z: L.vmap(lambda a: (a.sum(), a.max(0).values))(x)),
    (
        "vmap_nested",
        lambda L, x, y, z: L.vmap(L.vmap(lambda a, b: a * b, (0, None)), (0, None))(
            x.reshape(2, 2, 3), y
        ),
    ),
    ("vmap_scalar_arg", lambda L, x, y, z: L.vmap(lambda a, k: a * k, in_dims=(0, None))(x, 3.0)),
    ("vmap_kwargs", lambda L, x, y, z: L.vmap(lambda a, *, b: a + b)(x, b=y)),
    (
        "vmap_dict_in",
        lambda L, x, y, z: L.vmap(lambda d: d["a"] - d["b"], in_dims=({"a": 0, "b": None},))(
            {"a": x, "b": y}
        ),
    ),
    ("grad", lambda L, x, y, z: L.func.grad(lambda a: (a.sin() * a).sum())(y)),
    (
        "grad_argnums",
        lambda L, x, y, z: L.func.grad(lambda a, b: (a @ b).pow(2).sum(), argnums=(0, 1))(x, y),
    ),
    (
        "grad_dict",
        lambda L, x, y, z: L.func.grad(lambda p: (p["w"] * p["v"]).sum())({"w": y, "v": y * 2}),
    ),
    (
        "grad_aux",
        lambda L, x, y, z: L.func.grad(lambda a: ((a**2).sum(), a.mean()), has_aux=True)(y),
    ),
    ("grad_and_value", lambda L, x, y, z: L.func.grad_and_value(lambda a: a.exp().sum())(y)),
    (
        "per_sample_grad",
        lambda L, x, y, z: L.vmap(L.func.grad(lambda w, a: (a @ w).tanh()), in_dims=(None, 0))(
            y, x
        ),
    ),
    ("jacrev", lambda L, x, y, z: L.func.jacrev(lambda a: a.sin() * a.sum())(y)),
    ("jacrev_matrix", lambda L, x, y, z: L.func.jacrev(lambda a, b: a @ b, argnums=1)(x, y)),
    ("jacfwd", lambda L, x, y, z: L.func.jacfwd(lambda a: a.exp().cumsum(0))(y)),
]


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")
@pytest.mark.parametrize("name,prog", PROGRAMS, ids=[p[0] for p in PROGRAMS])
def test_transform(name, prog):  # (torch's jacfwd warns from inside torch)
    got = to_numpy(prog(tl, *_tensors(tl, X, Y, Z)))
    want = to_numpy(prog(ref, *_tensors(ref, X, Y, Z)))
    _close(got, want)


def test_vmap_is_differentiable_and_compiles():
    grads = []
    for L in (tl, ref):
        x, y = _tensors(L, X, Y)
        y.requires_grad_(True)
        out = L.vmap(lambda a, b: (a * b).sin().sum(), in_dims=(0, None))(x, y)
        (out * L.arange(4.0)).sum().backward()
        grads.append(y.grad.numpy())
    _close(grads[0], grads[1])

    @tl.compile
    def step(x, y):
        return tl.vmap(lambda a: a @ y)(x)

    x, y = _tensors(tl, X, Y)
    np.testing.assert_allclose(step(x, y).numpy(), X @ Y, rtol=1e-5)


def test_functional_call_per_sample_grads():
    results = []
    for L in (tl, ref):
        L.manual_seed(0)
        model = L.nn.Linear(3, 2)
        with L.no_grad():
            model.weight.copy_(L.from_numpy(Z[:2, :3].copy()))
            model.bias.copy_(L.from_numpy(Y[:2].copy()))
        params = {k: v.detach() for k, v in model.named_parameters()}

        def loss(p, a, L=L, model=model):
            return L.func.functional_call(model, p, (a,)).pow(2).sum()

        per_sample = L.vmap(L.func.grad(loss), in_dims=(None, 0))(params, *_tensors(L, X))
        plain = L.func.functional_call(model, {"bias": L.zeros(2)}, _tensors(L, X)[0])
        results.append((to_numpy(per_sample), to_numpy(plain), to_numpy(model.bias)))
    _close(results[0][0], results[1][0])
    _close(results[0][1], results[1][1])
    _close(results[0][2], results[1][2])  # the module keeps its own parameters


def test_errors():
    x = tl.ones(2, 3)
    with pytest.raises(RuntimeError, match="random"):
        tl.vmap(lambda a: a + tl.randn(3))(x)
    assert tl.randn(2).shape == (2,)  # the generator still works afterwards
    with pytest.raises(ValueError):
        tl.vmap(lambda a, b: a + b, in_dims=(0, 0, 0))(x, x)
    with pytest.raises(ValueError):
        tl.vmap(lambda a: a, in_dims=2)(x)
    with pytest.raises(RuntimeError, match="scalar"):
        tl.func.grad(lambda a: a * 2)(tl.ones(3))
    with pytest.raises(NotImplementedError):
        tl.vmap(lambda a: a, randomness="different")
    with pytest.raises(RuntimeError, match="random"):
        ref.vmap(lambda a: a + ref.randn(3))(ref.ones(2, 3))
