"""Mixed precision against PyTorch: ``torch.autocast`` (CPU, bfloat16) and ``GradScaler``."""

from __future__ import annotations

import numpy as np
import pytest
import torch as ref

import torchlike as tl

# Each row: a function of (lib, F, x, t) run inside autocast("cpu", bfloat16); dtypes and values
# (to bfloat16 tolerance) must equal torch's.
AUTOCAST_OPS = {
    "linear": lambda lib, F, x, t: F.linear(x, lib.ones(4, 3) * 0.5),
    "matmul": lambda lib, F, x, t: x @ x.T,
    "mm_then_add_f32": lambda lib, F, x, t: x @ x.T + t[:, :2].sum(),
    "conv2d": lambda lib, F, x, t: F.conv2d(x.reshape(1, 1, 2, 3), lib.ones(2, 1, 2, 2)),
    "conv2d_of_bf16_input": lambda lib, F, x, t: F.conv2d(
        F.conv2d(x.reshape(1, 1, 2, 3), lib.ones(1, 1, 1, 1)), lib.ones(2, 1, 2, 2)
    ),
    "softmax_keeps_dtype": lambda lib, F, x, t: F.softmax(F.linear(x, lib.ones(3, 3)), -1),
    "mse_loss_fp32": lambda lib, F, x, t: F.mse_loss(F.linear(x, lib.ones(3, 3)), t),
    "cross_entropy_fp32": lambda lib, F, x, t: F.cross_entropy(x @ x.T, lib.tensor([0, 1])),
    "bce_logits_fp32": lambda lib, F, x, t: F.binary_cross_entropy_with_logits(x @ x.T, t[:, :2]),
    "layer_norm_keeps_dtype": lambda lib, F, x, t: F.layer_norm(x @ x.T, (2,)),
    "sdpa": lambda lib, F, x, t: F.scaled_dot_product_attention(x[None], x[None], x[None]),
    "elementwise_untouched": lambda lib, F, x, t: (x * 2).exp(),
}


def inputs(lib):
    x = lib.tensor(np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3), requires_grad=True)
    t = lib.tensor(np.linspace(0, 1, 6, dtype=np.float32).reshape(2, 3))
    return x, t


@pytest.mark.parametrize("name", list(AUTOCAST_OPS))
def test_autocast_dtypes_and_values_match_torch(name):
    results = []
    for lib in (tl, ref):
        x, t = inputs(lib)
        with lib.autocast("cpu", dtype=lib.bfloat16):
            out = AUTOCAST_OPS[name](lib, lib.nn.functional, x, t)
        out.float().sum().backward()
        results.append((out, x.grad))
    (ours, our_grad), (theirs, their_grad) = results
    assert str(ours.dtype) == str(theirs.dtype)
    np.testing.assert_allclose(
        ours.detach().float().numpy(), theirs.detach().float().numpy(), rtol=2e-2, atol=2e-2
    )
    assert our_grad.dtype == tl.float32
    np.testing.assert_allclose(our_grad.numpy(), their_grad.numpy(), rtol=3e-2, atol=3e-2)


def test_every_listed_op_function_exists():
    import importlib

    from torchlike.amp._policies import POLICIES

    for module, policies in POLICIES.items():
        for names in policies.values():
            for name in names:
                assert callable(getattr(importlib.import_module(module), name)), (module, name)


def test_regions_nest_and_disable():
    x = tl.ones(2, 2)
    with tl.autocast("cpu"):
        assert tl.is_autocast_enabled("cpu") and not tl.is_autocast_enabled("cuda")
        assert (x @ x).dtype == tl.bfloat16
        with tl.autocast("cpu", enabled=False):
            assert (x @ x).dtype == tl.float32
        assert (x @ x).dtype == tl.bfloat16
    assert (x @ x).dtype == tl.float32 and not tl.is_autocast_enabled()


def test_cuda_region_without_a_gpu_warns_and_disables():
    if tl.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.warns(UserWarning, match="CUDA is not available. Disabling"):
        region = tl.autocast("cuda")
    with region:
        assert (tl.ones(2, 2) @ tl.ones(2, 2)).dtype == tl.float32


def test_autocast_as_decorator_and_in_compiled_functions():
    @tl.autocast("cpu")
    def f(x):
        return x @ x

    x = tl.ones(2, 2)
    assert f(x).dtype == tl.bfloat16
    g = tl.compile(lambda x: x @ x)
    with tl.autocast("cpu"):
        assert g(x).dtype == tl.bfloat16
    assert g(x).dtype == tl.float32  # the region is part of the compiled program's key


def scaler_run(lib, compiled=False, steps=8, blow_at=(2, 3, 6)):
    model = lib.nn.Linear(3, 2)
    with lib.no_grad():
        model.weight.copy_(lib.tensor([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]))
        model.bias.copy_(lib.tensor([0.01, -0.02]))
    opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scaler = lib.amp.GradScaler("cpu", init_scale=1024.0, growth_interval=2)
    x = lib.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]])

    def step(model, opt, scaler, x, blow):
        opt.zero_grad()
        loss = (model(x) ** 2).mean() * blow
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        scaler.step(opt)
        scaler.update()
        return loss

    run = tl.compile(step) if compiled else step
    scales, weights = [], []
    for i in range(steps):
        blow = lib.tensor(float("inf") if i in blow_at else 1.0)
        run(model, opt, scaler, x, blow)
        scales.append(scaler.get_scale())
        weights.append(model.weight.detach().numpy().copy())
    if compiled:
        assert run.num_compiles == 1
    return scales, weights, scaler.state_dict()


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "compiled"])
def test_grad_scaler_matches_torch(compiled):
    ours, theirs = scaler_run(tl, compiled), scaler_run(ref)
    assert ours[0] == theirs[0]  # the scale sequence: backoff on overflow, growth after 2 steps
    for a, b in zip(ours[1], theirs[1]):  # skipped steps leave weights and momentum alone
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert ours[2] == theirs[2]


def test_grad_scaler_call_order_errors_and_state():
    for lib in (tl, ref):
        p = lib.nn.Parameter(lib.ones(2))
        opt = lib.optim.SGD([p], lr=0.1)
        scaler = lib.amp.GradScaler("cpu")
        scaler.scale((p * 2).sum()).backward()
        scaler.unscale_(opt)
        with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called"):
            scaler.unscale_(opt)
        scaler.step(opt)
        with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
            scaler.step(opt)
        scaler.update()
        fresh = lib.amp.GradScaler("cpu", init_scale=8.0)
        fresh.load_state_dict(scaler.state_dict())
        assert fresh.get_scale() == scaler.get_scale() == 65536.0


def test_disabled_scaler_passes_through():
    p = tl.nn.Parameter(tl.ones(2))
    opt = tl.optim.SGD([p], lr=0.5)
    scaler = tl.amp.GradScaler("cpu", enabled=False)
    loss = (p * 2).sum()
    assert scaler.scale(loss) is loss
    loss.backward()
    scaler.step(opt)
    scaler.update()
    np.testing.assert_allclose(p.detach().numpy(), [0.0, 0.0])
    assert scaler.state_dict() == {} and scaler.get_scale() == 1.0


def test_deprecated_spellings_warn_as_torch_does():
    for lib in (tl, ref):
        with pytest.warns(FutureWarning, match="torch.amp.autocast\\('cpu'") as cpu:
            region = lib.cpu.amp.autocast(dtype=lib.bfloat16)
        with region:
            assert (lib.ones(2, 2) @ lib.ones(2, 2)).dtype == lib.bfloat16
        with pytest.warns(FutureWarning, match="torch.amp.autocast\\('cuda'") as cuda:
            lib.cuda.amp.autocast(enabled=False)
        with pytest.warns(FutureWarning, match="torch.amp.GradScaler\\('cuda'") as scaler:
            lib.cuda.amp.GradScaler(enabled=False)
        # each warning points at the line that used the deprecated spelling
        assert {w.filename for w in [*cpu, *cuda, *scaler]} == {__file__}


def test_multihead_attention_runs_in_low_precision():
    theirs = ref.nn.MultiheadAttention(4, 2, batch_first=True)
    ours = tl.nn.MultiheadAttention(4, 2, batch_first=True)
    ours.load_state_dict({k: tl.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    outs = []
    for lib, mha in ((tl, ours), (ref, theirs)):
        x = lib.tensor(np.linspace(-1, 1, 24, dtype=np.float32).reshape(2, 3, 4))
        with lib.autocast("cpu"):
            outs.append(mha(x, x, x)[0])
    assert str(outs[0].dtype) == str(outs[1].dtype)
    np.testing.assert_allclose(
        outs[0].detach().float().numpy(), outs[1].detach().float().numpy(), rtol=3e-2, atol=3e-2
    )
