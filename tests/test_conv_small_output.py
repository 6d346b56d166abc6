"""Convolutions with only a few output positions per image run as a matmul over the input's
windows (XLA's CPU convolution is very slow there); values and gradients must stay PyTorch's."""

import warnings

import numpy as np
import pytest
import torch as pt

import torchlike as tl

# (conv, input shape, weight shape, keyword arguments)
CASES = [
    ("conv2d", (2, 3, 2, 2), (4, 3, 3, 3), dict(padding=1)),
    ("conv2d", (2, 3, 4, 4), (5, 3, 3, 3), dict(stride=2, padding=1)),
    ("conv2d", (2, 4, 1, 1), (3, 4, 3, 3), dict(padding=1)),
    ("conv2d", (2, 3, 5, 5), (4, 3, 3, 3), dict(dilation=2)),
    ("conv2d", (2, 3, 2, 2), (4, 3, 2, 2), dict(padding="same")),
    ("conv2d", (3, 2, 2), (4, 3, 3, 2), dict(padding=(1, 0))),
    ("conv1d", (2, 3, 3), (2, 3, 3), dict()),
    ("conv1d", (1, 2, 1), (3, 2, 1), dict(stride=3, padding=1)),
    ("conv3d", (1, 2, 1, 2, 2), (3, 2, 3, 3, 3), dict(padding=1)),
]


@pytest.mark.parametrize("name,xs,ws,kw", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_small_output_conv_matches_torch(name, xs, ws, kw):
    rng = np.random.default_rng(0)
    x, w, b = (rng.standard_normal(s).astype(np.float32) for s in (xs, ws, ws[:1]))
    ref = [pt.tensor(a, requires_grad=True) for a in (x, w, b)]
    got = [tl.tensor(a, requires_grad=True) for a in (x, w, b)]
    with warnings.catch_warnings():  # PyTorch notes that 'same' with an even kernel copies
        warnings.simplefilter("ignore", UserWarning)
        y_ref = getattr(pt.nn.functional, name)(*ref, **kw)
    y = getattr(tl.nn.functional, name)(*got, **kw)
    assert tuple(y.shape) == tuple(y_ref.shape)
    np.testing.assert_allclose(y.detach().numpy(), y_ref.detach().numpy(), rtol=1e-5, atol=1e-5)
    g = rng.standard_normal(tuple(y_ref.shape)).astype(np.float32)
    (y_ref * pt.tensor(g)).sum().backward()
    (y * tl.tensor(g)).sum().backward()
    for a, r in zip(got, ref):
        np.testing.assert_allclose(a.grad.numpy(), r.grad.numpy(), rtol=1e-4, atol=1e-5)
