"""What the layer zoo's rows (``module_table/zoo.py``, run by the generic tests of
``test_layers.py``) cannot show: constructor and input errors, ``ConvTranspose`` with
``output_size``, batch-norm statistics in compiled training, embeddings from pretrained weights,
dropout in train mode (its masks cannot equal torch's, different generators, so it is checked by
its properties and by seeding), and a ResNet-18 loading a torch ``state_dict``.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch as ref
from _helpers import as_numpy, assert_raises_like_torch
from module_table.core import NORM_TOL, TOL

import torchlike as tl

# -- constructor and input errors -----------------------------------------------------------------

# fmt: off
ERRORS = {
    "group_norm_groups": lambda lib: lib.nn.GroupNorm(2, 5),
    "conv_transpose_padding_mode": lambda lib: lib.nn.ConvTranspose2d(2, 3, 3,
                                                                      padding_mode="reflect"),
    "conv1d_groups": lambda lib: lib.nn.Conv1d(3, 4, 3, groups=2),
    "embedding_padding_idx": lambda lib: lib.nn.Embedding(5, 3, padding_idx=5),
    "embedding_padding_idx_negative": lambda lib: lib.nn.Embedding(5, 3, padding_idx=-6),
    "dropout2d_p": lambda lib: lib.nn.Dropout2d(-0.1),
    "batch_norm2d_rank": lambda lib: lib.nn.BatchNorm2d(3)(lib.ones(2, 3, 4)),
    "batch_norm1d_rank": lambda lib: lib.nn.BatchNorm1d(3)(lib.ones(2, 3, 4, 4)),
    "batch_norm_single_value": lambda lib: lib.nn.BatchNorm1d(3)(lib.ones(1, 3)),
    "instance_norm_rank": lambda lib: lib.nn.InstanceNorm2d(3)(lib.ones(3, 4)),
    "instance_norm_channels": lambda lib: lib.nn.InstanceNorm1d(3, affine=True)(lib.ones(2, 4, 5)),
    "conv_transpose_output_size": lambda lib: lib.nn.ConvTranspose2d(2, 2, 3, stride=2)(
        lib.ones(1, 2, 4, 4), output_size=(12, 12)),
    "prelu_channels": lambda lib: lib.nn.PReLU(3)(lib.ones(2, 4, 5)),
}
# fmt: on


@pytest.mark.parametrize("build", list(ERRORS.values()), ids=list(ERRORS))
def test_errors_match_torch(build):
    assert_raises_like_torch(build)


# -- behaviour the table cannot show --------------------------------------------------------------


@pytest.mark.parametrize("output_size", [(9, 9), [10, 10], (1, 2, 10, 9)], ids=str)
def test_conv_transpose_output_size_matches_torch(output_size):
    ref.manual_seed(0)
    theirs = ref.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)
    ours = tl.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)
    ours.load_state_dict({k: tl.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((1, 2, 5, 5)).astype(np.float32)
    expected = theirs(ref.tensor(x), output_size=output_size).detach().numpy()
    np.testing.assert_allclose(
        as_numpy(ours(tl.tensor(x), output_size=output_size)), expected, **TOL
    )


def _bn_net(lib, momentum):
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1),
        nn.BatchNorm2d(4, momentum=momentum),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(4 * 16, 3),
        nn.BatchNorm1d(3, momentum=momentum),
    )


def _sgd_step(model, opt, x):
    opt.zero_grad()
    loss = model(x).square().mean()
    loss.backward()
    opt.step()
    return loss


@pytest.mark.parametrize("momentum", [0.1, None], ids=["momentum", "cumulative"])
def test_batch_norm_training_compiled_matches_torch(momentum):
    """Three compiled SGD steps: the running statistics and counters written inside the compiled
    step come back to the module, and equal torch's (eager); eval then uses them."""
    ref.manual_seed(0)
    theirs = _bn_net(ref, momentum)
    ours = _bn_net(tl, momentum)
    ours.load_state_dict({k: tl.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    t_opt = ref.optim.SGD(theirs.parameters(), lr=0.1)
    o_opt = tl.optim.SGD(ours.parameters(), lr=0.1)
    step = tl.compile(_sgd_step)
    rng = np.random.default_rng(0)
    for _ in range(3):
        x = rng.standard_normal((5, 2, 4, 4)).astype(np.float32)
        expected = _sgd_step(theirs, t_opt, ref.tensor(x)).item()
        assert step(ours, o_opt, tl.tensor(x)).item() == pytest.approx(expected, rel=1e-5)
    assert step.num_compiles == 1
    t_state = theirs.state_dict()
    for name, value in ours.state_dict().items():
        np.testing.assert_allclose(value.numpy(), t_state[name].numpy(), **NORM_TOL, err_msg=name)
    assert int(ours[1].num_batches_tracked) == 3
    x = rng.standard_normal((2, 2, 4, 4)).astype(np.float32)
    theirs.eval(), ours.eval()
    np.testing.assert_allclose(
        as_numpy(ours(tl.tensor(x))), theirs(ref.tensor(x)).detach().numpy(), **NORM_TOL
    )


def test_batch_norm_running_stats_are_batch_stats():
    """The running statistics are ``nnx.BatchStat`` variables (and persistent buffers)."""
    from flax import nnx

    bn = tl.nn.BatchNorm2d(3)
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        assert isinstance(getattr(bn, name), nnx.BatchStat)
    assert [n for n, _ in bn.named_buffers()] == [
        "running_mean",
        "running_var",
        "num_batches_tracked",
    ]


def test_deepcopy_keeps_buffers_in_state_dict():
    bn = tl.nn.BatchNorm2d(3)
    bn.register_buffer("scratch", tl.zeros(1), persistent=False)
    twin = copy.deepcopy(bn)
    assert list(twin.state_dict()) == list(bn.state_dict())
    assert "scratch" not in twin.state_dict()


def test_embedding_from_pretrained():
    weights = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    for freeze in (True, False):
        theirs = ref.nn.Embedding.from_pretrained(ref.tensor(weights), freeze=freeze, padding_idx=1)
        ours = tl.nn.Embedding.from_pretrained(tl.tensor(weights), freeze=freeze, padding_idx=1)
        assert ours.weight.requires_grad == theirs.weight.requires_grad == (not freeze)
        assert repr(ours) == repr(theirs)
        np.testing.assert_array_equal(as_numpy(ours.weight), weights)
    bag = tl.nn.EmbeddingBag.from_pretrained(tl.tensor(weights), mode="sum")
    expected = ref.nn.EmbeddingBag.from_pretrained(ref.tensor(weights), mode="sum")(
        ref.tensor([[0, 2], [3, 3]])
    )
    np.testing.assert_allclose(as_numpy(bag(tl.tensor([[0, 2], [3, 3]]))), expected.numpy(), **TOL)


def test_embedding_padding_row_starts_at_zero():
    tl.manual_seed(0)
    emb = tl.nn.Embedding(5, 3, padding_idx=2)
    w = as_numpy(emb.weight)
    np.testing.assert_array_equal(w[2], 0)
    assert (w[[0, 1, 3, 4]] != 0).all()


# -- dropout --------------------------------------------------------------------------------------

# (constructor, input shape, number of leading dims the mask varies over)
CHANNEL_DROPOUT = {
    "dropout1d": (lambda nn: nn.Dropout1d(0.3), (40, 50, 3), 2),
    "dropout1d_unbatched": (lambda nn: nn.Dropout1d(0.3), (2000, 3), 1),
    "dropout2d": (lambda nn: nn.Dropout2d(0.3), (40, 50, 2, 2), 2),
    "dropout3d": (lambda nn: nn.Dropout3d(0.3), (40, 50, 2, 1, 2), 2),
    "dropout3d_unbatched": (lambda nn: nn.Dropout3d(0.3), (2000, 2, 1, 2), 1),
}


@pytest.mark.parametrize(
    "make, shape, mask_dims", list(CHANNEL_DROPOUT.values()), ids=list(CHANNEL_DROPOUT)
)
def test_channel_dropout_zeros_whole_channels(make, shape, mask_dims):
    tl.manual_seed(0)
    x = tl.ones(*shape)
    out = as_numpy(make(tl.nn)(x))
    per_channel = out.reshape(*shape[:mask_dims], -1)
    assert (per_channel == per_channel[..., :1]).all()  # one draw per channel
    kept = per_channel[..., 0] != 0
    assert abs(1 - kept.mean() - 0.3) < 0.03
    np.testing.assert_allclose(per_channel[kept], np.float32(1) / np.float32(0.7), rtol=1e-7)


@pytest.mark.parametrize("alpha_layer", ["AlphaDropout", "FeatureAlphaDropout"])
def test_alpha_dropout_values_and_moments_match_torch(alpha_layer):
    """The two values a zero input can take are torch's, and a unit normal input keeps its mean
    and variance."""
    values = []
    for lib in (ref, tl):
        lib.manual_seed(0)
        layer = getattr(lib.nn, alpha_layer)(0.2)
        values.append(np.unique(layer(lib.zeros(200, 50, 2)).numpy()))
    np.testing.assert_allclose(values[1], values[0], rtol=1e-6)
    tl.manual_seed(0)
    x = tl.randn(400, 250, 2)
    out = as_numpy(getattr(tl.nn, alpha_layer)(0.2)(x))
    assert abs(out.mean()) < 0.03 and abs(out.std() - 1) < 0.03


DROPOUTS = {
    "dropout": (lambda nn: nn.Dropout(0.5), (8, 6)),
    "dropout1d": (lambda nn: nn.Dropout1d(0.5), (8, 6, 3)),
    "dropout2d": (lambda nn: nn.Dropout2d(0.5), (8, 6, 2, 2)),
    "dropout3d": (lambda nn: nn.Dropout3d(0.5), (8, 6, 2, 2, 2)),
    "alpha_dropout": (lambda nn: nn.AlphaDropout(0.5), (8, 6)),
    "feature_alpha_dropout": (lambda nn: nn.FeatureAlphaDropout(0.5), (8, 6, 3)),
}


@pytest.mark.parametrize("make, shape", list(DROPOUTS.values()), ids=list(DROPOUTS))
def test_dropout_seeded_fresh_and_equal_eager_and_compiled(make, shape):
    """Same seed, same masks, eagerly and compiled; a new mask on every (compiled) call; the
    gradient is the mask's scale; eval mode is the identity."""
    layer = make(tl.nn)
    x = tl.tensor(np.random.default_rng(0).uniform(1, 2, shape).astype(np.float32))

    def step(x):
        x = x.detach().requires_grad_()
        out = layer(x)
        (out * x.detach()).sum().backward()  # d/dx: the mask's scale times x, i.e. out's slope
        return out, x.grad

    def draws(fn):
        tl.manual_seed(7)
        return [tuple(as_numpy(t) for t in fn(x)) for _ in range(2)]

    compiled = tl.compile(step)
    eager, traced = draws(step), draws(compiled)
    for (a, ga), (b, gb) in zip(eager, traced):
        np.testing.assert_allclose(b, a, rtol=1e-6)
        np.testing.assert_allclose(gb, ga, rtol=1e-6)
    assert not np.array_equal(eager[0][0], eager[1][0])
    assert compiled.num_compiles == 1
    layer.eval()
    assert layer(x) is x


# -- ResNet-18 ------------------------------------------------------------------------------------


def resnet18(nn, num_classes: int = 10):
    """torchvision's ResNet-18, written against ``nn`` (torch's or torchlike's) as PyTorch code."""

    class BasicBlock(nn.Module):
        def __init__(self, inplanes, planes, stride=1, downsample=None):
            super().__init__()
            self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.downsample = downsample

        def forward(self, x):
            identity = x
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            if self.downsample is not None:
                identity = self.downsample(x)
            out += identity
            return self.relu(out)

    class ResNet(nn.Module):
        def __init__(self, layers=(2, 2, 2, 2)):
            super().__init__()
            self.inplanes = 64
            self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
            self.layer1 = self._make_layer(64, layers[0])
            self.layer2 = self._make_layer(128, layers[1], stride=2)
            self.layer3 = self._make_layer(256, layers[2], stride=2)
            self.layer4 = self._make_layer(512, layers[3], stride=2)
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(512, num_classes)

        def _make_layer(self, planes, blocks, stride=1):
            downsample = None
            if stride != 1 or self.inplanes != planes:
                downsample = nn.Sequential(
                    nn.Conv2d(self.inplanes, planes, 1, stride, bias=False),
                    nn.BatchNorm2d(planes),
                )
            layers = [BasicBlock(self.inplanes, planes, stride, downsample)]
            self.inplanes = planes
            layers += [BasicBlock(planes, planes) for _ in range(1, blocks)]
            return nn.Sequential(*layers)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(self.avgpool(x).flatten(1))

    return ResNet()


def _trained_torch_resnet():
    """A torch ResNet-18 whose running statistics are not the initial ones."""
    ref.manual_seed(0)
    model = resnet18(ref.nn)
    with ref.no_grad():
        model(ref.randn(4, 3, 32, 32))  # one train-mode pass moves the running statistics
    return model


def test_resnet18_loads_torch_state_dict_and_matches_torch():
    theirs = _trained_torch_resnet()
    ours = resnet18(tl.nn)
    state = theirs.state_dict()
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in state.items()
    ]
    ours.load_state_dict(state)  # real torch tensors, as from torch.load
    x = np.random.default_rng(0).standard_normal((2, 3, 32, 32)).astype(np.float32)
    theirs.eval(), ours.eval()
    expected = theirs(ref.tensor(x)).detach().numpy()
    np.testing.assert_allclose(as_numpy(ours(tl.tensor(x))), expected, rtol=1e-4, atol=1e-4)
    compiled = tl.compile(ours)
    np.testing.assert_allclose(as_numpy(compiled(tl.tensor(x))), expected, rtol=1e-4, atol=1e-4)
    # Train mode: batch statistics, and the running statistics move as torch's. At 32x32 the
    # last stage's batch norms see 2 values per channel, whose normalisation is ill-conditioned
    # (float32 rounding alone moves the logits by 1e-3), so this part runs at 64x64.
    x = np.random.default_rng(1).standard_normal((2, 3, 64, 64)).astype(np.float32)
    theirs.train(), ours.train()
    expected = theirs(ref.tensor(x)).detach().numpy()
    np.testing.assert_allclose(as_numpy(ours(tl.tensor(x))), expected, rtol=1e-4, atol=1e-4)
    t_state = theirs.state_dict()
    for name, value in ours.state_dict().items():
        np.testing.assert_allclose(
            value.numpy(), t_state[name].numpy(), rtol=1e-4, atol=1e-5, err_msg=name
        )
