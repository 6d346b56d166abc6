"""Complex numbers against PyTorch: the complex ops' values, gradients through complex
intermediates (rotary position embeddings), gradients of complex leaves in PyTorch's convention
(conjugate Wirtinger), eager and compiled."""

from __future__ import annotations

import numpy as np
import pytest
import torch as ref

import torchlike as tl

RNG = np.random.default_rng(0)
Z = (RNG.standard_normal(6) + 1j * RNG.standard_normal(6)).astype(np.complex64)
C = (RNG.standard_normal(6) + 1j * RNG.standard_normal(6)).astype(np.complex64)
R = RNG.standard_normal((6,)).astype(np.float32)
P = RNG.standard_normal((3, 2)).astype(np.float32)


def close(a, b):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=2e-5, atol=2e-5)


# (id, function of (lib, tensors...), inputs): forward values and dtypes
FORWARD = [
    ("complex", lambda lib, a, b: lib.complex(a, b), (R, R[::-1].copy())),
    ("polar", lambda lib, a, b: lib.polar(a, b), (np.abs(R), R)),
    ("real", lambda lib, z: z.real, (Z,)),
    ("imag", lambda lib, z: z.imag, (Z,)),
    ("real_of_real", lambda lib, x: lib.real(x), (R,)),
    ("view_as_real", lambda lib, z: lib.view_as_real(z), (Z,)),
    ("view_as_complex", lambda lib, x: lib.view_as_complex(x), (P,)),
    ("conj", lambda lib, z: z.conj().resolve_conj(), (Z,)),
    ("angle", lambda lib, z: z.angle(), (Z,)),
    ("angle_real", lambda lib, x: lib.angle(x), (R,)),
    ("abs", lambda lib, z: z.abs(), (Z,)),
    ("mul_add", lambda lib, z, c: z * c + z, (Z, C)),
]


@pytest.mark.parametrize("fn, inputs", [c[1:] for c in FORWARD], ids=[c[0] for c in FORWARD])
def test_forward_matches_torch(fn, inputs):
    ours = fn(tl, *[tl.tensor(x) for x in inputs])
    theirs = fn(ref, *[ref.tensor(x) for x in inputs])
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "torch.")
    assert tuple(ours.shape) == tuple(theirs.shape)
    close(ours.numpy(), theirs.resolve_conj().numpy())


# (id, real-valued loss of a complex leaf z and a constant c): gradients of complex leaves
LEAF_LOSSES = [
    ("abs_squared", lambda lib, z, c: ((z * c).abs() ** 2).sum()),
    ("real_part", lambda lib, z, c: (z * c).real.sum()),
    ("imag_part", lambda lib, z, c: (z.conj() * c).imag.sum()),
    ("angle", lambda lib, z, c: z.angle().sum()),
    ("view_as_real", lambda lib, z, c: (lib.view_as_real(z * z) * 0.5).sum()),
]


@pytest.mark.parametrize("loss", [c[1] for c in LEAF_LOSSES], ids=[c[0] for c in LEAF_LOSSES])
def test_complex_leaf_gradients_in_torchs_convention(loss):
    z, zt = tl.tensor(Z, requires_grad=True), ref.tensor(Z, requires_grad=True)
    loss(tl, z, tl.tensor(C)).backward()
    loss(ref, zt, ref.tensor(C)).backward()
    close(z.grad.numpy(), zt.grad.resolve_conj().numpy())


def test_complex_grad_output_and_autograd_grad():
    go = (Z[::-1] * 0.5).copy()
    z, zt = tl.tensor(Z, requires_grad=True), ref.tensor(Z, requires_grad=True)
    (z * tl.tensor(C)).backward(tl.tensor(go))
    (zt * ref.tensor(C)).backward(ref.tensor(go))
    close(z.grad.numpy(), zt.grad.resolve_conj().numpy())
    (g,) = tl.autograd.grad((z * z).abs().sum(), [z])
    (gt,) = ref.autograd.grad((zt * zt).abs().sum(), [zt])
    close(g.numpy(), gt.numpy())


def rotary(lib, x, angles):
    """LLaMA-style rotary embedding: pairs of features rotated as complex numbers."""
    freqs = lib.polar(lib.ones_like(angles), angles)
    xc = lib.view_as_complex(x.float().reshape(*x.shape[:-1], -1, 2))
    return lib.view_as_real(xc * freqs).flatten(-2)


def test_rotary_embedding_values_and_gradients_match_torch():
    x0 = RNG.standard_normal((2, 5, 8)).astype(np.float32)
    ang = RNG.standard_normal((5, 4)).astype(np.float32)
    x, xt = tl.tensor(x0, requires_grad=True), ref.tensor(x0, requires_grad=True)
    w = RNG.standard_normal((8,)).astype(np.float32)
    out = rotary(tl, x, tl.tensor(ang))
    out_t = rotary(ref, xt, ref.tensor(ang))
    close(out.detach().numpy(), out_t.detach().numpy())
    (out * tl.tensor(w)).sum().backward()
    (out_t * ref.tensor(w)).sum().backward()
    close(x.grad.numpy(), xt.grad.numpy())


def test_rotary_embedding_in_a_compiled_step_gives_the_eager_gradients():
    lin = tl.nn.Linear(8, 8)
    ang = tl.tensor(RNG.standard_normal((5, 4)).astype(np.float32))
    x = tl.tensor(RNG.standard_normal((2, 5, 8)).astype(np.float32))

    def grads(x):
        lin.zero_grad()
        rotary(tl, lin(x), ang).pow(2).sum().backward()
        return lin.weight.grad.clone()

    eager = grads(x)
    compiled = tl.compile(grads)(x)
    close(compiled.numpy(), eager.numpy())


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.view_as_complex(lib.ones(3, 3)),
        lambda lib: lib.view_as_real(lib.ones(3)),
        lambda lib: lib.ones(3).imag,
    ],
)
def test_errors_match_torch(call):
    with pytest.raises(RuntimeError):
        call(ref)
    with pytest.raises(RuntimeError):
        call(tl)
