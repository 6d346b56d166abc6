"""The module registry: one ``ModuleInfo`` row per layer configuration, checked against PyTorch
by the generic tests of ``test_layers.py`` (outputs, input and parameter gradients, the state
after the step, eagerly and compiled; ``state_dict`` keys, shapes and dtypes; ``repr``).

* :mod:`.core`: the row type and the harness (``pair``, ``forward_backward``, ``cases``);
* :mod:`.basic`: linear, 2-d convolution and pooling, activations, losses (eager rows);
* :mod:`.zoo`: convolution, pooling, normalisation, dropout, embedding, padding, folding;
* :mod:`.parity`: ``Row`` and its checks, for layers whose results are nested (recurrent layers,
  attention, ``PackedSequence``) or that are functional calls, used by ``test_rnn.py``,
  ``test_transformer.py`` and ``test_functional_more.py``.

Adding a layer means adding a row to its family's module.
"""

from __future__ import annotations

from . import basic, zoo
from .core import ModuleInfo

LAYERS: list[ModuleInfo] = [*basic.LAYERS, *zoo.LAYERS]

__all__ = ["LAYERS", "ModuleInfo"]
