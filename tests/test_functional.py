"""``torchlike.nn.functional`` against PyTorch: one table row per op and sample, generic tests.

Each row names the function (the same name in ``torch.nn.functional`` and ours) and a sample
builder returning NumPy arguments; every test converts them for both libraries and compares:
forward values, dtypes and ``grad_fn`` names; gradients through ``.backward()``; our analytic
gradients against central differences of our own forward in float64; and the errors raised on
bad input (type and message, taken from running PyTorch).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
import torch as ref
from _helpers import (
    FD_EPS,
    FD_TOL,
    TOL,
    as_numpy,
    assert_raises_like_torch,
    call,
    classes,
    f32,
    positive,
    probs,
)

import torchlike as tl

# PyTorch's performance note for its own 'same' padding with even kernels (it copies the input).
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")


# -- sample builders ------------------------------------------------------------------------------


def dist(r, *shape):
    """Class probabilities along dim 1 (or dim 0 for one sample)."""
    e = np.exp(r.standard_normal(shape))
    return (e / e.sum(axis=1 if len(shape) > 1 else 0, keepdims=True)).astype(np.float32)


@dataclass(frozen=True)
class LibAttr:
    """A library attribute in a sample (e.g. a dtype): ``torch.float64`` / ``tl.float64``."""

    name: str


@dataclass(frozen=True)
class Case:
    id: str
    op: str  # the function's name in both torch.nn.functional and torchlike.nn.functional
    sample: Callable  # numpy Generator -> (args, kwargs) of arrays and Python values
    grad: tuple | None = None  # positional args needing grad; None: every float array
    grad_fn: bool = True  # our grad_fn name equals PyTorch's


# fmt: off
CASES = [
    Case("relu", "relu", lambda r: call(f32(r, 3, 5))),
    Case("leaky_relu", "leaky_relu", lambda r: call(f32(r, 3, 5), negative_slope=0.2)),
    Case("gelu", "gelu", lambda r: call(f32(r, 3, 5))),
    Case("gelu_tanh", "gelu", lambda r: call(f32(r, 3, 5), approximate="tanh")),
    Case("sigmoid", "sigmoid", lambda r: call(f32(r, 3, 5))),
    Case("tanh", "tanh", lambda r: call(f32(r, 3, 5))),
    Case("softmax", "softmax", lambda r: call(f32(r, 3, 5), dim=1)),
    Case("softmax_dim0", "softmax", lambda r: call(f32(r, 3, 5, 2), dim=0)),
    Case("softmax_dtype", "softmax", lambda r: call(f32(r, 3, 5), -1, dtype=LibAttr("float64"))),
    Case("log_softmax", "log_softmax", lambda r: call(f32(r, 2, 3, 5), dim=-1)),
    Case("linear", "linear", lambda r: call(f32(r, 4, 5), f32(r, 3, 5), f32(r, 3))),
    Case("linear_no_bias", "linear", lambda r: call(f32(r, 4, 5), f32(r, 3, 5))),
    Case("linear_3d", "linear", lambda r: call(f32(r, 2, 4, 5), f32(r, 3, 5), f32(r, 3))),
    Case("linear_1d", "linear", lambda r: call(f32(r, 5), f32(r, 3, 5), f32(r, 3))),
    Case("conv2d", "conv2d", lambda r: call(f32(r, 2, 3, 7, 7), f32(r, 4, 3, 3, 3), f32(r, 4))),
    Case("conv2d_stride_pad", "conv2d",
         lambda r: call(f32(r, 2, 3, 7, 6), f32(r, 4, 3, 3, 2), None, stride=2, padding=1)),
    Case("conv2d_tuples", "conv2d",
         lambda r: call(f32(r, 1, 2, 8, 7), f32(r, 3, 2, 2, 3), f32(r, 3), stride=(2, 1),
                        padding=(1, 2), dilation=(1, 2))),
    Case("conv2d_dilation", "conv2d",
         lambda r: call(f32(r, 1, 2, 9, 9), f32(r, 2, 2, 3, 3), f32(r, 2), dilation=2)),
    Case("conv2d_groups", "conv2d",
         lambda r: call(f32(r, 2, 4, 6, 6), f32(r, 6, 2, 3, 3), f32(r, 6), groups=2)),
    Case("conv2d_same_even_kernel", "conv2d",
         lambda r: call(f32(r, 1, 3, 6, 5), f32(r, 2, 3, 4, 2), f32(r, 2), padding="same")),
    Case("conv2d_same_dilated", "conv2d",
         lambda r: call(f32(r, 1, 2, 7, 7), f32(r, 2, 2, 3, 3), padding="same", dilation=2)),
    Case("conv2d_valid", "conv2d",
         lambda r: call(f32(r, 1, 2, 5, 5), f32(r, 2, 2, 3, 3), padding="valid")),
    # PyTorch's last op is a squeeze, named SqueezeBackward1; ours is one op.
    Case("conv2d_unbatched", "conv2d", lambda r: call(f32(r, 3, 5, 5), f32(r, 2, 3, 3, 3)),
         grad_fn=False),
    Case("pad", "pad", lambda r: call(f32(r, 2, 3, 4), (1, 2))),
    Case("pad_value_3d", "pad", lambda r: call(f32(r, 2, 3, 4), (1, 2, 0, 1, 2, 0), value=1.5)),
    Case("pad_negative", "pad", lambda r: call(f32(r, 2, 3, 4), (-1, 2, 1, -2))),
    Case("pad_int", "pad", lambda r: call(classes(r, 9, 2, 3), (1, 1), value=7), grad=()),
    Case("pad_reflect_1d", "pad", lambda r: call(f32(r, 2, 5), (3, 1), mode="reflect")),
    Case("pad_reflect_2d", "pad", lambda r: call(f32(r, 1, 2, 4, 5), (1, 2, 3, 0), "reflect")),
    Case("pad_reflect_3d", "pad",
         lambda r: call(f32(r, 2, 3, 4, 5), (1, 2, 0, 1, 2, 2), mode="reflect")),
    Case("pad_reflect_negative", "pad", lambda r: call(f32(r, 2, 6), (2, -1), mode="reflect")),
    Case("pad_replicate", "pad", lambda r: call(f32(r, 2, 3, 4), (2, 3, 1, 4), "replicate")),
    # PyTorch's circular padding ends in an in-place copy, torch::autograd::CopySlices.
    Case("pad_circular", "pad", lambda r: call(f32(r, 1, 2, 3, 4), (4, 2, 3, 1), "circular"),
         grad_fn=False),
    Case("pad_circular_negative", "pad",
         lambda r: call(f32(r, 1, 2, 6), (-1, 3), mode="circular"), grad_fn=False),
    Case("max_pool2d", "max_pool2d", lambda r: call(f32(r, 2, 3, 6, 6), 2)),
    Case("max_pool2d_overlap_pad", "max_pool2d",
         lambda r: call(f32(r, 2, 2, 7, 7), 3, stride=2, padding=1)),
    Case("max_pool2d_dilation", "max_pool2d",
         lambda r: call(f32(r, 1, 2, 8, 8), 2, stride=1, dilation=2)),
    Case("max_pool2d_ceil", "max_pool2d", lambda r: call(f32(r, 1, 2, 7, 7), 2, ceil_mode=True)),
    Case("max_pool2d_ceil_pad", "max_pool2d",
         lambda r: call(f32(r, 1, 2, 6, 6), 3, stride=2, padding=1, ceil_mode=True)),
    Case("max_pool2d_tuples", "max_pool2d",
         lambda r: call(f32(r, 1, 2, 6, 7), (2, 3), stride=(1, 2), padding=(1, 0))),
    Case("max_pool2d_unbatched", "max_pool2d", lambda r: call(f32(r, 2, 6, 6), 3, 3)),
    Case("max_pool2d_indices", "max_pool2d",
         lambda r: call(f32(r, 2, 2, 7, 7), 3, stride=2, padding=1, return_indices=True)),
    Case("max_pool2d_indices_dilation", "max_pool2d",
         lambda r: call(f32(r, 2, 6, 7), 2, stride=1, dilation=(2, 1), ceil_mode=True,
                        return_indices=True)),
    Case("avg_pool2d", "avg_pool2d", lambda r: call(f32(r, 2, 3, 6, 6), 2)),
    Case("avg_pool2d_pad", "avg_pool2d", lambda r: call(f32(r, 1, 2, 7, 7), 3, 2, 1)),
    Case("avg_pool2d_exclude_pad", "avg_pool2d",
         lambda r: call(f32(r, 1, 2, 7, 7), 3, 2, 1, count_include_pad=False)),
    Case("avg_pool2d_ceil", "avg_pool2d",
         lambda r: call(f32(r, 1, 2, 6, 6), 3, 2, 1, ceil_mode=True)),
    Case("avg_pool2d_ceil_exclude_pad", "avg_pool2d",
         lambda r: call(f32(r, 1, 2, 6, 6), 3, 2, 1, ceil_mode=True, count_include_pad=False)),
    Case("avg_pool2d_divisor", "avg_pool2d",
         lambda r: call(f32(r, 1, 2, 6, 6), (2, 3), divisor_override=4)),
    Case("mse_loss", "mse_loss", lambda r: call(f32(r, 4, 5), f32(r, 4, 5))),
    Case("mse_loss_sum", "mse_loss", lambda r: call(f32(r, 4, 5), f32(r, 4, 5), reduction="sum")),
    Case("mse_loss_none", "mse_loss",
         lambda r: call(f32(r, 4, 5), f32(r, 4, 5), reduction="none")),
    Case("mse_loss_weight", "mse_loss",
         lambda r: call(f32(r, 4, 5), f32(r, 4, 5), weight=positive(r, 4, 5)), grad_fn=False),
    Case("l1_loss", "l1_loss", lambda r: call(f32(r, 4, 5), f32(r, 4, 5))),
    Case("l1_loss_sum", "l1_loss", lambda r: call(f32(r, 4, 5), f32(r, 4, 5), reduction="sum")),
    Case("l1_loss_none", "l1_loss", lambda r: call(f32(r, 4, 5), f32(r, 4, 5), reduction="none")),
    Case("cross_entropy", "cross_entropy", lambda r: call(f32(r, 6, 5), classes(r, 5, 6))),
    Case("cross_entropy_weight", "cross_entropy",
         lambda r: call(f32(r, 6, 5), classes(r, 5, 6), weight=positive(r, 5))),
    Case("cross_entropy_ignore", "cross_entropy",
         lambda r: call(f32(r, 6, 5), classes(r, 5, 6, ignore=-100), weight=positive(r, 5))),
    Case("cross_entropy_ignore_class", "cross_entropy",
         lambda r: call(f32(r, 6, 5), classes(r, 5, 6, ignore=2), ignore_index=2)),
    Case("cross_entropy_sum", "cross_entropy",
         lambda r: call(f32(r, 6, 5), classes(r, 5, 6), reduction="sum")),
    Case("cross_entropy_none", "cross_entropy",
         lambda r: call(f32(r, 6, 5), classes(r, 5, 6, ignore=-100), reduction="none")),
    Case("cross_entropy_smoothing", "cross_entropy",
         lambda r: call(f32(r, 6, 5), classes(r, 5, 6), label_smoothing=0.1)),
    Case("cross_entropy_smoothing_all", "cross_entropy",
         lambda r: call(f32(r, 6, 5), classes(r, 5, 6, ignore=-100), weight=positive(r, 5),
                        label_smoothing=0.2)),
    Case("cross_entropy_smoothing_none", "cross_entropy",
         lambda r: call(f32(r, 6, 5), classes(r, 5, 6, ignore=-100), weight=positive(r, 5),
                        label_smoothing=0.2, reduction="none"), grad_fn=False),
    Case("cross_entropy_spatial", "cross_entropy",
         lambda r: call(f32(r, 2, 4, 3, 3), classes(r, 4, 2, 3, 3), weight=positive(r, 4))),
    Case("cross_entropy_3d", "cross_entropy",
         lambda r: call(f32(r, 2, 4, 3), classes(r, 4, 2, 3), reduction="none")),
    Case("cross_entropy_unbatched", "cross_entropy", lambda r: call(f32(r, 5), np.int64(3))),
    Case("cross_entropy_unbatched_none", "cross_entropy",
         lambda r: call(f32(r, 5), np.int64(3), reduction="none")),
    # PyTorch names these DivBackward1 / NegBackward0 (several ops); ours is one op.
    Case("cross_entropy_probs", "cross_entropy", lambda r: call(f32(r, 6, 5), dist(r, 6, 5)),
         grad_fn=False),
    Case("cross_entropy_probs_all", "cross_entropy",
         lambda r: call(f32(r, 3, 4, 2), dist(r, 3, 4, 2), weight=positive(r, 4),
                        label_smoothing=0.1), grad_fn=False),
    Case("cross_entropy_probs_none", "cross_entropy",
         lambda r: call(f32(r, 6, 5), dist(r, 6, 5), reduction="none"), grad_fn=False),
    Case("cross_entropy_probs_unbatched", "cross_entropy",
         lambda r: call(f32(r, 5), dist(r, 5)), grad_fn=False),
    Case("nll_loss", "nll_loss", lambda r: call(f32(r, 6, 5), classes(r, 5, 6))),
    Case("nll_loss_weight_ignore", "nll_loss",
         lambda r: call(f32(r, 6, 5), classes(r, 5, 6, ignore=-100), weight=positive(r, 5))),
    Case("nll_loss_none", "nll_loss",
         lambda r: call(f32(r, 6, 5), classes(r, 5, 6), reduction="none")),
    Case("nll_loss_spatial", "nll_loss",
         lambda r: call(f32(r, 2, 4, 3, 3), classes(r, 4, 2, 3, 3, ignore=-100),
                        reduction="sum")),
    Case("binary_cross_entropy", "binary_cross_entropy",
         lambda r: call(probs(r, 4, 5), probs(r, 4, 5))),
    Case("binary_cross_entropy_weight", "binary_cross_entropy",
         lambda r: call(probs(r, 4, 5), probs(r, 4, 5), weight=positive(r, 5))),
    Case("binary_cross_entropy_sum", "binary_cross_entropy",
         lambda r: call(probs(r, 4, 5), probs(r, 4, 5), reduction="sum")),
    Case("binary_cross_entropy_none", "binary_cross_entropy",
         lambda r: call(probs(r, 4, 5), probs(r, 4, 5), reduction="none")),
    Case("bce_with_logits", "binary_cross_entropy_with_logits",
         lambda r: call(f32(r, 4, 5) * 4, probs(r, 4, 5))),
    Case("bce_with_logits_weights", "binary_cross_entropy_with_logits",
         lambda r: call(f32(r, 4, 5) * 4, probs(r, 4, 5), weight=positive(r, 4, 1),
                        pos_weight=positive(r, 5))),
    Case("bce_with_logits_none", "binary_cross_entropy_with_logits",
         lambda r: call(f32(r, 4, 5) * 4, probs(r, 4, 5), reduction="none",
                        pos_weight=positive(r, 5))),
    Case("one_hot", "one_hot", lambda r: call(classes(r, 4, 2, 3), 6), grad=()),
    Case("one_hot_inferred", "one_hot", lambda r: call(classes(r, 4, 7)), grad=()),
    # -- layer zoo: convolution, pooling, normalisation, embedding, activations, folding --
    Case("conv1d", "conv1d", lambda r: call(f32(r, 2, 3, 9), f32(r, 4, 3, 3), f32(r, 4))),
    Case("conv1d_options", "conv1d",
         lambda r: call(f32(r, 2, 4, 9), f32(r, 6, 2, 2), None, stride=2, padding=1, dilation=2,
                        groups=2)),
    Case("conv1d_same", "conv1d",
         lambda r: call(f32(r, 1, 2, 7), f32(r, 3, 2, 4), f32(r, 3), padding="same")),
    Case("conv3d", "conv3d",
         lambda r: call(f32(r, 1, 2, 5, 4, 5), f32(r, 3, 2, 2, 3, 2), f32(r, 3), stride=(1, 2, 1),
                        padding=(1, 0, 1))),
    Case("conv_transpose1d", "conv_transpose1d",
         lambda r: call(f32(r, 2, 3, 5), f32(r, 3, 2, 3), f32(r, 2), stride=2, padding=1,
                        output_padding=1)),
    Case("conv_transpose2d", "conv_transpose2d",
         lambda r: call(f32(r, 2, 4, 4, 3), f32(r, 4, 3, 3, 2), f32(r, 6), stride=(2, 1),
                        padding=(1, 0), output_padding=(1, 0), groups=2, dilation=(1, 2))),
    Case("conv_transpose2d_big_padding", "conv_transpose2d",
         lambda r: call(f32(r, 1, 2, 5, 5), f32(r, 2, 2, 2, 2), None, padding=2)),
    Case("conv_transpose2d_unbatched", "conv_transpose2d",
         lambda r: call(f32(r, 2, 3, 3), f32(r, 2, 3, 3, 3), stride=3), grad_fn=False),
    Case("conv_transpose3d", "conv_transpose3d",
         lambda r: call(f32(r, 1, 2, 3, 2, 3), f32(r, 2, 2, 2, 2, 2), f32(r, 2), stride=2)),
    Case("max_pool1d", "max_pool1d", lambda r: call(f32(r, 2, 3, 9), 3, 2, 1, ceil_mode=True)),
    Case("max_pool1d_indices", "max_pool1d",
         lambda r: call(f32(r, 3, 8), 2, 1, dilation=2, return_indices=True)),
    Case("avg_pool1d", "avg_pool1d",
         lambda r: call(f32(r, 2, 3, 8), 3, 2, 1, ceil_mode=True, count_include_pad=False)),
    Case("adaptive_avg_pool1d", "adaptive_avg_pool1d", lambda r: call(f32(r, 2, 3, 7), 3)),
    Case("adaptive_avg_pool2d", "adaptive_avg_pool2d",
         lambda r: call(f32(r, 2, 3, 7, 5), (3, None))),
    Case("adaptive_max_pool1d", "adaptive_max_pool1d",
         lambda r: call(f32(r, 3, 7), 4, return_indices=True)),
    Case("adaptive_max_pool2d", "adaptive_max_pool2d",
         lambda r: call(f32(r, 2, 2, 7, 6), (3, 4), return_indices=True)),
    Case("max_pool3d", "max_pool3d",
         lambda r: call(f32(r, 1, 2, 4, 5, 3), 2, 1, 1, ceil_mode=True, return_indices=True)),
    Case("avg_pool3d", "avg_pool3d",
         lambda r: call(f32(r, 1, 2, 4, 5, 3), (2, 3, 2), 2, (1, 1, 0), divisor_override=5)),
    Case("adaptive_avg_pool3d", "adaptive_avg_pool3d", lambda r: call(f32(r, 2, 3, 5, 4), 2)),
    Case("adaptive_max_pool3d", "adaptive_max_pool3d",
         lambda r: call(f32(r, 1, 2, 3, 5, 4), (2, 3, 2))),
    Case("batch_norm_train", "batch_norm",
         lambda r: call(f32(r, 4, 3, 5), f32(r, 3), positive(r, 3), f32(r, 3), f32(r, 3),
                        training=True, momentum=0.2), grad=(0, 3, 4)),
    Case("batch_norm_eval", "batch_norm",
         lambda r: call(f32(r, 4, 3), f32(r, 3), positive(r, 3), f32(r, 3), f32(r, 3)),
         grad=(0, 3, 4)),
    Case("batch_norm_no_stats", "batch_norm",
         lambda r: call(f32(r, 2, 3, 2, 2), None, None, training=True), grad=(0,)),
    Case("instance_norm", "instance_norm",
         lambda r: call(f32(r, 2, 3, 4, 3), weight=f32(r, 3), bias=f32(r, 3))),
    Case("layer_norm", "layer_norm",
         lambda r: call(f32(r, 2, 3, 4), (3, 4), f32(r, 3, 4), f32(r, 3, 4))),
    Case("layer_norm_no_affine", "layer_norm", lambda r: call(f32(r, 3, 5), [5], eps=1e-3)),
    Case("group_norm", "group_norm",
         lambda r: call(f32(r, 2, 6, 3, 2), 3, f32(r, 6), f32(r, 6))),
    Case("local_response_norm", "local_response_norm",
         lambda r: call(f32(r, 2, 5, 3, 2), 3, alpha=0.1, beta=0.6, k=2.0)),
    Case("local_response_norm_3d", "local_response_norm",
         lambda r: call(f32(r, 2, 4, 3), 2)),
    Case("embedding", "embedding",
         lambda r: call(classes(r, 6, 2, 3), f32(r, 6, 4), padding_idx=2)),
    Case("embedding_bag", "embedding_bag",
         lambda r: call(classes(r, 6, 7), f32(r, 6, 3), np.array([0, 2, 2, 5]))),
    Case("embedding_bag_sum_weights", "embedding_bag",
         lambda r: call(classes(r, 6, 7), f32(r, 6, 3), np.array([0, 3, 7]), mode="sum",
                        per_sample_weights=f32(r, 7), include_last_offset=True)),
    Case("embedding_bag_max_2d", "embedding_bag",
         lambda r: call(classes(r, 6, 2, 4), f32(r, 6, 3), mode="max")),
    Case("embedding_bag_padding", "embedding_bag",
         lambda r: call(np.array([1, 0, 3, 0, 0]), f32(r, 4, 3), np.array([0, 3, 4]),
                        padding_idx=0)),
    Case("elu", "elu", lambda r: call(f32(r, 3, 5), alpha=0.7)),
    Case("selu", "selu", lambda r: call(f32(r, 3, 5))),
    Case("celu", "celu", lambda r: call(f32(r, 3, 5), alpha=1.5)),
    Case("silu", "silu", lambda r: call(f32(r, 3, 5))),
    Case("mish", "mish", lambda r: call(f32(r, 3, 5))),
    Case("softplus", "softplus", lambda r: call(f32(r, 3, 5) * 4, beta=2, threshold=3)),
    Case("softsign", "softsign", lambda r: call(f32(r, 3, 5))),
    Case("hardtanh", "hardtanh", lambda r: call(f32(r, 3, 5) * 2, -1.5, 0.5)),
    Case("relu6", "relu6", lambda r: call(f32(r, 3, 5) * 5)),
    Case("hardswish", "hardswish", lambda r: call(f32(r, 3, 5) * 4)),
    Case("hardsigmoid", "hardsigmoid", lambda r: call(f32(r, 3, 5) * 4)),
    Case("prelu", "prelu", lambda r: call(f32(r, 2, 3, 4), positive(r, 3))),
    Case("prelu_shared", "prelu", lambda r: call(f32(r, 2, 3), positive(r, 1))),
    Case("threshold", "threshold", lambda r: call(f32(r, 3, 5), 0.1, -2.0)),
    Case("glu", "glu", lambda r: call(f32(r, 3, 4, 2), 1)),
    Case("softmin", "softmin", lambda r: call(f32(r, 3, 5), dim=0)),
    Case("logsigmoid", "logsigmoid", lambda r: call(f32(r, 3, 5) * 4)),
    Case("tanhshrink", "tanhshrink", lambda r: call(f32(r, 3, 5))),
    Case("unfold", "unfold", lambda r: call(f32(r, 2, 3, 5, 4), (2, 3), dilation=(2, 1),
                                            padding=1, stride=(1, 2))),
    Case("unfold_unbatched", "unfold", lambda r: call(f32(r, 2, 4, 4), 2, stride=2),
         grad_fn=False),
    Case("fold", "fold", lambda r: call(f32(r, 2, 12, 9), (4, 5), (2, 3), stride=(2, 1),
                                        padding=(1, 0))),
]
# fmt: on

DIFFERENTIABLE = [c for c in CASES if c.grad != ()]


# -- conversion -----------------------------------------------------------------------------------


def convert(lib, value, requires_grad=False, dtype=None):
    if isinstance(value, LibAttr):
        return getattr(lib, value.name)
    if isinstance(value, (np.ndarray, np.generic)):
        arr = np.asarray(value)
        if dtype is not None and arr.dtype.kind == "f":
            arr = arr.astype(dtype)
        t = lib.tensor(arr)
        return t.requires_grad_(True) if requires_grad else t
    return value


def grad_indices(case: Case, args) -> tuple:
    if case.grad is not None:
        return case.grad
    return tuple(i for i, a in enumerate(args) if isinstance(a, np.ndarray) and a.dtype.kind == "f")


def build(case: Case, lib, seed: int = 0, dtype=None):
    """The case's (args, kwargs) as ``lib`` tensors, and the indices that require grad."""
    args, kwargs = case.sample(np.random.default_rng(seed))
    needs = grad_indices(case, args)
    targs = [convert(lib, a, i in needs, dtype) for i, a in enumerate(args)]
    tkwargs = {k: convert(lib, v, False, dtype) for k, v in kwargs.items()}
    return targs, tkwargs, needs


def run(case: Case, lib, dtype=None):
    args, kwargs, needs = build(case, lib, dtype=dtype)
    out = getattr(lib.nn.functional, case.op)(*args, **kwargs)
    return out, args, needs


def outputs(out) -> tuple:
    return out if isinstance(out, tuple) else (out,)


def first(out):
    return outputs(out)[0]


def cotangent(shape, dtype, seed: int = 1) -> np.ndarray:
    return np.asarray(np.random.default_rng(seed).standard_normal(tuple(shape)), dtype)


# -- the generic tests ----------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_forward_matches_torch(case):
    theirs, _, _ = run(case, ref)
    ours, _, _ = run(case, tl)
    for a, b in zip(outputs(ours), outputs(theirs), strict=True):
        assert str(a.dtype) == str(b.dtype)
        assert tuple(a.shape) == tuple(b.shape)
        expected = as_numpy(b)
        tol = TOL.get(expected.dtype, {})  # integer outputs: exact
        np.testing.assert_allclose(as_numpy(a), expected, **tol)
    if case.grad_fn and first(theirs).grad_fn is not None:
        assert first(ours).grad_fn.name() == first(theirs).grad_fn.name()


@pytest.mark.parametrize("case", DIFFERENTIABLE, ids=lambda c: c.id)
def test_backward_matches_torch(case):
    results = []
    for lib in (ref, tl):
        out, args, needs = run(case, lib)
        out = first(out)
        assert out.requires_grad, f"{lib.__name__}: the output of {case.id} does not require grad"
        out.backward(lib.tensor(cotangent(out.shape, as_numpy(out).dtype)))
        results.append([as_numpy(args[i].grad) for i in needs])
    theirs, ours = results
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, **TOL[b.dtype])


def _objective(case: Case, args, kwargs, g) -> float:
    out = first(getattr(tl.nn.functional, case.op)(*args, **kwargs))
    return float(np.sum(as_numpy(out) * g))


@pytest.mark.parametrize("case", DIFFERENTIABLE, ids=lambda c: c.id)
def test_gradient_matches_finite_differences(case):
    """Our analytic gradient against central differences of our own forward, in float64."""
    out, args, needs = run(case, tl, dtype=np.float64)
    out = first(out)
    g = cotangent(out.shape, np.float64)
    out.backward(tl.tensor(g))
    plain, kwargs, _ = build(case, tl, dtype=np.float64)
    for i in needs:
        base = as_numpy(plain[i]).copy()
        numeric = np.zeros_like(base)
        for j in range(base.size):
            shifted = []
            for step in (FD_EPS, -FD_EPS):
                moved = base.copy()
                moved.flat[j] += step
                plain[i] = tl.tensor(moved)
                shifted.append(_objective(case, plain, kwargs, g))
            numeric.flat[j] = (shifted[0] - shifted[1]) / (2 * FD_EPS)
        plain[i] = tl.tensor(base)
        np.testing.assert_allclose(
            as_numpy(args[i].grad), numeric, **FD_TOL, err_msg=f"argument {i}"
        )


# -- errors: PyTorch's exception type and message -------------------------------------------------

# fmt: off
# Values do not matter to these checks (ones are cheaper to make than random draws).
ERRORS = {
    "linear_dtype": lambda F, lib: F.linear(lib.ones(3, 4), lib.ones(5, 4, dtype=lib.float64)),
    "mm_dtype_long": lambda F, lib: lib.mm(lib.ones(2, 2), lib.ones(2, 2, dtype=lib.int64)),
    "linear_shapes": lambda F, lib: F.linear(lib.ones(128, 784), lib.ones(10, 512)),
    "linear_shapes_3d": lambda F, lib: F.linear(lib.ones(4, 5, 784), lib.ones(10, 512)),
    "linear_bias": lambda F, lib: F.linear(lib.ones(4, 5), lib.ones(3, 5), lib.ones(2)),
    "leaky_relu_int": lambda F, lib: F.leaky_relu(lib.tensor([1, -2])),
    "gelu_approximate": lambda F, lib: F.gelu(lib.ones(3), approximate="exact"),
    "gelu_int": lambda F, lib: F.gelu(lib.tensor([1, -2])),
    "softmax_dim": lambda F, lib: F.softmax(lib.ones(3), dim=2),
    "softmax_int": lambda F, lib: F.softmax(lib.tensor([[1, 2]]), 1),
    "softmax_int_dim0": lambda F, lib: F.softmax(lib.tensor([[1, 2]]), 0),
    "log_softmax_int": lambda F, lib: F.log_softmax(lib.tensor([[1, 2]]), 1),
    "softmax_implicit_dim": lambda F, lib: F.softmax(lib.ones(3, 4)),
    "dropout_p": lambda F, lib: F.dropout(lib.ones(3), p=1.5),
    "dropout_p_negative": lambda F, lib: F.dropout(lib.ones(3), p=-0.1),
    "conv2d_channels": lambda F, lib: F.conv2d(lib.ones(1, 3, 8, 8), lib.ones(4, 2, 3, 3)),
    "conv2d_channels_unbatched": lambda F, lib: F.conv2d(lib.ones(1, 8, 8),
                                                         lib.ones(4, 3, 3, 3)),
    "conv2d_kernel_too_big": lambda F, lib: F.conv2d(lib.ones(1, 3, 8, 8),
                                                     lib.ones(4, 3, 9, 9)),
    "conv2d_rank": lambda F, lib: F.conv2d(lib.ones(2, 1, 3, 8, 8), lib.ones(4, 3, 3, 3)),
    "conv2d_same_strided": lambda F, lib: F.conv2d(lib.ones(1, 3, 8, 8), lib.ones(4, 3, 3, 3),
                                                   stride=2, padding="same"),
    "conv2d_padding_string": lambda F, lib: F.conv2d(lib.ones(1, 3, 8, 8),
                                                     lib.ones(4, 3, 3, 3), padding="full"),
    "conv2d_bias": lambda F, lib: F.conv2d(lib.ones(1, 3, 8, 8), lib.ones(4, 3, 3, 3),
                                           lib.ones(3)),
    "conv2d_groups": lambda F, lib: F.conv2d(lib.ones(1, 4, 8, 8), lib.ones(5, 2, 3, 3),
                                             groups=2),
    "conv2d_dtype": lambda F, lib: F.conv2d(lib.ones(1, 3, 8, 8),
                                            lib.ones(4, 3, 3, 3, dtype=lib.float64)),
    "pad_odd": lambda F, lib: F.pad(lib.ones(2, 3), (1,)),
    "pad_too_long": lambda F, lib: F.pad(lib.ones(2, 3), (1, 1) * 3),
    "pad_mode": lambda F, lib: F.pad(lib.ones(2, 3), (1, 1), mode="mirror"),
    "pad_reflect_value": lambda F, lib: F.pad(lib.ones(2, 3), (1, 1), "reflect", 1.0),
    "pad_reflect_rank": lambda F, lib: F.pad(lib.ones(1, 2, 3, 4), (1, 1), mode="reflect"),
    "pad_reflect_rank_1d": lambda F, lib: F.pad(lib.ones(4), (1, 1), mode="reflect"),
    "pad_reflect_too_big": lambda F, lib: F.pad(lib.ones(1, 2, 4, 4), (4, 2, 0, 3), "reflect"),
    "pad_reflect_too_big_1d": lambda F, lib: F.pad(lib.ones(2, 4, 4), (4, 2), "reflect"),
    "pad_reflect_too_big_3d": lambda F, lib: F.pad(lib.ones(1, 2, 4, 4), (1, 1, 1, 1, 4, 1),
                                                   "reflect"),
    "pad_circular_wraps_twice": lambda F, lib: F.pad(lib.ones(1, 2, 4, 4), (5, 2, 0, 3),
                                                     "circular"),
    "max_pool2d_pad": lambda F, lib: F.max_pool2d(lib.ones(1, 3, 8, 8), 3, padding=2),
    "max_pool2d_small": lambda F, lib: F.max_pool2d(lib.ones(1, 3, 2, 2), 3),
    "max_pool2d_rank": lambda F, lib: F.max_pool2d(lib.ones(2, 1, 1, 4, 4), 2),
    "max_pool2d_stride": lambda F, lib: F.max_pool2d(lib.ones(1, 1, 4, 4), 2, stride=0),
    "avg_pool2d_pad": lambda F, lib: F.avg_pool2d(lib.ones(1, 1, 4, 4), 2, padding=2),
    "avg_pool2d_divisor": lambda F, lib: F.avg_pool2d(lib.ones(1, 1, 4, 4), 2,
                                                      divisor_override=0),
    "mse_loss_broadcast_warns": lambda F, lib: F.mse_loss(lib.ones(4, 10), lib.ones(4, 1)),
    "mse_loss_reduction": lambda F, lib: F.mse_loss(lib.ones(4), lib.ones(4), reduction="avg"),
    "mse_loss_int": lambda F, lib: F.mse_loss(lib.tensor([1, -2]), lib.tensor([1, -2])),
    "mse_loss_weight": lambda F, lib: F.mse_loss(lib.ones(4), lib.ones(4),
                                                 weight=lib.ones(3)),
    "l1_loss_int_mean": lambda F, lib: F.l1_loss(lib.tensor([1, -2]), lib.tensor([1, -2])),
    "mse_loss_legacy_warns": lambda F, lib: F.mse_loss(lib.ones(4), lib.ones(4),
                                                       size_average=False),
    "cross_entropy_target_high": lambda F, lib: F.cross_entropy(lib.ones(4, 10),
                                                                lib.tensor([0, 1, 2, 10])),
    "cross_entropy_target_negative": lambda F, lib: F.cross_entropy(lib.ones(4, 10),
                                                                    lib.tensor([0, 1, 2, -1])),
    "cross_entropy_target_spatial": lambda F, lib: F.cross_entropy(
        lib.ones(2, 10, 3), lib.tensor([[0, 1, 2], [0, 1, 12]])),
    "cross_entropy_batch": lambda F, lib: F.cross_entropy(lib.ones(4, 10),
                                                          lib.tensor([0, 1, 2])),
    "cross_entropy_target_dtype": lambda F, lib: F.cross_entropy(lib.ones(4, 10),
                                                                 lib.tensor([0.0, 1, 2, 3])),
    "cross_entropy_target_int32": lambda F, lib: F.cross_entropy(
        lib.ones(4, 10), lib.tensor([0, 1, 2, 3], dtype=lib.int32)),
    "cross_entropy_multi_target": lambda F, lib: F.cross_entropy(lib.ones(4, 10),
                                                                 lib.ones(4, 9)),
    "cross_entropy_prob_long": lambda F, lib: F.cross_entropy(
        lib.ones(4, 10), lib.zeros(4, 10, dtype=lib.int64)),
    "cross_entropy_prob_ignore": lambda F, lib: F.cross_entropy(lib.ones(4, 10),
                                                                lib.rand(4, 10), ignore_index=3),
    "cross_entropy_weight_size": lambda F, lib: F.cross_entropy(
        lib.ones(4, 10), lib.tensor([0, 1, 2, 3]), weight=lib.ones(9)),
    "cross_entropy_smoothing": lambda F, lib: F.cross_entropy(
        lib.ones(4, 10), lib.tensor([0, 1, 2, 3]), label_smoothing=1.5),
    "nll_loss_reduction": lambda F, lib: F.nll_loss(lib.ones(4, 10), lib.tensor([0, 1, 2, 3]),
                                                    reduction="foo"),
    "nll_loss_target_high": lambda F, lib: F.nll_loss(lib.ones(4, 10),
                                                      lib.tensor([0, 1, 2, 10])),
    "nll_loss_spatial_rank": lambda F, lib: F.nll_loss(lib.ones(4, 10, 2, 2),
                                                       lib.tensor([0, 1, 2, 3])),
    "nll_loss_spatial_size": lambda F, lib: F.nll_loss(lib.ones(4, 10, 2, 2),
                                                       lib.zeros(4, 3, 3, dtype=lib.int64)),
    "nll_loss_3d_size": lambda F, lib: F.nll_loss(lib.ones(4, 10, 2),
                                                  lib.zeros(4, 3, dtype=lib.int64)),
    "nll_loss_1d_target": lambda F, lib: F.nll_loss(lib.ones(10),
                                                    lib.zeros(5, dtype=lib.int64)),
    "nll_loss_0d_input": lambda F, lib: F.nll_loss(lib.tensor(1.0), lib.tensor(3)),
    "bce_target_size": lambda F, lib: F.binary_cross_entropy(lib.rand(4), lib.rand(3)),
    "bce_input_range": lambda F, lib: F.binary_cross_entropy(lib.rand(4) + 1, lib.rand(4)),
    "bce_target_range": lambda F, lib: F.binary_cross_entropy(lib.rand(4), lib.rand(4) + 1),
    "bce_dtype": lambda F, lib: F.binary_cross_entropy(lib.rand(3, dtype=lib.float64),
                                                       lib.rand(3)),
    "bce_weight": lambda F, lib: F.binary_cross_entropy(lib.rand(3), lib.rand(3),
                                                        weight=lib.rand(2)),
    "bce_logits_target_size": lambda F, lib: F.binary_cross_entropy_with_logits(lib.rand(4),
                                                                                lib.rand(3)),
    "bce_logits_pos_weight": lambda F, lib: F.binary_cross_entropy_with_logits(
        lib.rand(3, 2), lib.rand(3, 2), pos_weight=lib.rand(3)),
    "one_hot_too_big": lambda F, lib: F.one_hot(lib.tensor([0, 1, 5]), 3),
    "one_hot_negative": lambda F, lib: F.one_hot(lib.tensor([0, 1, -1])),
    "one_hot_float": lambda F, lib: F.one_hot(lib.tensor([0.0, 1])),
    "one_hot_empty": lambda F, lib: F.one_hot(lib.zeros(0, dtype=lib.int64)),
    "conv1d_rank": lambda F, lib: F.conv1d(lib.ones(1, 3, 4, 4), lib.ones(2, 3, 5)),
    "conv1d_kernel_too_big": lambda F, lib: F.conv1d(lib.ones(1, 3, 4), lib.ones(2, 3, 5)),
    "conv3d_kernel_too_big": lambda F, lib: F.conv3d(lib.ones(1, 3, 4, 4, 4),
                                                     lib.ones(2, 3, 5, 5, 5)),
    "conv_transpose2d_channels": lambda F, lib: F.conv_transpose2d(lib.ones(1, 3, 4, 4),
                                                                   lib.ones(2, 3, 3, 3)),
    "conv_transpose2d_bias": lambda F, lib: F.conv_transpose2d(lib.ones(1, 2, 4, 4),
                                                               lib.ones(2, 3, 3, 3), lib.ones(2)),
    "conv_transpose1d_output_padding": lambda F, lib: F.conv_transpose1d(
        lib.ones(1, 2, 4), lib.ones(2, 3, 3), stride=2, output_padding=2),
    "conv_transpose3d_output_padding": lambda F, lib: F.conv_transpose3d(
        lib.ones(1, 2, 4, 4, 4), lib.ones(2, 3, 3, 3, 3), stride=2, output_padding=2),
    "avg_pool1d_pad": lambda F, lib: F.avg_pool1d(lib.ones(1, 3, 8), 3, padding=2),
    "adaptive_avg_pool2d_rank": lambda F, lib: F.adaptive_avg_pool2d(lib.ones(2, 1, 3, 4, 4), 2),
    "adaptive_max_pool2d_rank": lambda F, lib: F.adaptive_max_pool2d(lib.ones(2, 1, 3, 4, 4), 2),
    "batch_norm_one_value": lambda F, lib: F.batch_norm(lib.ones(1, 3), None, None,
                                                        training=True),
    "group_norm_groups": lambda F, lib: F.group_norm(lib.ones(2, 5, 3), 2),
    "layer_norm_shape": lambda F, lib: F.layer_norm(lib.ones(2, 3), (4,)),
    "embedding_index": lambda F, lib: F.embedding(lib.tensor([5]), lib.ones(5, 3)),
    "embedding_bag_weights_mode": lambda F, lib: F.embedding_bag(
        lib.tensor([1, 2]), lib.ones(5, 3), lib.tensor([0]), mode="max",
        per_sample_weights=lib.ones(2)),
    "dropout1d_rank": lambda F, lib: F.dropout1d(lib.ones(2, 3, 4, 5)),
    "dropout2d_rank_warns": lambda F, lib: F.dropout2d(lib.ones(2, 3, 4, 5, 6)),
    "dropout2d_3d_warns": lambda F, lib: F.dropout2d(lib.ones(2, 3, 4)),
    "glu_odd": lambda F, lib: F.glu(lib.ones(2, 3)),
    "fold_channels": lambda F, lib: F.fold(lib.ones(2, 7, 9), (4, 4), 2),
    "fold_blocks": lambda F, lib: F.fold(lib.ones(2, 8, 7), (4, 4), 2),
}
# fmt: on


@pytest.mark.parametrize("build", list(ERRORS.values()), ids=list(ERRORS))
def test_errors_match_torch(build):
    assert_raises_like_torch(build, (ref.nn.functional, ref), (tl.nn.functional, tl))


# -- behaviour the table cannot show --------------------------------------------------------------


def _grads_at(lib, fn, values, **kwargs):
    x = lib.tensor(values).requires_grad_(True)
    y = fn(lib)(x * 1.0, **kwargs)  # through a non-leaf, so in-place forms are allowed
    first(y).sum().backward()
    return as_numpy(x.grad)


@pytest.mark.parametrize(
    "fn",
    [
        lambda lib: lib.nn.functional.relu,
        lambda lib: lib.nn.functional.relu_,
        lambda lib: lambda x: lib.nn.functional.relu(x, inplace=True),
        lambda lib: lib.nn.functional.leaky_relu,
        lambda lib: lambda x: lib.nn.functional.leaky_relu(x, 0.3, inplace=True),
    ],
    ids=["relu", "relu_", "relu_inplace", "leaky_relu", "leaky_relu_inplace"],
)
def test_rectifier_gradient_at_zero_matches_torch(fn):
    values = np.array([-1.0, 0.0, 2.0], np.float32)
    np.testing.assert_array_equal(_grads_at(tl, fn, values), _grads_at(ref, fn, values))


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(kernel_size=2),
        dict(kernel_size=3, stride=1, padding=1),
        dict(kernel_size=2, stride=1, ceil_mode=True),
        dict(kernel_size=2, stride=1, dilation=2),
        dict(kernel_size=3, stride=1, padding=1, return_indices=True),
    ],
    ids=["disjoint", "overlapping_padded", "ceil", "dilated", "with_indices"],
)
def test_max_pool_ties_send_gradient_to_first_max(kwargs):
    values = np.ones((1, 1, 5, 5), np.float32)
    values[0, 0, 2:, :2] = 3.0

    def pool(lib):
        return lambda x: lib.nn.functional.max_pool2d(x, **kwargs)

    np.testing.assert_array_equal(_grads_at(tl, pool, values), _grads_at(ref, pool, values))


def test_relu_inplace_rebinds_input():
    x = tl.tensor([-1.0, 2.0])
    y = tl.nn.functional.relu(x, inplace=True)
    assert y is x
    np.testing.assert_array_equal(as_numpy(x), [0.0, 2.0])


def test_out_of_range_target_gives_nan_when_compiled():
    """Inside compile the values are unknown while tracing: NaN instead of an IndexError."""
    loss = tl.compile(lambda x, t: tl.nn.functional.cross_entropy(x, t))
    out = loss(tl.randn(3, 4), tl.tensor([0, 1, 7]))
    assert np.isnan(out.item())


# -- dropout --------------------------------------------------------------------------------------


def _dropout(seed: int, p: float, shape=(1000,), **kwargs):
    tl.manual_seed(seed)
    return as_numpy(tl.nn.functional.dropout(tl.ones(*shape), p, **kwargs))


def test_dropout_same_seed_same_mask():
    np.testing.assert_array_equal(_dropout(0, 0.3), _dropout(0, 0.3))
    assert not np.array_equal(_dropout(0, 0.3), _dropout(1, 0.3))


def test_dropout_draws_a_new_mask_each_call():
    tl.manual_seed(0)
    x = tl.ones(1000)
    a, b = (as_numpy(tl.nn.functional.dropout(x, 0.5)) for _ in range(2))
    assert not np.array_equal(a, b)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_dropout_fraction_and_scale(p):
    out = _dropout(0, p, shape=(100_000,))
    kept = out != 0
    assert abs(1 - kept.mean() - p) < 0.01
    np.testing.assert_allclose(out[kept], np.float32(1) / np.float32(1 - p), rtol=1e-7)


def test_dropout_p1_zeros_and_p0_identity():
    np.testing.assert_array_equal(_dropout(0, 1.0), np.zeros(1000, np.float32))
    x = tl.randn(10)
    assert tl.nn.functional.dropout(x, 0.0) is x


def test_dropout_eval_is_identity():
    x = tl.randn(10)
    assert tl.nn.functional.dropout(x, 0.5, training=False) is x


def test_dropout_gradient_is_mask_times_scale():
    tl.manual_seed(0)
    x = tl.randn(1000, requires_grad=True)
    out = tl.nn.functional.dropout(x, 0.25)
    out.sum().backward()
    assert out.grad_fn.name() == "MulBackward0"
    expected = np.where(as_numpy(out) != 0, np.float32(1) / np.float32(0.75), 0)
    np.testing.assert_allclose(as_numpy(x.grad), expected, rtol=1e-7)


def test_dropout_inplace_writes_input():
    tl.manual_seed(0)
    x = tl.ones(100)
    out = tl.nn.functional.dropout(x, 0.5, inplace=True)
    assert out is x
    assert set(np.unique(as_numpy(x))) == {0.0, 2.0}
