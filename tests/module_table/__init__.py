"""The module registry: one ``ModuleInfo`` row per layer configuration, checked against PyTorch
by the generic tests of ``test_layers.py`` (outputs, input and parameter gradients, the state
after the step, eagerly and compiled; ``state_dict`` keys, shapes and dtypes; ``repr``).

* :mod:`.core`: the row type and the harness (``pair``, ``forward_backward``, ``cases``);
* :mod:`.basic`: linear, 2-d convolution and pooling, activations, losses (eager rows);
* :mod:`.zoo`: convolution, pooling, normalisation, dropout, embedding, padding, folding;
* :mod:`.parity`: ``Row`` and its checks, for layers whose results are nested (recurrent layers,
  attention, ``PackedSequence``) or that are functional calls (``ROWS``, also run by
  ``test_layers.py``);
* :mod:`.recurrent`: ``Row``s of ``RNN``/``LSTM``/``GRU`` and their cells (``test_rnn.py``);
* :mod:`.attention`: ``Row``s of attention and the transformer layers (``test_transformer.py``);
* :mod:`.functional_layers`: ``Row``s of the layers wrapping ``nn.functional`` rows (``Upsample``,
  distance and loss modules, shuffles, ``RMSNorm``, ``Bilinear``, ``LPPool``, ``MaxUnpool``).

Adding a layer means adding a row to its family's module.
"""

from __future__ import annotations

from . import attention, basic, functional_layers, recurrent, zoo
from .core import ModuleInfo
from .parity import Row

LAYERS: list[ModuleInfo] = [*basic.LAYERS, *zoo.LAYERS]

# Rows with nested results or functional calls, for parity's checks: all of them eagerly, the
# compiled and finite-difference checks on the rows each family names (compiling every
# recurrent or attention row would cost minutes), state_dict and repr where there is a module.
ROWS: list[Row] = [*recurrent.ROWS, *attention.ROWS, *functional_layers.LAYERS]
_COMPILED = {*recurrent.COMPILE_ROWS, *attention.COMPILE_ROWS} | {
    r.id for r in functional_layers.LAYERS
}
COMPILED_ROWS = [r for r in ROWS if r.id in _COMPILED]
FD_ROWS = [r for r in ROWS if r.id in {*recurrent.FD_ROWS, *attention.FD_ROWS}]
MODULE_ROWS = [r for r in ROWS if r.make is not None]
assert len({r.id for r in ROWS}) == len(ROWS), "duplicate row ids"

__all__ = ["COMPILED_ROWS", "FD_ROWS", "LAYERS", "MODULE_ROWS", "ROWS", "ModuleInfo", "Row"]
