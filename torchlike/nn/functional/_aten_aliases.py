"""Top-level aliases PyTorch keeps for ``nn.functional`` ops: ``torch.conv2d``, ``torch.dropout``...

They resolve lazily (``torchlike.__getattr__`` asks :func:`resolve`), so whatever
``torchlike.nn.functional`` defines is reachable, and a name whose functional form is missing
still fails with torchlike's "not implemented" message.

Where the ATen signature differs from the functional one, the alias keeps the ATen one, as
PyTorch does: ``torch.dropout(input, p, train)`` (``train`` required), ``torch.embedding(weight,
indices, padding_idx=-1, ...)``, ``torch.batch_norm(input, weight, bias, running_mean,
running_var, training, momentum, eps, cudnn_enabled)``, ``torch.max_pool1d(..., stride=())``,
``torch.adaptive_max_pool1d`` returning ``(values, indices)``, and the losses taking
``reduction`` as an int (0 none, 1 mean, 2 sum; default 0 as torch 2.x's binding does).
"""

from __future__ import annotations

from collections.abc import Callable


def _F(name: str):
    from .. import functional as F

    return getattr(F, name, None)


_SAME = """conv1d conv2d conv3d conv_transpose1d conv_transpose2d conv_transpose3d avg_pool1d
    adaptive_avg_pool1d celu selu prelu rrelu threshold hardshrink bilinear pixel_shuffle
    pixel_unshuffle cosine_similarity pairwise_distance pdist channel_shuffle relu_""".split()

_REDUCTION = {0: "none", 1: "mean", 2: "sum"}


def _reduce(out, reduction: int):
    if reduction not in _REDUCTION:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return out if reduction == 0 else out.mean() if reduction == 1 else out.sum()


def _dropout(f, inplace=False):
    def op(input, p: float, train: bool):
        return f(input, p, train, inplace=inplace) if inplace else f(input, p, train)

    return op


def _inplace(f):
    def op(input, *args):
        return f(input, *args, inplace=True)

    return op


def _embedding(f):
    def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
        return f(
            indices,
            weight,
            padding_idx=None if padding_idx is None or padding_idx < 0 else padding_idx,
            scale_grad_by_freq=scale_grad_by_freq,
            sparse=sparse,
        )

    return embedding


def _batch_norm(f):
    def batch_norm(
        input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled
    ):
        return f(input, running_mean, running_var, weight, bias, training, momentum, eps)

    return batch_norm


def _instance_norm(f):
    def instance_norm(
        input,
        weight,
        bias,
        running_mean,
        running_var,
        use_input_stats,
        momentum,
        eps,
        cudnn_enabled,
    ):
        return f(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)

    return instance_norm


def _layer_norm(f):
    def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5, cudnn_enable=True):
        return f(input, normalized_shape, weight, bias, eps)

    return layer_norm


def _group_norm(f):
    def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5, cudnn_enabled=True):
        return f(input, num_groups, weight, bias, eps)

    return group_norm


def _max_pool(f, indices=False):
    def max_pool(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
        stride = None if stride is None or stride == () or stride == [] else stride
        return f(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=indices)

    return max_pool


def _adaptive_max(f):
    def adaptive_max_pool1d(input, output_size):
        return f(input, output_size, return_indices=True)

    return adaptive_max_pool1d


def _kl_div(f):
    def kl_div(input, target, reduction=0, *, log_target=False):
        return _reduce(f(input, target, reduction="none", log_target=log_target), reduction)

    return kl_div


def _bce_logits(f):
    def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=0):
        out = f(input, target, weight, reduction="none", pos_weight=pos_weight)
        return _reduce(out, reduction)

    return binary_cross_entropy_with_logits


def _hinge(f):
    def hinge_embedding_loss(input, target, margin=1.0, reduction=0):
        return _reduce(f(input, target, margin, reduction="none"), reduction)

    return hinge_embedding_loss


def _cosine_embedding(f):
    def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=0):
        return _reduce(f(input1, input2, target, margin, reduction="none"), reduction)

    return cosine_embedding_loss


def _margin_ranking(f):
    def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=0):
        return _reduce(f(input1, input2, target, margin, reduction="none"), reduction)

    return margin_ranking_loss


# torch name -> (functional name, adapter or None for the same signature)
_ALIASES: dict[str, tuple[str, Callable | None]] = {name: (name, None) for name in _SAME}
_ALIASES.update(
    {
        "dropout": ("dropout", _dropout),
        "dropout_": ("dropout", lambda f: _dropout(f, True)),
        "alpha_dropout": ("alpha_dropout", _dropout),
        "alpha_dropout_": ("alpha_dropout", lambda f: _dropout(f, True)),
        "feature_alpha_dropout": ("feature_alpha_dropout", _dropout),
        "feature_alpha_dropout_": ("feature_alpha_dropout", lambda f: _dropout(f, True)),
        "celu_": ("celu", _inplace),
        "selu_": ("selu", _inplace),
        "rrelu_": ("rrelu", _inplace),
        "threshold_": ("threshold", _inplace),
        "embedding": ("embedding", _embedding),
        "batch_norm": ("batch_norm", _batch_norm),
        "instance_norm": ("instance_norm", _instance_norm),
        "layer_norm": ("layer_norm", _layer_norm),
        "group_norm": ("group_norm", _group_norm),
        "max_pool1d": ("max_pool1d", _max_pool),
        "max_pool2d": ("max_pool2d", _max_pool),
        "max_pool3d": ("max_pool3d", _max_pool),
        "max_pool1d_with_indices": ("max_pool1d", lambda f: _max_pool(f, True)),
        "adaptive_max_pool1d": ("adaptive_max_pool1d", _adaptive_max),
        "kl_div": ("kl_div", _kl_div),
        "binary_cross_entropy_with_logits": ("binary_cross_entropy_with_logits", _bce_logits),
        "hinge_embedding_loss": ("hinge_embedding_loss", _hinge),
        "cosine_embedding_loss": ("cosine_embedding_loss", _cosine_embedding),
        "margin_ranking_loss": ("margin_ranking_loss", _margin_ranking),
    }
)

_resolved: dict[str, Callable] = {}


def resolve(name: str) -> Callable | None:
    """The ``torch.<name>`` alias, or None when ``nn.functional`` lacks its op."""
    fn = _resolved.get(name)
    if fn is not None:
        return fn
    spec = _ALIASES.get(name)
    if spec is None:
        return None
    target = _F(spec[0])
    if target is None:
        return None
    fn = target if spec[1] is None else spec[1](target)
    if spec[1] is not None:
        fn.__name__ = fn.__qualname__ = name
        fn.__doc__ = f"``torch.{name}``: :func:`torchlike.nn.functional.{spec[0]}` (ATen form)."
    _resolved[name] = fn
    return fn


def available() -> list[str]:
    """The aliases that resolve now (for ``dir(torchlike)``)."""
    return sorted(n for n in _ALIASES if resolve(n) is not None)
