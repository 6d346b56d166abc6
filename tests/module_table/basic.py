"""The basic layers' rows: linear, 2-d convolution and pooling, activations, flattening,
dropout in eval mode, and the loss modules. They run eagerly only: the same layers run compiled
in the zoo's rows of their family and in the training tests.
"""

from __future__ import annotations

import numpy as np
from _helpers import classes, f32, probs

from .core import ModuleInfo


def eager(id: str, make, inputs, modes=("train",)) -> ModuleInfo:
    """A row checked eagerly only."""
    return ModuleInfo(id, make, inputs, modes, compiled=False)


_rng = np.random.default_rng(1234)
CLASS_WEIGHT = _rng.uniform(0.5, 2.0, 5).astype(np.float32)
POS_WEIGHT = _rng.uniform(0.5, 2.0, 5).astype(np.float32)


# fmt: off
LAYERS = [
    eager("identity", lambda lib: lib.nn.Identity(3, unused=1), lambda r: (f32(r, 2, 3),)),
    eager("linear", lambda lib: lib.nn.Linear(5, 3), lambda r: (f32(r, 4, 5),)),
    eager("linear_no_bias", lambda lib: lib.nn.Linear(5, 3, bias=False),
          lambda r: (f32(r, 2, 4, 5),)),
    eager("conv2d", lambda lib: lib.nn.Conv2d(3, 4, 3), lambda r: (f32(r, 2, 3, 7, 7),)),
    eager("conv2d_options", lambda lib: lib.nn.Conv2d(4, 6, (3, 2), stride=2, padding=1,
                                                      dilation=(1, 2), groups=2, bias=False),
          lambda r: (f32(r, 2, 4, 8, 7),)),
    eager("conv2d_same", lambda lib: lib.nn.Conv2d(3, 2, 3, padding="same", dilation=2),
          lambda r: (f32(r, 1, 3, 7, 7),)),
    eager("conv2d_valid", lambda lib: lib.nn.Conv2d(3, 2, 3, padding="valid"),
          lambda r: (f32(r, 3, 6, 6),)),
    eager("conv2d_reflect", lambda lib: lib.nn.Conv2d(2, 3, 3, padding=(1, 2),
                                                      padding_mode="reflect"),
          lambda r: (f32(r, 2, 2, 6, 5),)),
    eager("conv2d_replicate_same", lambda lib: lib.nn.Conv2d(2, 3, 4, padding="same",
                                                             padding_mode="replicate"),
          lambda r: (f32(r, 2, 6, 5),)),
    eager("conv2d_circular", lambda lib: lib.nn.Conv2d(2, 3, 3, stride=2, padding=2,
                                                       padding_mode="circular"),
          lambda r: (f32(r, 1, 2, 6, 5),)),
    eager("max_pool2d", lambda lib: lib.nn.MaxPool2d(2), lambda r: (f32(r, 2, 3, 6, 6),)),
    eager("max_pool2d_options",
          lambda lib: lib.nn.MaxPool2d(3, stride=2, padding=1, dilation=1, ceil_mode=True),
          lambda r: (f32(r, 2, 3, 6, 6),)),
    eager("max_pool2d_indices", lambda lib: lib.nn.MaxPool2d((2, 3), return_indices=True),
          lambda r: (f32(r, 2, 3, 6, 6),)),
    eager("avg_pool2d", lambda lib: lib.nn.AvgPool2d(2), lambda r: (f32(r, 2, 3, 6, 6),)),
    eager("avg_pool2d_options",
          lambda lib: lib.nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False),
          lambda r: (f32(r, 2, 3, 6, 6),)),
    eager("relu", lambda lib: lib.nn.ReLU(), lambda r: (f32(r, 3, 4),)),
    eager("relu_inplace", lambda lib: lib.nn.ReLU(inplace=True), lambda r: (f32(r, 3, 4),)),
    eager("leaky_relu", lambda lib: lib.nn.LeakyReLU(), lambda r: (f32(r, 3, 4),)),
    eager("leaky_relu_options", lambda lib: lib.nn.LeakyReLU(0.2, inplace=True),
          lambda r: (f32(r, 3, 4),)),
    eager("sigmoid", lambda lib: lib.nn.Sigmoid(), lambda r: (f32(r, 3, 4),)),
    eager("tanh", lambda lib: lib.nn.Tanh(), lambda r: (f32(r, 3, 4),)),
    eager("gelu", lambda lib: lib.nn.GELU(), lambda r: (f32(r, 3, 4),)),
    eager("gelu_tanh", lambda lib: lib.nn.GELU("tanh"), lambda r: (f32(r, 3, 4),)),
    eager("softmax", lambda lib: lib.nn.Softmax(dim=1), lambda r: (f32(r, 3, 4),)),
    eager("log_softmax", lambda lib: lib.nn.LogSoftmax(dim=-1), lambda r: (f32(r, 2, 3, 4),)),
    eager("flatten", lambda lib: lib.nn.Flatten(), lambda r: (f32(r, 2, 3, 4, 5),)),
    eager("flatten_dims", lambda lib: lib.nn.Flatten(0, 2), lambda r: (f32(r, 2, 3, 4, 5),)),
    eager("unflatten", lambda lib: lib.nn.Unflatten(1, (2, 3)), lambda r: (f32(r, 4, 6),)),
    eager("unflatten_list", lambda lib: lib.nn.Unflatten(-1, [2, -1]), lambda r: (f32(r, 4, 6),)),
    eager("dropout_eval", lambda lib: lib.nn.Dropout(0.3), lambda r: (f32(r, 3, 4),), ("eval",)),
    eager("dropout_inplace_eval", lambda lib: lib.nn.Dropout(0.3, inplace=True),
          lambda r: (f32(r, 3, 4),), ("eval",)),
    eager("mse_loss", lambda lib: lib.nn.MSELoss(), lambda r: (f32(r, 3, 4), f32(r, 3, 4))),
    eager("mse_loss_sum", lambda lib: lib.nn.MSELoss(reduction="sum"),
          lambda r: (f32(r, 3, 4), f32(r, 3, 4))),
    eager("l1_loss", lambda lib: lib.nn.L1Loss(), lambda r: (f32(r, 3, 4), f32(r, 3, 4))),
    eager("l1_loss_none", lambda lib: lib.nn.L1Loss(reduction="none"),
          lambda r: (f32(r, 3, 4), f32(r, 3, 4))),
    eager("cross_entropy", lambda lib: lib.nn.CrossEntropyLoss(),
          lambda r: (f32(r, 6, 5), classes(r, 5, 6))),
    eager("cross_entropy_options",
          lambda lib: lib.nn.CrossEntropyLoss(weight=lib.tensor(CLASS_WEIGHT), ignore_index=1,
                                              label_smoothing=0.1),
          lambda r: (f32(r, 6, 5), classes(r, 5, 6))),
    eager("cross_entropy_probs", lambda lib: lib.nn.CrossEntropyLoss(reduction="sum"),
          lambda r: (f32(r, 6, 5), probs(r, 6, 5))),
    eager("nll_loss", lambda lib: lib.nn.NLLLoss(weight=lib.tensor(CLASS_WEIGHT),
                                                 reduction="none"),
          lambda r: (f32(r, 6, 5), classes(r, 5, 6))),
    eager("bce_loss", lambda lib: lib.nn.BCELoss(), lambda r: (probs(r, 4, 5), probs(r, 4, 5))),
    eager("bce_loss_weight", lambda lib: lib.nn.BCELoss(weight=lib.tensor(CLASS_WEIGHT)),
          lambda r: (probs(r, 4, 5), probs(r, 4, 5))),
    eager("bce_with_logits", lambda lib: lib.nn.BCEWithLogitsLoss(),
          lambda r: (f32(r, 4, 5), probs(r, 4, 5))),
    eager("bce_with_logits_weights",
          lambda lib: lib.nn.BCEWithLogitsLoss(weight=lib.tensor(CLASS_WEIGHT),
                                               pos_weight=lib.tensor(POS_WEIGHT)),
          lambda r: (f32(r, 4, 5), probs(r, 4, 5))),
]
# fmt: on
