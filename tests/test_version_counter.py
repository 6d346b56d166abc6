"""Version counters: writing in place to a tensor an op saved for its backward is PyTorch's
"modified by an inplace operation" error at ``backward()``; writing to one it did not save is
fine. Each row runs the same scenario on torch and torchlike: both raise the same message, or
both succeed with the same gradient."""

from __future__ import annotations

import numpy as np
import pytest
import torch as ref

import torchlike as tl

A = np.array([[0.3, 0.6], [0.9, 0.4]], np.float32)
B = np.array([[0.5, 0.7], [0.2, 0.8]], np.float32)

UNARY = {
    "exp": lambda lib, h: h.exp(),
    "tanh": lambda lib, h: h.tanh(),
    "sigmoid": lambda lib, h: lib.sigmoid(h),
    "relu": lambda lib, h: lib.nn.functional.relu(h),
    "sqrt": lambda lib, h: h.sqrt(),
    "rsqrt": lambda lib, h: h.rsqrt(),
    "reciprocal": lambda lib, h: h.reciprocal(),
    "softmax": lambda lib, h: h.softmax(1),
    "log_softmax": lambda lib, h: h.log_softmax(1),
    "log": lambda lib, h: h.log(),
    "log1p": lambda lib, h: h.log1p(),
    "sin": lambda lib, h: h.sin(),
    "cos": lambda lib, h: h.cos(),
    "abs": lambda lib, h: h.abs(),
    "pow": lambda lib, h: h.pow(3),
    "erf": lambda lib, h: h.erf(),
    "gelu": lambda lib, h: lib.nn.functional.gelu(h),
    "silu": lambda lib, h: lib.nn.functional.silu(h),
    "leaky_relu": lambda lib, h: lib.nn.functional.leaky_relu(h),
    "softplus": lambda lib, h: lib.nn.functional.softplus(h),
    "hardtanh": lambda lib, h: lib.nn.functional.hardtanh(h),
    "clamp": lambda lib, h: h.clamp(0.5, 1.5),
    "max": lambda lib, h: h.max(),
    "norm": lambda lib, h: h.norm(),
    # ops whose backward saves nothing: writing afterwards is fine
    "mul_scalar": lambda lib, h: h * 3,
    "add_scalar": lambda lib, h: h + 1,
    "neg": lambda lib, h: -h,
    "sum": lambda lib, h: h.sum(0),
    "mean": lambda lib, h: h.mean(),
    "view": lambda lib, h: h.view(4),
    "transpose": lambda lib, h: h.t(),
    "index": lambda lib, h: h[1],
    "cat": lambda lib, h: lib.cat([h, h]),
}
BINARY = {
    "mul": lambda lib, h, w: h * w,
    "div": lambda lib, h, w: h / w,
    "div_by": lambda lib, h, w: w / h,
    "pow_tensor": lambda lib, h, w: h**w,
    "mm": lambda lib, h, w: h.mm(w),
    "mv": lambda lib, h, w: h.mv(w[0]),
    "add": lambda lib, h, w: h + w,
    "sub": lambda lib, h, w: h - w,
}


def _scenario(lib, op, write: str, w_grad: bool):
    """``op`` on ``h`` (and ``w``), then ``write`` (which tensor is written in place), then
    backward: the error message, or the gradient."""
    a = lib.tensor(A, requires_grad=True)
    b = lib.tensor(B, requires_grad=w_grad)
    h = a * 2
    w = b * 1 if w_grad else b
    y = op(lib, h) if op.__code__.co_argcount == 2 else op(lib, h, w)
    if write != "none":
        {"input": h, "output": y, "other": w}[write].add_(1)
    try:
        y.sum().backward()
    except RuntimeError as e:
        return str(e)
    return np.asarray(a.grad.detach().numpy())


def _compare(op, write: str, w_grad: bool = False) -> None:
    theirs = _scenario(ref, op, write, w_grad)
    ours = _scenario(tl, op, write, w_grad)
    if isinstance(theirs, str):
        assert isinstance(ours, str), "torch raised, torchlike did not: " + theirs
        assert ours == theirs
    else:
        assert not isinstance(ours, str), ours
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("write", ["input", "output"])
@pytest.mark.parametrize("name", list(UNARY))
def test_unary_ops_match_torch(name, write):
    _compare(UNARY[name], write)


@pytest.mark.parametrize(
    ("write", "w_grad"),
    [("input", False), ("input", True), ("output", False), ("other", False), ("other", True)],
)
@pytest.mark.parametrize("name", list(BINARY))
def test_binary_ops_match_torch(name, write, w_grad):
    _compare(BINARY[name], write, w_grad)


INPLACE = {
    # an in-place op saves the value from before its write (PyTorch keeps a copy) ...
    "mul_": lambda lib, h, w: h.mul_(w),
    "div_": lambda lib, h, w: h.div_(w),
    # ... and, where its backward needs its result, the written tensor itself
    "exp_": lambda lib, h, w: h.exp_(),
    "sigmoid_": lambda lib, h, w: h.sigmoid_(),
    "relu_": lambda lib, h, w: lib.nn.functional.relu(h, inplace=True),
    "view_write": lambda lib, h, w: h.sin() + h[0].mul_(2).sum(),
    "detach_write": lambda lib, h, w: h.sin() + h.detach().add_(1).sum(),
    # (a write through ``.data`` goes unnoticed in both, but PyTorch's gradient then uses the
    # new values, torchlike's the old ones: ``test_version_attribute_matches_torch`` covers it)
}


@pytest.mark.parametrize("write", ["none", "output"])
@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_ops_and_views_match_torch(name, write):
    _compare(INPLACE[name], write, w_grad=True)


def test_version_attribute_matches_torch():
    def versions(lib):
        a = lib.tensor(A, requires_grad=True)
        h = a * 2
        out = [h._version]
        h.add_(1)
        v, d = h[0], h.detach()
        out += [h._version, v._version, d._version, h.data._version]
        v.mul_(2)
        with lib.no_grad():
            d.add_(1)
        out += [h._version, v._version, d._version]
        return out

    assert versions(tl) == versions(ref)


def test_error_inside_a_compiled_step_is_pytorchs():
    model = tl.nn.Linear(2, 2)

    def step(x):
        y = model(x).exp()
        y.add_(1)
        y.sum().backward()

    with pytest.raises(RuntimeError, match="modified by an inplace operation.*output 0 of Exp"):
        tl.compile(step)(tl.tensor(A))


def test_optimizer_step_counts_as_an_inplace_write():
    """``opt.step()`` writes the parameters in place (PyTorch bumps their versions), so a graph
    that saved a parameter cannot be backpropagated after the step (the GAN-order mistake)."""

    def scenario(lib):
        a = lib.tensor(A, requires_grad=True)
        w = lib.nn.Parameter(lib.tensor(B))
        opt = lib.optim.SGD([w], lr=0.1)
        loss = (a * w).sum()
        loss.backward(retain_graph=True)
        opt.step()
        try:
            loss.backward()
        except RuntimeError as e:
            return str(e), w._version
        return None, w._version

    assert scenario(tl) == scenario(ref)
