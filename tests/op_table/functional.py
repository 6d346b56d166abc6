"""``torch.nn.functional`` rows: one ``Case`` per op and sample, run by the generic tests of
``test_functional.py`` (PyTorch's OpInfo for ``nn.functional``), and ``ERRORS``, calls PyTorch
rejects.

A row names the function (the same name in ``torch.nn.functional`` and ours) and a sample builder
returning NumPy arguments; the tests convert them for both libraries and compare forward values,
dtypes and ``grad_fn`` names, the gradients of every float argument, our gradients against
finite differences of our own forward in float64, and, for ``compiled`` rows, the eager step
against the ``torchlike.compile``d one. Rows are checked in each of their ``dtypes``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch as ref
from _helpers import call, classes, f32, positive, probs


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
    # Check gradients against finite differences (off where PyTorch's gradient rule is not the
    # forward's derivative).
    fd: bool = True
    dtypes: tuple = ("float32",)  # the sample's float32 arrays are cast to each
    compiled: bool = False  # also compare the eager step with the compiled one


# -- sample builders ------------------------------------------------------------------------------


def dist(r, *shape):
    """Class probabilities along dim 1 (or dim 0 for one sample)."""
    e = np.exp(r.standard_normal(shape))
    return (e / e.sum(axis=1 if len(shape) > 1 else 0, keepdims=True)).astype(np.float32)


def signs(r, *shape):
    return np.where(r.random(shape) < 0.5, -1.0, 1.0).astype(np.float32)


def bits(r, *shape):
    return (r.random(shape) < 0.5).astype(np.float32)


def pooled(r, shape, n: int, stride=None):
    """Values and indices of PyTorch's ``max_pool{n}d(kernel_size=2)``, as unpooling inputs."""
    pool = getattr(ref.nn.functional, f"max_pool{n}d")
    values, indices = pool(ref.tensor(f32(r, *shape)), 2, stride, return_indices=True)
    return values.numpy(), indices.numpy()


def grid(r, *shape):
    """Sampling locations, some outside ``[-1, 1]`` (padding)."""
    return r.uniform(-1.3, 1.3, shape).astype(np.float32)


def interp(shape, **kw):
    return lambda r: call(f32(r, *shape), **kw)


# -- the rows -------------------------------------------------------------------------------------

# fmt: off
_FLOAT32 = [
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

# Resampling, distance, loss and shrinkage rows: also in float64, and eager against compiled.
_FLOAT32_FLOAT64 = [
    # -- interpolate: every mode, size and scale_factor, align_corners, PyTorch's index rules --
    Case("nearest1d_size", "interpolate", interp((2, 3, 5), size=7)),
    Case("nearest1d_down", "interpolate", interp((2, 3, 7), size=3)),
    # out == 2 * in from a non-integer factor: PyTorch's backward (not forward) special case
    # (its gradient is then not the forward's derivative, so no finite differences)
    Case("nearest1d_scale_2.05", "interpolate", interp((2, 3, 5), scale_factor=2.05), fd=False),
    Case("nearest2d_scale", "interpolate", interp((1, 2, 4, 5), scale_factor=(1.7, 0.6))),
    Case("nearest2d_scale_2.05", "interpolate", interp((1, 2, 5, 5), scale_factor=2.05)),
    Case("nearest2d_scale_1.1", "interpolate", interp((1, 2, 5, 5), scale_factor=1.1)),
    Case("nearest3d", "interpolate", interp((1, 2, 3, 4, 5), size=(5, 3, 7))),
    Case("nearest3d_scale_2.05", "interpolate", interp((1, 1, 3, 4, 5), scale_factor=2.05),
         fd=False),
    Case("nearest_exact1d", "interpolate", interp((2, 3, 5), scale_factor=1.7,
                                                  mode="nearest-exact")),
    Case("nearest_exact2d", "interpolate", interp((1, 2, 5, 4), size=(3, 9), mode="nearest-exact")),
    Case("nearest_exact3d", "interpolate", interp((1, 1, 3, 4, 5), size=(2, 6, 5),
                                                  mode="nearest-exact")),
    Case("interp_linear", "interpolate", interp((2, 3, 5), size=8, mode="linear")),
    Case("linear_down", "interpolate", interp((2, 3, 8), scale_factor=0.45, mode="linear")),
    Case("linear_align", "interpolate", interp((2, 3, 5), size=8, mode="linear",
                                               align_corners=True)),
    Case("linear_align_to1", "interpolate", interp((2, 3, 5), size=1, mode="linear",
                                                   align_corners=True)),
    Case("interp_bilinear", "interpolate", interp((1, 2, 4, 5), scale_factor=1.6, mode="bilinear")),
    Case("bilinear_align", "interpolate", interp((1, 2, 4, 5), size=(7, 3), mode="bilinear",
                                                 align_corners=True)),
    Case("bilinear_recompute", "interpolate", interp((1, 2, 4, 5), scale_factor=1.7,
                                                     mode="bilinear", recompute_scale_factor=True)),
    Case("bicubic", "interpolate", interp((1, 2, 4, 5), size=(7, 3), mode="bicubic")),
    Case("bicubic_align", "interpolate", interp((1, 2, 4, 5), scale_factor=2.5, mode="bicubic",
                                                align_corners=True)),
    # out == in from scale_factor 1.1: PyTorch's backward is the identity, its forward is not
    Case("bicubic_scale_1.1", "interpolate", interp((1, 2, 5, 5), scale_factor=1.1,
                                                    mode="bicubic"), fd=False),
    Case("trilinear", "interpolate", interp((1, 2, 3, 4, 5), size=(5, 2, 6), mode="trilinear")),
    Case("trilinear_align", "interpolate", interp((1, 1, 3, 4, 5), scale_factor=1.5,
                                                  mode="trilinear", align_corners=True)),
    Case("area1d", "interpolate", interp((2, 3, 7), size=3, mode="area")),
    Case("area2d_scale", "interpolate", interp((1, 2, 6, 5), scale_factor=0.5, mode="area")),
    Case("area3d", "interpolate", interp((1, 2, 4, 4, 6), size=(2, 3, 4), mode="area")),
    # -- distances --
    Case("normalize", "normalize", lambda r: call(f32(r, 3, 4))),
    Case("normalize_p1_dim0", "normalize", lambda r: call(f32(r, 3, 4), p=1.0, dim=0)),
    Case("normalize_p3.5", "normalize", lambda r: call(f32(r, 2, 3, 4), p=3.5, dim=-1)),
    Case("normalize_inf", "normalize", lambda r: call(f32(r, 3, 4), p=float("inf")), fd=False),
    Case("normalize_zero", "normalize", lambda r: call(np.zeros((2, 3), np.float32)), fd=False),
    Case("cosine_similarity", "cosine_similarity", lambda r: call(f32(r, 3, 4), f32(r, 3, 4))),
    Case("cosine_similarity_broadcast", "cosine_similarity",
         lambda r: call(f32(r, 2, 3, 4), f32(r, 4), dim=-1)),
    Case("pairwise_distance", "pairwise_distance", lambda r: call(f32(r, 3, 4), f32(r, 3, 4))),
    Case("pairwise_distance_p1_keepdim", "pairwise_distance",
         lambda r: call(f32(r, 3, 4), f32(r, 4), p=1.0, keepdim=True)),
    Case("pairwise_distance_p3_1d", "pairwise_distance",
         lambda r: call(f32(r, 4), f32(r, 4), p=3.0)),
    Case("pdist", "pdist", lambda r: call(f32(r, 4, 3))),
    Case("pdist_p1", "pdist", lambda r: call(f32(r, 4, 3), p=1.0)),
    Case("pdist_p0.5", "pdist", lambda r: call(f32(r, 4, 3), 0.5)),
    Case("pdist_inf", "pdist", lambda r: call(f32(r, 4, 3), float("inf")), fd=False),
    # -- losses: every reduction, legacy size_average/reduce, weights --
    Case("kl_div_batchmean", "kl_div", lambda r: call(f32(r, 3, 4), positive(r, 3, 4),
                                                      reduction="batchmean")),
    Case("kl_div_sum", "kl_div", lambda r: call(f32(r, 3, 4), positive(r, 3, 4),
                                                reduction="sum")),
    Case("kl_div_none_log_target", "kl_div", lambda r: call(f32(r, 3, 4), f32(r, 3, 4),
                                                            reduction="none", log_target=True)),
    Case("kl_div_batchmean_log_target", "kl_div", lambda r: call(
        f32(r, 3, 4), f32(r, 3, 4), reduction="batchmean", log_target=True)),
    Case("kl_div_legacy", "kl_div", lambda r: call(f32(r, 3, 4), positive(r, 3, 4), reduce=False)),
    Case("poisson_nll", "poisson_nll_loss", lambda r: call(f32(r, 3, 4), positive(r, 3, 4) * 2)),
    Case("poisson_nll_full_sum", "poisson_nll_loss", lambda r: call(
        f32(r, 3, 4), positive(r, 3, 4) * 2, full=True, reduction="sum")),
    Case("poisson_nll_linear_none", "poisson_nll_loss", lambda r: call(
        positive(r, 3, 4), positive(r, 3, 4), log_input=False, reduction="none")),
    Case("gaussian_nll", "gaussian_nll_loss", lambda r: call(f32(r, 3, 4), f32(r, 3, 4),
                                                             positive(r, 3, 4))),
    Case("gaussian_nll_var_n1_full", "gaussian_nll_loss", lambda r: call(
        f32(r, 3, 4), f32(r, 3, 4), positive(r, 3, 1), full=True, reduction="sum")),
    Case("gaussian_nll_var_n_none", "gaussian_nll_loss", lambda r: call(
        f32(r, 3, 4), f32(r, 3, 4), positive(r, 3), reduction="none")),
    Case("gaussian_nll_var_clamped", "gaussian_nll_loss", lambda r: call(
        f32(r, 3, 4), f32(r, 3, 4), positive(r, 3, 4) * 1e-7), fd=False),
    Case("cosine_embedding", "cosine_embedding_loss", lambda r: call(
        f32(r, 4, 5), f32(r, 4, 5), signs(r, 4), margin=0.2), grad=(0, 1)),
    Case("cosine_embedding_1d_none", "cosine_embedding_loss", lambda r: call(
        f32(r, 5), f32(r, 5), np.array(-1.0, np.float32), reduction="none"),
         grad=(0, 1)),
    Case("margin_ranking", "margin_ranking_loss", lambda r: call(
        f32(r, 5), f32(r, 5), signs(r, 5), margin=0.3), grad=(0, 1)),
    Case("margin_ranking_legacy", "margin_ranking_loss", lambda r: call(
        f32(r, 5), f32(r, 5), signs(r, 5), size_average=False), grad=(0, 1)),
    Case("hinge_embedding", "hinge_embedding_loss", lambda r: call(f32(r, 3, 4), signs(r, 3, 4)),
         grad=(0,)),
    Case("hinge_embedding_none", "hinge_embedding_loss", lambda r: call(
        f32(r, 3, 4), signs(r, 3, 4), margin=0.5, reduction="none"), grad=(0,)),
    Case("soft_margin", "soft_margin_loss", lambda r: call(f32(r, 3, 4), signs(r, 3, 4)),
         grad=(0,)),
    Case("soft_margin_none", "soft_margin_loss", lambda r: call(f32(r, 3, 4), signs(r, 3, 4),
                                                                reduction="none"), grad=(0,)),
    Case("multilabel_soft_margin", "multilabel_soft_margin_loss", lambda r: call(
        f32(r, 3, 4), bits(r, 3, 4))),
    Case("multilabel_soft_margin_weight_none", "multilabel_soft_margin_loss", lambda r: call(
        f32(r, 3, 4), bits(r, 3, 4), weight=positive(r, 4), reduction="none")),
    Case("multi_margin", "multi_margin_loss", lambda r: call(f32(r, 4, 5), classes(r, 5, 4))),
    Case("multi_margin_p2_weight_sum", "multi_margin_loss", lambda r: call(
        f32(r, 4, 5), classes(r, 5, 4), p=2, margin=0.7, weight=positive(r, 5),
        reduction="sum"), grad=(0,)),
    Case("multi_margin_1d_none", "multi_margin_loss", lambda r: call(
        f32(r, 5), np.array(2), reduction="none")),
    Case("multilabel_margin", "multilabel_margin_loss", lambda r: call(
        f32(r, 2, 4), np.array([[3, 0, -1, 1], [1, 2, 3, 0]]))),
    Case("multilabel_margin_1d_none", "multilabel_margin_loss", lambda r: call(
        f32(r, 4), np.array([2, -1, 0, 1]), reduction="none")),
    Case("triplet_margin", "triplet_margin_loss", lambda r: call(
        f32(r, 3, 4), f32(r, 3, 4), f32(r, 3, 4))),
    Case("triplet_margin_swap_p1_none", "triplet_margin_loss", lambda r: call(
        f32(r, 3, 4), f32(r, 3, 4), f32(r, 3, 4), margin=2.0, p=1, swap=True,
        reduction="none")),
    Case("triplet_margin_with_distance", "triplet_margin_with_distance_loss", lambda r: call(
        f32(r, 3, 4), f32(r, 3, 4), f32(r, 3, 4), margin=2.0, swap=True)),
    # -- shuffles, rms_norm, shrinks, rrelu (eval), lp_pool, bilinear --
    Case("pixel_shuffle", "pixel_shuffle", lambda r: call(f32(r, 2, 8, 2, 3), 2)),
    Case("pixel_shuffle_5d", "pixel_shuffle", lambda r: call(f32(r, 1, 2, 9, 2, 2), 3)),
    Case("pixel_unshuffle", "pixel_unshuffle", lambda r: call(f32(r, 2, 2, 4, 6), 2)),
    Case("channel_shuffle", "channel_shuffle", lambda r: call(f32(r, 2, 6, 3), 3)),
    Case("channel_shuffle_4d", "channel_shuffle", lambda r: call(f32(r, 1, 4, 2, 2), 2)),
    Case("rms_norm", "rms_norm", lambda r: call(f32(r, 2, 3, 4), (4,))),
    Case("rms_norm_weight_eps", "rms_norm", lambda r: call(f32(r, 2, 3, 4), [3, 4],
                                                           f32(r, 3, 4), eps=1e-3)),
    Case("softshrink", "softshrink", lambda r: call(f32(r, 3, 4), 0.3)),
    Case("hardshrink", "hardshrink", lambda r: call(f32(r, 3, 4), lambd=0.3)),
    Case("rrelu_eval", "rrelu", lambda r: call(f32(r, 3, 4), 0.1, 0.4)),
    Case("lp_pool1d", "lp_pool1d", lambda r: call(positive(r, 2, 3, 7), 1.5, 3, 2)),
    Case("lp_pool2d", "lp_pool2d", lambda r: call(f32(r, 2, 3, 5, 4), 2, (2, 3), ceil_mode=True)),
    Case("lp_pool3d", "lp_pool3d", lambda r: call(positive(r, 1, 2, 4, 4, 5), 3, 2, stride=1)),
    Case("bilinear", "bilinear", lambda r: call(f32(r, 2, 3), f32(r, 2, 4), f32(r, 5, 3, 4),
                                                f32(r, 5))),
    Case("bilinear_nobias_3d", "bilinear", lambda r: call(f32(r, 2, 2, 3), f32(r, 2, 2, 4),
                                                          f32(r, 5, 3, 4))),
    # -- max_unpool (indices from PyTorch's max_pool), affine_grid, grid_sample --
    Case("max_unpool1d", "max_unpool1d", lambda r: call(*pooled(r, (2, 3, 8), 1), 2), grad=(0,)),
    Case("max_unpool2d_output_size", "max_unpool2d", lambda r: call(
        *pooled(r, (1, 2, 4, 6), 2), 2, output_size=(5, 7)), grad=(0,)),
    Case("max_unpool2d_overlapping", "max_unpool2d", lambda r: call(
        *pooled(r, (2, 5, 5), 2, stride=1), 2, stride=1), grad=(0,), fd=False),
    Case("max_unpool3d", "max_unpool3d", lambda r: call(*pooled(r, (1, 1, 4, 4, 4), 3), 2),
         grad=(0,)),
    Case("affine_grid", "affine_grid", lambda r: call(f32(r, 2, 2, 3), (2, 3, 4, 5),
                                                      align_corners=False)),
    Case("affine_grid_3d_align", "affine_grid", lambda r: call(f32(r, 2, 3, 4), [2, 1, 3, 4, 5],
                                                               align_corners=True)),
    Case("grid_sample", "grid_sample", lambda r: call(f32(r, 2, 3, 4, 5), grid(r, 2, 3, 4, 2),
                                                      align_corners=False)),
    Case("grid_sample_border_align", "grid_sample", lambda r: call(
        f32(r, 2, 3, 4, 5), grid(r, 2, 3, 4, 2), padding_mode="border", align_corners=True)),
    Case("grid_sample_reflection", "grid_sample", lambda r: call(
        f32(r, 1, 2, 4, 5), grid(r, 1, 3, 4, 2), padding_mode="reflection", align_corners=False)),
    Case("grid_sample_reflection_align", "grid_sample", lambda r: call(
        f32(r, 1, 2, 4, 5), grid(r, 1, 3, 4, 2), padding_mode="reflection", align_corners=True)),
    Case("grid_sample_nearest", "grid_sample", lambda r: call(
        f32(r, 2, 3, 4, 5), grid(r, 2, 3, 4, 2), mode="nearest", align_corners=False), fd=False),
    Case("grid_sample_3d", "grid_sample", lambda r: call(
        f32(r, 1, 2, 3, 4, 5), grid(r, 1, 2, 3, 2, 3), align_corners=False)),
]
# fmt: on

FUNCTIONAL: list[Case] = [
    *_FLOAT32,
    *(
        dataclasses.replace(c, dtypes=("float32", "float64"), compiled=True)
        for c in _FLOAT32_FLOAT64
    ),
]
assert len({c.id for c in FUNCTIONAL}) == len(FUNCTIONAL), "duplicate row ids"


# -- errors: calls PyTorch rejects, as (F, lib) -> call; ours must raise its type and message -----

# fmt: off
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
    "interp_align_nearest": lambda F, lib: F.interpolate(lib.zeros(1, 1, 4), size=2,
                                                          align_corners=True),
    "interp_both": lambda F, lib: F.interpolate(lib.zeros(1, 1, 4), size=2, scale_factor=2.0),
    "interp_neither": lambda F, lib: F.interpolate(lib.zeros(1, 1, 4)),
    "interp_size_len": lambda F, lib: F.interpolate(lib.zeros(1, 1, 4), size=(2, 3)),
    "interp_scale_len": lambda F, lib: F.interpolate(lib.zeros(1, 1, 4, 4), scale_factor=(2.0,)),
    "interp_size_type": lambda F, lib: F.interpolate(lib.zeros(1, 1, 4), size=(2.5,)),
    "interp_recompute_size": lambda F, lib: F.interpolate(lib.zeros(1, 1, 4), size=2,
                                                           recompute_scale_factor=True),
    "interp_linear_4d": lambda F, lib: F.interpolate(lib.zeros(1, 1, 4, 4), size=2,
                                                      mode="linear"),
    "interp_bilinear_3d": lambda F, lib: F.interpolate(lib.zeros(1, 1, 4), size=2,
                                                        mode="bilinear"),
    "interp_trilinear_4d": lambda F, lib: F.interpolate(lib.zeros(1, 1, 4, 4), size=2,
                                                         mode="trilinear"),
    "interp_bicubic_3d": lambda F, lib: F.interpolate(lib.zeros(1, 1, 4), size=2,
                                                       mode="bicubic"),
    "interp_2d_input": lambda F, lib: F.interpolate(lib.zeros(1, 4), size=2),
    "pdist_3d": lambda F, lib: F.pdist(lib.zeros(2, 3, 4)),
    "pdist_negative_p": lambda F, lib: F.pdist(lib.zeros(2, 3), p=-1.0),
    "kl_div_reduction": lambda F, lib: F.kl_div(lib.zeros(2), lib.zeros(2), reduction="avg"),
    "gaussian_var_size": lambda F, lib: F.gaussian_nll_loss(lib.zeros(2, 3), lib.zeros(2, 3),
                                                             lib.ones(3, 2)),
    "gaussian_var_negative": lambda F, lib: F.gaussian_nll_loss(lib.zeros(2), lib.zeros(2),
                                                                 -lib.ones(2)),
    "gaussian_reduction": lambda F, lib: F.gaussian_nll_loss(lib.zeros(2), lib.zeros(2),
                                                              lib.ones(2), reduction="avg"),
    "multi_margin_p3": lambda F, lib: F.multi_margin_loss(lib.zeros(2, 3),
                                                           lib.zeros(2, dtype=lib.long), p=3),
    "multi_margin_weight_2d": lambda F, lib: F.multi_margin_loss(
        lib.zeros(2, 3), lib.zeros(2, dtype=lib.long), weight=lib.ones(3, 1)),
    "soft_margin_target_grad": lambda F, lib: F.soft_margin_loss(
        lib.zeros(2), lib.ones(2, requires_grad=True)),
    "triplet_dims": lambda F, lib: F.triplet_margin_loss(lib.zeros(2, 3), lib.zeros(3),
                                                          lib.zeros(2, 3)),
    "triplet_distance_margin": lambda F, lib: F.triplet_margin_with_distance_loss(
        lib.zeros(2, 3), lib.zeros(2, 3), lib.zeros(2, 3), margin=0.0),
    "triplet_layer_margin": lambda F, lib: lib.nn.TripletMarginLoss(margin=-1.0),
    "multi_margin_layer_p": lambda F, lib: lib.nn.MultiMarginLoss(p=3),
    "pixel_shuffle_2d": lambda F, lib: F.pixel_shuffle(lib.zeros(2, 3), 2),
    "pixel_shuffle_channels": lambda F, lib: F.pixel_shuffle(lib.zeros(5, 2, 2), 2),
    "pixel_unshuffle_2d": lambda F, lib: F.pixel_unshuffle(lib.zeros(2, 3), 2),
    "pixel_unshuffle_height": lambda F, lib: F.pixel_unshuffle(lib.zeros(1, 3, 4), 2),
    "pixel_unshuffle_width": lambda F, lib: F.pixel_unshuffle(lib.zeros(1, 4, 3), 2),
    "channel_shuffle_groups": lambda F, lib: F.channel_shuffle(lib.zeros(1, 5, 2), 2),
    "channel_shuffle_1d": lambda F, lib: F.channel_shuffle(lib.zeros(5), 2),
    "softmax2d_2d": lambda F, lib: lib.nn.Softmax2d()(lib.zeros(2, 3)),
    "rms_norm_shape": lambda F, lib: F.rms_norm(lib.zeros(2, 3), (4,)),
    "bilinear_size": lambda F, lib: F.bilinear(lib.zeros(2, 3), lib.zeros(2, 4),
                                                lib.zeros(5, 3, 3)),
    "softshrink_negative": lambda F, lib: F.softshrink(lib.zeros(2), -1.0),
    "rrelu_bounds": lambda F, lib: F.rrelu(lib.zeros(2), 0.5, 0.1),
    "max_unpool_size": lambda F, lib: F.max_unpool1d(lib.zeros(1, 2, 2), lib.zeros(
        1, 2, 2, dtype=lib.long), 2, output_size=(9,)),
    "max_unpool_size_len": lambda F, lib: F.max_unpool1d(lib.zeros(1, 2, 2), lib.zeros(
        1, 2, 2, dtype=lib.long), 2, output_size=(4, 4)),
    "affine_grid_theta": lambda F, lib: F.affine_grid(lib.zeros(2, 3, 3), (2, 1, 4, 4),
                                                       align_corners=False),
    "affine_grid_size": lambda F, lib: F.affine_grid(lib.zeros(2, 2, 3), (2, 1, 4),
                                                      align_corners=False),
    "affine_grid_int": lambda F, lib: F.affine_grid(lib.zeros(2, 2, 3, dtype=lib.long),
                                                     (2, 1, 4, 4), align_corners=False),
    "grid_sample_mode": lambda F, lib: F.grid_sample(lib.zeros(1, 1, 2, 2),
                                                      lib.zeros(1, 2, 2, 2), mode="linear"),
    "grid_sample_padding": lambda F, lib: F.grid_sample(
        lib.zeros(1, 1, 2, 2), lib.zeros(1, 2, 2, 2), padding_mode="wrap"),
}
# fmt: on
