"""Which ops autocast changes, as PyTorch's autocast op lists: one table, by op function.

``lower``: run in the autocast dtype (float16/bfloat16) — matmuls, linear, convolutions,
attention. ``fp32``: run in float32 — losses and the linear-algebra routines PyTorch lists.
``fp32_cuda``: float32 in a ``'cuda'`` region only (softmax, layer/group norm, norms; PyTorch's CPU
autocast keeps them in the input dtype). Everything else keeps its inputs' dtypes (mixed inputs
promote to the wider one, as usual).
"""

from __future__ import annotations

import importlib

from .autocast_mode import register

POLICIES = {
    "torchlike.nn.functional.linear": {"lower": ["_linear_fn"]},
    "torchlike.nn.functional.conv": {"lower": ["_conv_fn", "_conv_transpose_fn"]},
    "torchlike.nn.functional.attention": {"lower": ["_sdpa_output_fn", "_mha_fn"]},
    "torchlike.nn.functional.loss": {
        "fp32": [
            "_pointwise_loss_fn",
            "_nll_loss_fn",
            "_prob_loss_fn",
            "_bce_fn",
            "_bce_logits_fn",
        ],
    },
    "torchlike.nn.functional.activation": {"fp32_cuda": ["_softmax_fn"]},
    "torchlike.nn.functional.normalization": {"fp32_cuda": ["_layer_norm_fn", "_group_norm_fn"]},
    "torchlike._ops.linalg": {
        "lower": [
            "_matmul_fn",
            "_addmm_fn",
            "_baddbmm_fn",
            "_addbmm_fn",
            "_addr_fn",
            "_einsum_fn",
            "_outer_fn",
            "_chain_matmul_fn",
        ],
        "fp32": ["_cdist_fn", "_inv_fn", "_cholesky_fn", "_pinv_fn", "_trace_fn"],
        "fp32_cuda": ["_vector_norm_fn", "_matrix_norm_fn"],
    },
}

_done = [False]


def install() -> None:
    """Register every listed function (once; called when the first autocast region opens)."""
    if _done[0]:
        return
    for module_name, policies in POLICIES.items():
        module = importlib.import_module(module_name)
        for policy, names in policies.items():
            for name in names:
                register(getattr(module, name), policy)
    _done[0] = True
