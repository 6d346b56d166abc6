"""APIs that the PyTorch programs in ``tests/pytorch_programs/`` needed, each against real PyTorch:
``F.smooth_l1_loss`` / ``F.huber_loss`` and their layers, ``torch.autograd.Function`` (and
``Variable``), pickling a model with buffers, and ``Module.share_memory()`` seen across a
``spawn``-ed process (hogwild training)."""

from __future__ import annotations

import multiprocessing
import pickle

import numpy as np
import pytest
import torch as ref

import torchlike as torch
from torchlike import nn
from torchlike.nn import functional as F

rng = np.random.default_rng(0)
X = rng.normal(size=(4, 5)).astype(np.float32) * 2
Y = rng.normal(size=(4, 5)).astype(np.float32)


def both(fn, *arrays, grad=True):
    """``fn(lib, *tensors)`` under torchlike and torch: outputs, and input gradients of the sum."""
    results = []
    for lib in (torch, ref):
        ts = [lib.tensor(a, requires_grad=grad and i == 0) for i, a in enumerate(arrays)]
        out = fn(lib, *ts)
        grads = None
        if grad:
            out.sum().backward()
            grads = ts[0].grad.detach().numpy()
        results.append((out.detach().numpy(), grads))
    return results


SMOOTH_CASES = [
    ("smooth_l1", {}),
    ("smooth_l1", {"beta": 0.5, "reduction": "sum"}),
    ("smooth_l1", {"beta": 0.0}),
    ("smooth_l1", {"beta": 2.0, "reduction": "none"}),
    ("huber", {}),
    ("huber", {"delta": 0.3, "reduction": "none"}),
    ("huber", {"delta": 2.5, "reduction": "sum"}),
]


@pytest.mark.parametrize(("kind", "kw"), SMOOTH_CASES)
def test_smooth_l1_and_huber_losses(kind, kw):
    def functional(lib, x, y):
        fn = (
            lib.nn.functional.smooth_l1_loss
            if kind == "smooth_l1"
            else lib.nn.functional.huber_loss
        )
        return fn(x, y, **kw)

    def layer(lib, x, y):
        cls = lib.nn.SmoothL1Loss if kind == "smooth_l1" else lib.nn.HuberLoss
        return cls(**kw)(x, y)

    for fn in (functional, layer):
        (ours, our_grad), (theirs, their_grad) = both(fn, X, Y)
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(our_grad, their_grad, rtol=1e-6, atol=1e-6)


def test_smooth_l1_rejects_negative_beta_and_integer_inputs():
    x = torch.tensor(X)
    with pytest.raises(RuntimeError, match="negative values for beta"):
        F.smooth_l1_loss(x, x, beta=-1.0)
    with pytest.raises(RuntimeError, match="negative values for delta"):
        F.huber_loss(x, x, delta=-1.0)
    i = torch.ones(3, dtype=torch.int64)
    with pytest.raises(NotImplementedError):
        F.smooth_l1_loss(i, i)


def _legendre(lib):
    class LegendrePolynomial3(lib.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input**3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input**2 - 1)

    return LegendrePolynomial3


def _scaled_pair(lib):
    """Two outputs, a non-tensor argument (gradient None), ``needs_input_grad``, and the
    ``setup_context`` style."""

    class ScaledPair(lib.autograd.Function):
        @staticmethod
        def forward(x, y, scale):
            return x * y * scale, x + y

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, y, scale = inputs
            ctx.save_for_backward(x, y)
            ctx.scale = scale

        @staticmethod
        def backward(ctx, g_prod, g_sum):
            x, y = ctx.saved_tensors
            gx = g_prod * y * ctx.scale + g_sum if ctx.needs_input_grad[0] else None
            gy = g_prod * x * ctx.scale + g_sum if ctx.needs_input_grad[1] else None
            return gx, gy, None

    return ScaledPair


def _with_index(lib):
    """An integer output next to a float one: backward still gets one gradient per output."""

    class DoubleAndArgmax(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x.argmax()

        @staticmethod
        def backward(ctx, g, g_index):
            return g * 2

    return DoubleAndArgmax


FUNCTION_CASES = {
    "int_output": lambda lib, x, y: _with_index(lib).apply(x)[0] * y,
    "legendre": lambda lib, x, y: _legendre(lib).apply(x * 0.3 + y),
    "legendre_twice": lambda lib, x, y: _legendre(lib).apply(_legendre(lib).apply(x * 0.3)) * y,
    "two_outputs": lambda lib, x, y: (
        sum(t.sum() for t in _scaled_pair(lib).apply(x, y, 1.5)) + x.sum()
    ),
    "one_output_used": lambda lib, x, y: _scaled_pair(lib).apply(x, y, 2.0)[1].exp(),
}


@pytest.mark.parametrize("case", list(FUNCTION_CASES))
def test_custom_autograd_function(case):
    (ours, our_grad), (theirs, their_grad) = both(FUNCTION_CASES[case], X, Y)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(our_grad, their_grad, rtol=1e-5, atol=1e-5)


def test_custom_function_graph_and_no_grad():
    names = []
    for lib in (torch, ref):
        x = lib.tensor(X, requires_grad=True)
        out = _legendre(lib).apply(x)
        names.append((out.grad_fn.name(), out.requires_grad))
        with lib.no_grad():
            assert _legendre(lib).apply(x).grad_fn is None
        assert _legendre(lib).apply(x.detach()).grad_fn is None
    assert names[0] == names[1]


def test_custom_function_in_a_compiled_training_step():
    """The user's forward and backward are traced into the compiled step like other ops."""
    x = X[:, :3]
    losses = {}
    for lib in (torch, ref):
        lib.manual_seed(0)
        lin = lib.nn.Linear(3, 1)
        with lib.no_grad():
            lin.weight.copy_(lib.tensor([[0.3, -0.2, 0.1]]))
            lin.bias.fill_(0.05)
        opt = lib.optim.SGD(lin.parameters(), lr=0.1)
        p3 = _legendre(lib)

        def step(inp, lin=lin, opt=opt, p3=p3):
            opt.zero_grad()
            loss = p3.apply(lin(inp)).pow(2).mean()
            loss.backward()
            opt.step()
            return loss

        run = torch.compile(step) if lib is torch else step
        losses[lib.__name__] = [run(lib.tensor(x)).item() for _ in range(3)]
    np.testing.assert_allclose(losses["torchlike"], losses["torch"], rtol=1e-5)


def test_variable_is_the_tensor_of_old():
    for lib in (torch, ref):
        v = lib.autograd.Variable(lib.ones(2), requires_grad=True)
        assert isinstance(v, lib.Tensor) and isinstance(lib.zeros(1), lib.autograd.Variable)
        assert v.requires_grad and v.is_leaf
        (v * 3).sum().backward()
        np.testing.assert_array_equal(v.grad.numpy(), [3.0, 3.0])


class PickledNet(nn.Module):
    """A user model pickled whole (as ``mp.Process(args=(model,))`` does)."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)
        self.register_buffer("scale", torch.tensor(2.0))

    def forward(self, x):
        return self.fc(x) * self.scale


def test_pickled_model_keeps_its_buffers_persistent():
    """What ``mp.Process(target=train, args=(model,))`` does to a model: pickle it."""
    model = PickledNet()
    model.register_buffer("scratch", torch.zeros(1), persistent=False)
    copy = pickle.loads(pickle.dumps(model))
    assert list(copy.state_dict()) == ["scale", "fc.weight", "fc.bias"]
    mirror = ref.nn.Linear(3, 2)
    mirror.register_buffer("scale", ref.tensor(2.0))
    mirror.register_buffer("scratch", ref.zeros(1), persistent=False)
    assert [k for k in pickle.loads(pickle.dumps(mirror)).state_dict()] == [
        "weight",
        "bias",
        "scale",
    ]


def _hogwild_child(lib_name, model, steps):
    lib = __import__(lib_name)
    opt = lib.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(steps):
        opt.zero_grad()
        model(lib.ones(1, 3)).sum().backward()
        opt.step()
    with lib.no_grad():
        model.bias.add_(100.0)  # an in-place write reaches the parent too


def test_share_memory_lets_spawned_children_train_the_parents_model():
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    mirror = ref.nn.Linear(3, 1)  # PyTorch, trained in-process the way the child trains
    mirror.load_state_dict({k: ref.tensor(v.numpy()) for k, v in model.state_dict().items()})
    assert model.share_memory() is model and mirror.share_memory() is mirror
    assert all(p.is_shared() for p in model.parameters())
    child = multiprocessing.get_context("spawn").Process(
        target=_hogwild_child, args=("torchlike", model, 2)
    )
    child.start()
    child.join()
    assert child.exitcode == 0
    _hogwild_child("torch", mirror, 2)
    for ours, theirs in zip(model.parameters(), mirror.parameters()):
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-6)
    assert model.bias.item() > 50  # the child's in-place write arrived too
    assert not torch.nn.Linear(3, 1).weight.is_shared()
    copy = pickle.loads(pickle.dumps(model))  # outside a process start, pickling copies
    assert not copy.weight.is_shared()
    np.testing.assert_array_equal(copy.weight.detach().numpy(), model.weight.detach().numpy())


def _reference_resnet(sd, x, bottleneck: bool):
    """torchvision's documented ResNet forward (eval mode), written with PyTorch functionals over
    a state_dict: stem, stages of residual blocks (stride 2 on the first block of stages 2-4,
    on the 3x3 convolution in a Bottleneck), global average pooling, fc."""
    Fr = ref.nn.functional

    def conv(x, key, stride, pad):
        return Fr.conv2d(x, sd[key + ".weight"], stride=stride, padding=pad)

    def bn(x, key):
        w, b, m, v = (sd[f"{key}.{n}"] for n in ("weight", "bias", "running_mean", "running_var"))
        return Fr.batch_norm(x, m, v, w, b, False, 0.0, 1e-5)

    x = Fr.max_pool2d(Fr.relu(bn(conv(x, "conv1", 2, 3), "bn1")), 3, 2, 1)
    for stage in range(1, 5):
        block = 0
        while f"layer{stage}.{block}.conv1.weight" in sd:
            p = f"layer{stage}.{block}."
            stride = 2 if stage > 1 and block == 0 else 1
            if bottleneck:
                out = Fr.relu(bn(conv(x, p + "conv1", 1, 0), p + "bn1"))
                out = Fr.relu(bn(conv(out, p + "conv2", stride, 1), p + "bn2"))
                out = bn(conv(out, p + "conv3", 1, 0), p + "bn3")
            else:
                out = Fr.relu(bn(conv(x, p + "conv1", stride, 1), p + "bn1"))
                out = bn(conv(out, p + "conv2", 1, 1), p + "bn2")
            if p + "downsample.0.weight" in sd:
                x = bn(conv(x, p + "downsample.0", stride, 0), p + "downsample.1")
            x = Fr.relu(out + x)
            block += 1
    return Fr.linear(x.mean((2, 3)), sd["fc.weight"], sd["fc.bias"])


@pytest.mark.parametrize("arch", ["resnet18", "bottleneck"])
def test_torchvision_resnet_matches_the_documented_architecture(arch):
    """``torchvision.models.resnet18`` (the siamese_network example's backbone) and the Bottleneck
    family: torchvision's state_dict layout, initialisation and forward."""
    from torchlike.vision import models

    torch.manual_seed(0)
    if arch == "resnet18":
        model = models.resnet18(weights=None, num_classes=10)
    else:
        model = models.ResNet(models.Bottleneck, [1, 1, 1, 1], num_classes=10)
    sd = model.state_dict()
    # BatchNorm statistics that are not the identity, so they are exercised
    g = np.random.default_rng(1)
    for k, v in sd.items():
        if k.endswith("running_mean") or k.endswith("bias"):
            sd[k] = torch.tensor(g.normal(0, 0.1, v.shape).astype(np.float32))
        elif k.endswith("running_var"):
            sd[k] = torch.tensor(g.uniform(0.5, 1.5, v.shape).astype(np.float32))
    model.load_state_dict(sd)
    model.eval()
    x = g.normal(size=(2, 3, 32, 32)).astype(np.float32)
    theirs = _reference_resnet(
        {k: ref.tensor(v.numpy()) for k, v in model.state_dict().items()},
        ref.tensor(x),
        bottleneck=arch != "resnet18",
    )
    with torch.no_grad():
        ours = model(torch.tensor(x))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-4, atol=1e-4)
    if arch == "bottleneck":  # torchvision's init: Kaiming normal (fan_out, relu), BatchNorm 1/0
        small = models.ResNet(models.BasicBlock, [1, 1, 1, 1], zero_init_residual=True)
        w = small.layer1[0].conv1.weight.detach().numpy()
        assert abs(w.std() / np.sqrt(2.0 / (64 * 9)) - 1) < 0.1
        block = small.layer1[0]
        assert block.bn1.weight.detach().numpy().min() == 1
        assert not block.bn2.weight.detach().numpy().any()  # zero_init_residual
