"""Rows for the layers that wrap the ``nn.functional`` rows of ``op_table/functional.py``
(``Upsample``, the distance and loss modules, shuffles, ``RMSNorm``, ``Bilinear``, ``LPPool``,
shrinkage, ``MaxUnpool``), checked by :mod:`.parity`'s generic checks in ``test_functional.py``.
"""

from __future__ import annotations

from _helpers import f32, positive

from .parity import Row


def plain_inputs(*shapes):
    return lambda r: tuple(f32(r, *s) for s in shapes)


# fmt: off
LAYERS = [
    Row("upsample_nearest", lambda lib: lib.nn.Upsample(scale_factor=2),
        plain_inputs((1, 2, 3, 4))),
    Row("upsample_bilinear", lambda lib: lib.nn.Upsample(size=(5, 3), mode="bilinear"),
        plain_inputs((1, 2, 3, 4))),
    Row("upsample_trilinear_tuple", lambda lib: lib.nn.Upsample(
        scale_factor=(1.5, 2, 0.5), mode="trilinear", align_corners=True),
        plain_inputs((1, 1, 2, 3, 4))),
    Row("upsampling_nearest2d", lambda lib: lib.nn.UpsamplingNearest2d(size=(4, 6)),
        plain_inputs((1, 2, 3, 4))),
    Row("upsampling_bilinear2d", lambda lib: lib.nn.UpsamplingBilinear2d(scale_factor=2),
        plain_inputs((1, 2, 3, 4))),
    Row("pairwise_distance", lambda lib: lib.nn.PairwiseDistance(p=1.5, keepdim=True),
        plain_inputs((3, 4), (3, 4))),
    Row("cosine_similarity", lambda lib: lib.nn.CosineSimilarity(dim=0, eps=1e-6),
        plain_inputs((3, 4), (3, 4))),
    Row("kl_div_batchmean", lambda lib: lib.nn.KLDivLoss(reduction="batchmean", log_target=True),
        plain_inputs((3, 4), (3, 4))),
    Row("poisson_nll", lambda lib: lib.nn.PoissonNLLLoss(full=True, reduction="sum"),
        lambda r: (f32(r, 3, 4), positive(r, 3, 4) * 3)),
    Row("gaussian_nll", lambda lib: lib.nn.GaussianNLLLoss(full=True),
        lambda r: (f32(r, 3, 4), f32(r, 3, 4), positive(r, 3, 4))),
    Row("cosine_embedding", lambda lib: lib.nn.CosineEmbeddingLoss(margin=0.1),
        plain_inputs((4, 5), (4, 5)),
        lambda lib, m, a, b: m(a, b, lib.tensor([1.0, -1.0, -1.0, 1.0]))),
    Row("margin_ranking", lambda lib: lib.nn.MarginRankingLoss(margin=0.5),
        plain_inputs((5,), (5,)),
        lambda lib, m, a, b: m(a, b, lib.tensor([1.0, -1.0, -1.0, 1.0, 1.0]))),
    Row("hinge_embedding", lambda lib: lib.nn.HingeEmbeddingLoss(margin=0.5, reduction="sum"),
        plain_inputs((2, 3)),
        lambda lib, m, x: m(x, lib.tensor([[1.0, -1.0, -1.0], [1.0, 1.0, -1.0]]))),
    Row("soft_margin", lambda lib: lib.nn.SoftMarginLoss(),
        plain_inputs((2, 3)),
        lambda lib, m, x: m(x, lib.tensor([[1.0, -1.0, -1.0], [1.0, 1.0, -1.0]]))),
    Row("multilabel_soft_margin", lambda lib: lib.nn.MultiLabelSoftMarginLoss(
        weight=lib.tensor([0.5, 1.0, 2.0])), plain_inputs((2, 3)),
        lambda lib, m, x: m(x, lib.tensor([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]]))),
    Row("multi_margin", lambda lib: lib.nn.MultiMarginLoss(p=2, weight=lib.tensor([0.5, 1.0, 2.0])),
        plain_inputs((2, 3)), lambda lib, m, x: m(x, lib.tensor([2, 0]))),
    Row("multilabel_margin", lambda lib: lib.nn.MultiLabelMarginLoss(reduction="none"),
        plain_inputs((2, 3)), lambda lib, m, x: m(x, lib.tensor([[2, -1, 0], [0, 1, 2]]))),
    Row("triplet_margin", lambda lib: lib.nn.TripletMarginLoss(margin=2.0, p=1.5, swap=True),
        plain_inputs((3, 4), (3, 4), (3, 4))),
    Row("triplet_margin_with_distance", lambda lib: lib.nn.TripletMarginWithDistanceLoss(
        distance_function=lib.nn.CosineSimilarity(dim=-1), margin=0.5, reduction="sum"),
        plain_inputs((3, 4), (3, 4), (3, 4))),
    Row("pixel_shuffle", lambda lib: lib.nn.PixelShuffle(2), plain_inputs((1, 8, 2, 3))),
    Row("pixel_unshuffle", lambda lib: lib.nn.PixelUnshuffle(2), plain_inputs((1, 2, 4, 2))),
    Row("channel_shuffle", lambda lib: lib.nn.ChannelShuffle(2), plain_inputs((2, 4, 3))),
    Row("rms_norm", lambda lib: lib.nn.RMSNorm((3, 4), eps=1e-5), plain_inputs((2, 3, 4))),
    Row("rms_norm_no_affine", lambda lib: lib.nn.RMSNorm(4, elementwise_affine=False),
        plain_inputs((2, 4))),
    Row("bilinear", lambda lib: lib.nn.Bilinear(3, 4, 5), plain_inputs((2, 3), (2, 4))),
    Row("bilinear_no_bias", lambda lib: lib.nn.Bilinear(3, 2, 4, bias=False),
        plain_inputs((3,), (2,))),
    Row("lp_pool1d", lambda lib: lib.nn.LPPool1d(2, 3, stride=2), plain_inputs((2, 3, 7))),
    Row("lp_pool2d", lambda lib: lib.nn.LPPool2d(2, (2, 3)), plain_inputs((1, 2, 4, 6))),
    Row("lp_pool3d", lambda lib: lib.nn.LPPool3d(2, 2), plain_inputs((1, 1, 4, 4, 4))),
    Row("softshrink", lambda lib: lib.nn.Softshrink(0.2), plain_inputs((3, 4))),
    Row("hardshrink", lambda lib: lib.nn.Hardshrink(0.2), plain_inputs((3, 4))),
    Row("rrelu_eval", lambda lib: lib.nn.RReLU(0.1, 0.3).eval(), plain_inputs((3, 4))),
    Row("softmax2d", lambda lib: lib.nn.Softmax2d(), plain_inputs((2, 3, 2, 2))),
    Row("max_unpool2d", lambda lib: lib.nn.MaxUnpool2d(2), plain_inputs((1, 2, 4, 6)),
        lambda lib, m, x: m(*lib.nn.functional.max_pool2d(x, 2, return_indices=True))),
    Row("max_unpool1d_output_size", lambda lib: lib.nn.MaxUnpool1d(2, stride=2),
        plain_inputs((2, 3, 7)),
        lambda lib, m, x: m(*lib.nn.functional.max_pool1d(x, 2, return_indices=True),
                            output_size=[2, 3, 7])),
    Row("max_unpool3d", lambda lib: lib.nn.MaxUnpool3d((1, 2, 2)), plain_inputs((1, 1, 2, 4, 4)),
        lambda lib, m, x: m(*lib.nn.functional.max_pool3d(x, (1, 2, 2), return_indices=True))),
]
# fmt: on
