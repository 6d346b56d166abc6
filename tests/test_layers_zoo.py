"""The layer zoo against PyTorch: convolution, pooling, normalisation, dropout, embedding,
activation, padding and folding layers, and a ResNet-18 loading a torch ``state_dict``.

Each row builds the same layer with torch's and torchlike's ``nn``, copies torch's state into
ours, and the generic tests compare, in each of the row's modes (train/eval) and both eagerly and
inside ``torchlike.compile``: outputs, input and parameter gradients, and the whole state after
the step (running statistics, renormalised embeddings); then ``state_dict`` keys and shapes, and
``repr``. Dropout masks cannot equal torch's (different generators), so their train-mode
behaviour is checked by its properties and by seeding.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
import torch as ref

import torchlike as tl

# PyTorch's performance note for its own 'same' padding with even kernels (it copies the input).
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")

TOL = dict(rtol=1.3e-6, atol=1e-5)
# Normalisations divide by a standard deviation computed in another order than PyTorch's
# (Welford there, two passes here); the rounding difference is amplified by 1/std.
NORM_TOL = dict(rtol=1e-5, atol=2e-5)


def f32(r, *shape):
    return r.standard_normal(shape).astype(np.float32)


def ints(r, high, *shape):
    return r.integers(0, high, shape)


@dataclass(frozen=True)
class Layer:
    id: str
    make: Callable  # the library (torch or torchlike) -> the layer
    inputs: Callable  # numpy Generator -> tuple of arrays (or None) for forward
    modes: tuple = ("train",)
    tol: dict | None = None


TRAIN_EVAL = ("train", "eval")

# fmt: off
LAYERS = [
    # -- convolution --
    Layer("conv1d", lambda lib: lib.nn.Conv1d(3, 4, 3), lambda r: (f32(r, 2, 3, 9),)),
    Layer("conv1d_options", lambda lib: lib.nn.Conv1d(4, 6, 2, stride=2, padding=1, dilation=2,
                                                      groups=2, bias=False),
          lambda r: (f32(r, 2, 4, 9),)),
    Layer("conv1d_same_reflect", lambda lib: lib.nn.Conv1d(2, 3, 4, padding="same",
                                                           padding_mode="reflect"),
          lambda r: (f32(r, 2, 2, 7),)),
    Layer("conv1d_circular_unbatched", lambda lib: lib.nn.Conv1d(2, 3, 3, padding=2,
                                                                 padding_mode="circular"),
          lambda r: (f32(r, 2, 6),)),
    Layer("conv3d", lambda lib: lib.nn.Conv3d(2, 3, (2, 3, 2), stride=(1, 2, 1), padding=1),
          lambda r: (f32(r, 1, 2, 4, 5, 4),)),
    Layer("conv3d_same_replicate", lambda lib: lib.nn.Conv3d(2, 2, 3, padding="same",
                                                             padding_mode="replicate"),
          lambda r: (f32(r, 1, 2, 3, 4, 4),)),
    Layer("conv_transpose1d", lambda lib: lib.nn.ConvTranspose1d(3, 2, 3, stride=2, padding=1,
                                                                 output_padding=1),
          lambda r: (f32(r, 2, 3, 5),)),
    Layer("conv_transpose2d", lambda lib: lib.nn.ConvTranspose2d(4, 6, (3, 2), stride=(2, 1),
                                                                 padding=(1, 0),
                                                                 output_padding=(1, 0), groups=2,
                                                                 dilation=(1, 2), bias=False),
          lambda r: (f32(r, 2, 4, 4, 3),)),
    Layer("conv_transpose2d_unbatched", lambda lib: lib.nn.ConvTranspose2d(2, 3, 2, stride=2),
          lambda r: (f32(r, 2, 3, 3),)),
    # -- pooling --
    Layer("max_pool1d", lambda lib: lib.nn.MaxPool1d(2), lambda r: (f32(r, 2, 3, 8),)),
    Layer("max_pool1d_options", lambda lib: lib.nn.MaxPool1d(3, 2, 1, return_indices=True,
                                                             ceil_mode=True),
          lambda r: (f32(r, 2, 3, 8),)),
    Layer("avg_pool1d", lambda lib: lib.nn.AvgPool1d(2), lambda r: (f32(r, 2, 3, 8),)),
    Layer("avg_pool1d_options", lambda lib: lib.nn.AvgPool1d(3, 2, 1, ceil_mode=True,
                                                             count_include_pad=False),
          lambda r: (f32(r, 3, 8),)),
    Layer("adaptive_avg_pool1d", lambda lib: lib.nn.AdaptiveAvgPool1d(3),
          lambda r: (f32(r, 2, 3, 7),)),
    Layer("adaptive_avg_pool2d", lambda lib: lib.nn.AdaptiveAvgPool2d((3, 4)),
          lambda r: (f32(r, 2, 3, 7, 9),)),
    Layer("adaptive_avg_pool2d_global", lambda lib: lib.nn.AdaptiveAvgPool2d(1),
          lambda r: (f32(r, 2, 3, 5, 4),)),
    Layer("adaptive_avg_pool2d_none", lambda lib: lib.nn.AdaptiveAvgPool2d((None, 2)),
          lambda r: (f32(r, 3, 5, 5),)),
    Layer("adaptive_max_pool1d", lambda lib: lib.nn.AdaptiveMaxPool1d(4),
          lambda r: (f32(r, 2, 3, 9),)),
    Layer("adaptive_max_pool2d", lambda lib: lib.nn.AdaptiveMaxPool2d((3, 2), return_indices=True),
          lambda r: (f32(r, 2, 3, 7, 5),)),
    Layer("max_pool3d", lambda lib: lib.nn.MaxPool3d((2, 3, 2), stride=1, padding=(1, 1, 0),
                                                     dilation=(1, 1, 2), return_indices=True),
          lambda r: (f32(r, 1, 2, 3, 4, 5),)),
    Layer("avg_pool3d", lambda lib: lib.nn.AvgPool3d(2, ceil_mode=True, count_include_pad=False,
                                                     padding=1),
          lambda r: (f32(r, 2, 3, 3, 4, 5),)),
    Layer("adaptive_avg_pool3d", lambda lib: lib.nn.AdaptiveAvgPool3d((2, None, 3)),
          lambda r: (f32(r, 2, 5, 3, 4),)),
    Layer("adaptive_max_pool3d", lambda lib: lib.nn.AdaptiveMaxPool3d(2, return_indices=True),
          lambda r: (f32(r, 1, 2, 3, 5, 4),)),
    # -- normalisation --
    Layer("batch_norm1d", lambda lib: lib.nn.BatchNorm1d(4), lambda r: (f32(r, 5, 4),),
          TRAIN_EVAL, NORM_TOL),
    Layer("batch_norm1d_3d", lambda lib: lib.nn.BatchNorm1d(3, momentum=0.3),
          lambda r: (f32(r, 2, 3, 5),), TRAIN_EVAL, NORM_TOL),
    Layer("batch_norm2d", lambda lib: lib.nn.BatchNorm2d(3), lambda r: (f32(r, 2, 3, 4, 4),),
          TRAIN_EVAL, NORM_TOL),
    Layer("batch_norm2d_cumulative", lambda lib: lib.nn.BatchNorm2d(3, momentum=None),
          lambda r: (f32(r, 2, 3, 3, 3),), TRAIN_EVAL, NORM_TOL),
    Layer("batch_norm2d_no_stats", lambda lib: lib.nn.BatchNorm2d(3, affine=False,
                                                                  track_running_stats=False),
          lambda r: (f32(r, 2, 3, 3, 3),), TRAIN_EVAL, NORM_TOL),
    Layer("batch_norm2d_no_bias", lambda lib: lib.nn.BatchNorm2d(3, eps=1e-3, bias=False),
          lambda r: (f32(r, 2, 3, 3, 3),), TRAIN_EVAL, NORM_TOL),
    Layer("batch_norm3d", lambda lib: lib.nn.BatchNorm3d(2), lambda r: (f32(r, 2, 2, 3, 2, 3),),
          TRAIN_EVAL, NORM_TOL),
    Layer("layer_norm", lambda lib: lib.nn.LayerNorm(5), lambda r: (f32(r, 2, 3, 5),),
          tol=NORM_TOL),
    Layer("layer_norm_shape", lambda lib: lib.nn.LayerNorm([3, 4], eps=1e-3),
          lambda r: (f32(r, 2, 3, 4),), tol=NORM_TOL),
    Layer("layer_norm_no_affine", lambda lib: lib.nn.LayerNorm(4, elementwise_affine=False),
          lambda r: (f32(r, 3, 4),), tol=NORM_TOL),
    Layer("layer_norm_no_bias", lambda lib: lib.nn.LayerNorm(4, bias=False),
          lambda r: (f32(r, 3, 4),), tol=NORM_TOL),
    Layer("group_norm", lambda lib: lib.nn.GroupNorm(2, 4), lambda r: (f32(r, 2, 4, 3, 3),),
          tol=NORM_TOL),
    Layer("group_norm_no_affine", lambda lib: lib.nn.GroupNorm(3, 6, affine=False),
          lambda r: (f32(r, 2, 6, 5),), tol=NORM_TOL),
    Layer("instance_norm1d", lambda lib: lib.nn.InstanceNorm1d(3), lambda r: (f32(r, 2, 3, 6),),
          TRAIN_EVAL, NORM_TOL),
    Layer("instance_norm2d", lambda lib: lib.nn.InstanceNorm2d(3), lambda r: (f32(r, 2, 3, 4, 4),),
          TRAIN_EVAL, NORM_TOL),
    Layer("instance_norm2d_stats", lambda lib: lib.nn.InstanceNorm2d(3, affine=True,
                                                                     track_running_stats=True),
          lambda r: (f32(r, 2, 3, 4, 3),), TRAIN_EVAL, NORM_TOL),
    Layer("instance_norm2d_unbatched", lambda lib: lib.nn.InstanceNorm2d(2, affine=True),
          lambda r: (f32(r, 2, 3, 4),), tol=NORM_TOL),
    Layer("local_response_norm", lambda lib: lib.nn.LocalResponseNorm(3, alpha=0.1, k=2.0),
          lambda r: (f32(r, 2, 5, 3, 2),)),
    # -- dropout (eval mode: the identity; train mode is tested by properties below) --
    Layer("dropout1d", lambda lib: lib.nn.Dropout1d(0.3), lambda r: (f32(r, 2, 3, 4),), ("eval",)),
    Layer("dropout2d", lambda lib: lib.nn.Dropout2d(), lambda r: (f32(r, 2, 3, 2, 2),), ("eval",)),
    Layer("dropout3d", lambda lib: lib.nn.Dropout3d(0.2), lambda r: (f32(r, 2, 3, 2, 2, 2),),
          ("eval",)),
    Layer("alpha_dropout", lambda lib: lib.nn.AlphaDropout(0.2), lambda r: (f32(r, 3, 4),),
          ("eval",)),
    Layer("feature_alpha_dropout", lambda lib: lib.nn.FeatureAlphaDropout(0.2),
          lambda r: (f32(r, 2, 3, 4),), ("eval",)),
    # -- embedding --
    Layer("embedding", lambda lib: lib.nn.Embedding(10, 3), lambda r: (ints(r, 10, 2, 4),)),
    Layer("embedding_padding", lambda lib: lib.nn.Embedding(6, 3, padding_idx=-2),
          lambda r: (np.array([[4, 1, 4], [0, 3, 5]]),)),
    Layer("embedding_max_norm", lambda lib: lib.nn.Embedding(6, 4, max_norm=1.5),
          lambda r: (np.array([0, 2, 2, 5]),)),
    Layer("embedding_max_norm_p1", lambda lib: lib.nn.Embedding(6, 4, max_norm=2.0, norm_type=1),
          lambda r: (np.array([1, 3]),)),
    Layer("embedding_scale_grad", lambda lib: lib.nn.Embedding(5, 2, scale_grad_by_freq=True),
          lambda r: (np.array([[1, 1, 3], [1, 0, 3]]),)),
    Layer("embedding_bag", lambda lib: lib.nn.EmbeddingBag(8, 3), lambda r: (ints(r, 8, 3, 4),)),
    Layer("embedding_bag_offsets", lambda lib: lib.nn.EmbeddingBag(8, 3, mode="sum"),
          lambda r: (ints(r, 8, 7), np.array([0, 2, 2, 6]), f32(r, 7))),
    Layer("embedding_bag_max", lambda lib: lib.nn.EmbeddingBag(8, 3, mode="max", padding_idx=0,
                                                               include_last_offset=True),
          lambda r: (np.array([3, 0, 5, 0, 7, 1]), np.array([0, 2, 4, 6]))),
    Layer("embedding_bag_mean_padding", lambda lib: lib.nn.EmbeddingBag(8, 3, padding_idx=2),
          lambda r: (np.array([[2, 5, 2], [2, 2, 2]]),)),
    # -- activations --
    Layer("elu", lambda lib: lib.nn.ELU(), lambda r: (f32(r, 3, 4),)),
    Layer("elu_options", lambda lib: lib.nn.ELU(0.5, inplace=True), lambda r: (f32(r, 3, 4),)),
    Layer("selu", lambda lib: lib.nn.SELU(), lambda r: (f32(r, 3, 4),)),
    Layer("celu", lambda lib: lib.nn.CELU(1.5), lambda r: (f32(r, 3, 4),)),
    Layer("silu", lambda lib: lib.nn.SiLU(inplace=True), lambda r: (f32(r, 3, 4),)),
    Layer("mish", lambda lib: lib.nn.Mish(), lambda r: (f32(r, 3, 4),)),
    Layer("softplus", lambda lib: lib.nn.Softplus(), lambda r: (f32(r, 3, 4) * 5,)),
    Layer("softplus_options", lambda lib: lib.nn.Softplus(2, 3), lambda r: (f32(r, 3, 4) * 3,)),
    Layer("softsign", lambda lib: lib.nn.Softsign(), lambda r: (f32(r, 3, 4),)),
    Layer("hardtanh", lambda lib: lib.nn.Hardtanh(), lambda r: (f32(r, 3, 4) * 2,)),
    Layer("hardtanh_options", lambda lib: lib.nn.Hardtanh(-0.5, 2, inplace=True),
          lambda r: (f32(r, 3, 4) * 2,)),
    Layer("hardswish", lambda lib: lib.nn.Hardswish(), lambda r: (f32(r, 3, 4) * 4,)),
    Layer("hardsigmoid", lambda lib: lib.nn.Hardsigmoid(inplace=True),
          lambda r: (f32(r, 3, 4) * 4,)),
    Layer("relu6", lambda lib: lib.nn.ReLU6(), lambda r: (f32(r, 3, 4) * 5,)),
    Layer("prelu", lambda lib: lib.nn.PReLU(), lambda r: (f32(r, 2, 3, 4),)),
    Layer("prelu_channels", lambda lib: lib.nn.PReLU(3, 0.1), lambda r: (f32(r, 2, 3, 4),)),
    Layer("threshold", lambda lib: lib.nn.Threshold(0.1, 20), lambda r: (f32(r, 3, 4),)),
    Layer("glu", lambda lib: lib.nn.GLU(), lambda r: (f32(r, 3, 4),)),
    Layer("glu_dim", lambda lib: lib.nn.GLU(0), lambda r: (f32(r, 4, 3),)),
    Layer("softmin", lambda lib: lib.nn.Softmin(1), lambda r: (f32(r, 3, 4),)),
    Layer("log_sigmoid", lambda lib: lib.nn.LogSigmoid(), lambda r: (f32(r, 3, 4) * 5,)),
    Layer("tanhshrink", lambda lib: lib.nn.Tanhshrink(), lambda r: (f32(r, 3, 4),)),
    # -- padding --
    Layer("zero_pad2d", lambda lib: lib.nn.ZeroPad2d((1, 2, 0, 1)),
          lambda r: (f32(r, 2, 2, 3, 3),)),
    Layer("zero_pad1d", lambda lib: lib.nn.ZeroPad1d(2), lambda r: (f32(r, 2, 3),)),
    Layer("constant_pad3d", lambda lib: lib.nn.ConstantPad3d(1, 2.5),
          lambda r: (f32(r, 1, 2, 2, 2, 2),)),
    Layer("constant_pad1d", lambda lib: lib.nn.ConstantPad1d((1, -1), 2),
          lambda r: (f32(r, 2, 3),)),
    Layer("reflection_pad1d", lambda lib: lib.nn.ReflectionPad1d((2, 1)),
          lambda r: (f32(r, 2, 4),)),
    Layer("reflection_pad2d", lambda lib: lib.nn.ReflectionPad2d(1),
          lambda r: (f32(r, 1, 2, 3, 4),)),
    Layer("replication_pad2d", lambda lib: lib.nn.ReplicationPad2d((1, 0, 2, 1)),
          lambda r: (f32(r, 2, 3, 4),)),
    Layer("replication_pad3d", lambda lib: lib.nn.ReplicationPad3d(1),
          lambda r: (f32(r, 1, 2, 2, 3, 2),)),
    Layer("circular_pad2d", lambda lib: lib.nn.CircularPad2d((1, 1, 0, 2)),
          lambda r: (f32(r, 1, 2, 3, 4),)),
    Layer("circular_pad1d", lambda lib: lib.nn.CircularPad1d(1), lambda r: (f32(r, 2, 2, 3),)),
    # -- folding --
    Layer("unfold", lambda lib: lib.nn.Unfold(2), lambda r: (f32(r, 2, 3, 4, 5),)),
    Layer("unfold_options", lambda lib: lib.nn.Unfold((2, 3), dilation=2, padding=1, stride=2),
          lambda r: (f32(r, 3, 5, 6),)),
    Layer("fold", lambda lib: lib.nn.Fold((4, 5), 2), lambda r: (f32(r, 2, 12, 12),)),
    Layer("fold_options", lambda lib: lib.nn.Fold(4, (2, 2), padding=1, stride=2),
          lambda r: (f32(r, 8, 9),)),
]
# fmt: on

CASES = [
    pytest.param(layer, mode, compiled, id=f"{layer.id}-{mode}{'-compiled' if compiled else ''}")
    for layer in LAYERS
    for mode in layer.modes
    for compiled in (False, True)
]


def as_numpy(t) -> np.ndarray:
    return t.detach().numpy()


def pair(layer: Layer, mode: str):
    """The torch layer and ours, ours holding a copy of torch's state, both in ``mode``."""
    ref.manual_seed(0)
    theirs = layer.make(ref)
    ours = layer.make(tl)
    ours.load_state_dict({k: tl.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    theirs.train(mode == "train")
    ours.train(mode == "train")
    return theirs, ours


def forward_backward(lib, module, arrays, cotangent, compile_step: bool = False):
    """Forward on ``arrays`` (float ones through a non-leaf, so in-place layers may run), then
    backward with ``cotangent``; returns outputs, input grads and parameter grads."""
    leaves = [
        None if a is None else lib.tensor(a).requires_grad_(a.dtype.kind == "f") for a in arrays
    ]

    def step(g, *xs):
        out = module(*[x * 1 if x is not None and x.requires_grad else x for x in xs])
        outs = out if isinstance(out, tuple) else (out,)
        outs[0].backward(g)
        return outs, [x.grad for x in xs if x is not None and x.requires_grad]

    run = tl.compile(step) if compile_step else step
    outs, input_grads = run(lib.tensor(cotangent), *leaves)
    param_grads = {n: as_numpy(p.grad) for n, p in module.named_parameters() if p.requires_grad}
    return [as_numpy(o) for o in outs], [as_numpy(g) for g in input_grads], param_grads


@pytest.mark.parametrize("layer, mode, compiled", CASES)
def test_forward_backward_and_state_match_torch(layer, mode, compiled):
    tol = layer.tol or TOL
    theirs, ours = pair(layer, mode)
    arrays = layer.inputs(np.random.default_rng(0))
    t_first = theirs(*[None if a is None else ref.tensor(a) for a in arrays])
    t_first = t_first[0] if isinstance(t_first, tuple) else t_first
    cotangent = np.random.default_rng(1).standard_normal(tuple(t_first.shape)).astype(np.float32)
    theirs, _ = pair(layer, mode)  # afresh: that forward may have moved running statistics
    t_outs, t_in, t_params = forward_backward(ref, theirs, arrays, cotangent)
    o_outs, o_in, o_params = forward_backward(tl, ours, arrays, cotangent, compiled)
    for a, b in zip(o_outs, t_outs, strict=True):
        assert a.dtype == b.dtype
        np.testing.assert_allclose(a, b, **tol)
    for a, b in zip(o_in, t_in, strict=True):
        np.testing.assert_allclose(a, b, **tol)
    assert list(o_params) == list(t_params)
    for name in t_params:
        np.testing.assert_allclose(o_params[name], t_params[name], **tol, err_msg=name)
    # Running statistics, counters, renormalised embeddings: the state after the step.
    t_state = theirs.state_dict()
    for name, value in ours.state_dict().items():
        np.testing.assert_allclose(value.numpy(), t_state[name].numpy(), **tol, err_msg=name)


@pytest.mark.parametrize("layer", LAYERS, ids=lambda c: c.id)
def test_state_dict_matches_torch(layer):
    ref.manual_seed(0)
    theirs, ours = layer.make(ref), layer.make(tl)
    assert [(k, tuple(v.shape), str(v.dtype)) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape), str(v.dtype)) for k, v in theirs.state_dict().items()
    ]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]


@pytest.mark.parametrize("layer", LAYERS, ids=lambda c: c.id)
def test_repr_matches_torch(layer):
    assert repr(layer.make(tl)) == repr(layer.make(ref))


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
    with pytest.raises(Exception) as theirs:
        build(ref)
    with pytest.raises(Exception) as ours:
        build(tl)
    assert type(ours.value) is type(theirs.value)
    assert str(ours.value) == str(theirs.value)


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
