"""The smaller ``torch.*`` tables: ``nn.functional`` ops under their ``torch.*`` names
(``torch.conv2d``), in-place methods, functions outside the family tables (``cov``, window
functions, ``polygamma``...) and the scatter variants, each a ``(name, args[, kwargs])`` row whose
NumPy arrays become a tensor in each library. ``tests/test_torch_functions.py`` runs them.
"""

from __future__ import annotations

import numpy as np

RNG = np.random.default_rng(0)


def uniform(*shape, low=-1.0, high=1.0):
    return RNG.uniform(low, high, shape).astype(np.float32)


X3, W3 = uniform(2, 4, 6), uniform(3, 4, 3)
X4, W4 = uniform(2, 4, 5, 5), uniform(3, 4, 3, 3)
MEAN, VAR = uniform(4), uniform(4, low=0.5, high=1.5)
IDX = np.array([[0, 2], [1, 0]], np.int64)
EMB = uniform(3, 5)
TGT = RNG.integers(0, 2, (3, 4)).astype(np.float32)

# (torch name, args); NumPy arrays become tensors on each side
ALIASES = [
    ("conv1d", (X3, W3, None, 1, 1)),
    ("conv2d", (X4, W4, None, 2, 1)),
    ("conv_transpose1d", (X3, W3.transpose(1, 0, 2).copy())),
    ("conv_transpose2d", (X4, W4.transpose(1, 0, 2, 3).copy(), None, 2)),
    ("max_pool1d", (X3, 2)),
    ("max_pool2d", (X4, 2, 1)),
    ("max_pool1d_with_indices", (X3, 3, 2)),
    ("avg_pool1d", (X3, 2)),
    ("adaptive_avg_pool1d", (X3, 3)),
    ("adaptive_max_pool1d", (X3, 4)),
    ("dropout", (X3, 0.5, False)),
    ("alpha_dropout", (X3, 0.5, False)),
    ("embedding", (EMB, IDX)),
    ("embedding", (EMB, IDX, 1)),
    ("layer_norm", (X3, (6,))),
    ("group_norm", (X4, 2)),
    ("batch_norm", (X3, None, None, MEAN, VAR, False, 0.1, 1e-5, False)),
    ("batch_norm", (X3, MEAN, VAR, None, None, True, 0.1, 1e-5, False)),
    ("instance_norm", (X3, None, None, None, None, True, 0.1, 1e-5, False)),
    ("celu", (X3,)),
    ("selu", (X3,)),
    ("prelu", (X4, np.array([0.25], np.float32))),
    ("threshold", (X3, 0.1, 20.0)),
    ("rrelu", (X3,)),
    ("hardshrink", (X3,)),
    ("pixel_shuffle", (uniform(1, 8, 2, 2), 2)),
    ("pixel_unshuffle", (uniform(1, 2, 4, 4), 2)),
    ("cosine_similarity", (uniform(3, 4), uniform(3, 4))),
    ("pairwise_distance", (uniform(3, 4), uniform(3, 4))),
    ("pdist", (uniform(4, 3),)),
    ("bilinear", (uniform(2, 3), uniform(2, 4), uniform(5, 3, 4), uniform(5))),
    ("kl_div", (uniform(3, 4), uniform(3, 4, low=0.1, high=1.0))),
    ("kl_div", (uniform(3, 4), uniform(3, 4), 2)),
    ("binary_cross_entropy_with_logits", (uniform(3, 4), TGT)),
    ("binary_cross_entropy_with_logits", (uniform(3, 4), TGT, None, uniform(4, low=0.5), 0)),
    ("hinge_embedding_loss", (uniform(3, 4), TGT * 2 - 1)),
    (
        "cosine_embedding_loss",
        (uniform(3, 4), uniform(3, 4), np.array([1.0, -1.0, 1.0], np.float32)),
    ),
    (
        "margin_ranking_loss",
        (uniform(3), uniform(3), np.array([1.0, -1.0, 1.0], np.float32), 0.1, 2),
    ),
]


# (method, args): applied to a fresh tensor on each side; the result and the tensor must agree
INPLACE = [
    ("multiply_", (2.0,)),
    ("subtract_", (uniform(3, 4),)),
    ("divide_", (2.0,)),
    ("lt_", (0.0,)),
    ("le_", (uniform(3, 4),)),
    ("gt_", (0.1,)),
    ("ge_", (0.1,)),
    ("eq_", (0.5,)),
    ("ne_", (0.5,)),
    ("greater_", (0.0,)),
    ("greater_equal_", (0.0,)),
    ("less_", (0.0,)),
    ("less_equal_", (0.0,)),
    ("not_equal_", (0.0,)),
    ("arctan_", ()),
    ("arcsin_", ()),
    ("squeeze_", ()),
    ("squeeze_", (0,)),
    ("unsqueeze_", (1,)),
    ("transpose_", (0, 2)),
    ("swapaxes_", (1, 2)),
    ("swapdims_", (0, 1)),
]


POS = uniform(3, 4, low=0.5, high=2.0)
# (torch function name, args, kwargs, differentiable w.r.t. the first argument)
MISC = [
    ("rsub", (uniform(3, 4), uniform(3, 4)), {"alpha": 2}, True),
    ("rsub", (uniform(3, 4), 2.0), {}, True),
    ("multiply", (uniform(3, 4), uniform(4)), {}, True),
    ("subtract", (uniform(3, 4), uniform(4)), {"alpha": 3}, True),
    ("cov", (uniform(3, 5),), {}, True),
    ("cov", (uniform(5),), {"correction": 0}, True),
    (
        "cov",
        (uniform(2, 5),),
        {"fweights": np.array([1, 2, 1, 3, 1]), "aweights": uniform(5, low=0.1)},
        True,
    ),
    ("corrcoef", (uniform(3, 5),), {}, True),
    ("trapezoid", (uniform(3, 5),), {}, True),
    ("trapezoid", (uniform(3, 5), np.sort(uniform(5))), {}, True),
    ("trapezoid", (uniform(3, 5),), {"dx": 0.5, "dim": 0}, True),
    ("trapz", (uniform(3, 5), np.sort(uniform(3, 5), 1)), {}, True),
    ("cumulative_trapezoid", (uniform(3, 5),), {"dim": 0}, True),
    ("cumulative_trapezoid", (uniform(3, 5), np.sort(uniform(5))), {}, True),
    ("vander", (uniform(4),), {}, False),  # torch's vander backward fails (an in-place cumprod)
    ("vander", (uniform(3),), {"N": 5, "increasing": True}, False),
    ("vander", (np.array([1, 2, 3]),), {}, False),
    ("renorm", (uniform(3, 4), 2, 0, 0.5), {}, True),
    ("renorm", (uniform(3, 4), 1, 1, 0.8), {}, True),
    ("matrix_exp", (uniform(2, 3, 3),), {}, True),
    ("i0", (uniform(3, 4),), {}, True),
    ("ldexp", (uniform(3, 4), np.array([1, 2, 3, 0])), {}, True),
    ("ldexp", (uniform(3, 4), np.array([1, -2, 3, 0])), {}, False),  # torch: 0 gradient for e<0
    ("frexp", (uniform(3, 4) * 100,), {}, False),
    ("nextafter", (uniform(3, 4), uniform(3, 4)), {}, False),
    ("polygamma", (1, POS), {}, False),
    ("polygamma", (2, POS), {}, False),
    ("mvlgamma", (POS + 1, 2), {}, True),
    ("igamma", (POS, uniform(3, 4, low=0.1, high=3)), {}, False),
    ("igammac", (POS, uniform(3, 4, low=0.1, high=3)), {}, False),
    ("unravel_index", (np.array([0, 5, 11]), (3, 4)), {}, False),
    ("fill", (uniform(3, 4), 2.5), {}, False),
    ("detach", (uniform(3),), {}, False),
    ("scalar_tensor", (3,), {}, False),
    ("asarray", ([1.0, 2.0],), {}, False),
    ("hann_window", (6,), {}, False),
    ("hann_window", (5, False), {}, False),
    ("hamming_window", (7, True, 0.5, 0.4), {}, False),
    ("blackman_window", (6,), {"dtype": "float64"}, False),
    ("bartlett_window", (7, False), {}, False),
    ("bartlett_window", (1,), {}, False),
    ("kaiser_window", (8, True, 5.0), {}, False),
]


MASK = np.array([[True, False, True, False], [False, True, False, False], [True] * 4])
# (name, args, kwargs): gradients are compared for every float argument
SCATTER = [
    ("select_scatter", (uniform(3, 4), uniform(4), 0, 1), {}),
    ("select_scatter", (uniform(3, 4), uniform(3), 1, -1), {}),
    ("slice_scatter", (uniform(6, 4), uniform(2, 4)), {"start": 1, "end": 5, "step": 2}),
    ("slice_scatter", (uniform(3, 5), uniform(3, 2), 1, 3), {}),
    ("diagonal_scatter", (uniform(3, 4), uniform(3)), {"offset": 1}),
    ("diagonal_scatter", (uniform(2, 3, 3), uniform(3, 2)), {"offset": -1, "dim1": 1, "dim2": 0}),
    ("masked_scatter", (uniform(3, 4), MASK, uniform(12)), {}),
    ("masked_scatter", (uniform(3, 4), MASK[0], uniform(3, 4)), {}),
    ("index_put", (uniform(3, 4), (np.array([0, 2, 1]), np.array([1, 3, 1])), uniform(3)), {}),
    (
        "index_put",
        (uniform(3, 4), (np.array([0, 2, 0]), np.array([1, 3, 1])), uniform(3), True),
        {},
    ),
    ("index_put", (uniform(3, 4), (np.array([2, 0]),), uniform(4)), {}),
    ("index_put", (uniform(3, 4), (MASK,), uniform(1)), {}),
    ("combinations", (uniform(4),), {}),
    ("combinations", (uniform(4), 3, True), {}),
    ("split_with_sizes", (uniform(5, 2), [2, 3]), {}),
    ("unsafe_split", (uniform(5, 2), 2, 0), {}),
    ("unsafe_chunk", (uniform(2, 5), 2, 1), {}),
    ("hardshrink", (uniform(3, 4),), {"lambd": 0.3}),
]
