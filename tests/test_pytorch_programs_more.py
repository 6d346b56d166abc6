"""Three more ordinary PyTorch programs (``tests/pytorch_programs/``) run unmodified under real
PyTorch and under ``python -m torchlike run``, printing the same numbers (see
``test_pytorch_programs.py`` for the method: numpy data, and the PyTorch run's initial
``state_dict`` loaded by the torchlike run through ``--init``).

- ``finetune_checkpoint.py``: a frozen first layer, two parameter groups, gradient accumulation,
  ``clip_grad_norm_``, ``ReduceLROnPlateau``, ``no_grad``/``inference_mode`` evaluation, and a
  ``{"model", "optimizer", "scheduler", "epoch"}`` checkpoint resumed into fresh objects.
- ``text_classification.py``: a ``Dataset`` + ``DataLoader(collate_fn=...)`` padding with
  ``pad_sequence``, ``Embedding(padding_idx=0)``, a bidirectional GRU over
  ``pack_padded_sequence(enforce_sorted=False)``, ``EmbeddingBag`` with offsets, Adam.
- ``attention_seq.py``: ``nn.MultiheadAttention`` (batch_first, causal ``attn_mask``,
  ``key_padding_mask``) and ``F.scaled_dot_product_attention(is_causal=True)``, ``LayerNorm``,
  AdamW with two weight-decay groups under ``OneCycleLR``, ``ignore_index`` targets.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_pytorch_programs import _finish, _start, numbers, series

PROGRAMS = [
    # (script, arguments, the printed loss that must fall, the accuracy that must be reached)
    ("finetune_checkpoint.py", ["--init", "INIT"], "train_loss", 0.9),
    ("text_classification.py", ["--init", "INIT"], "train_loss", 0.85),
    ("attention_seq.py", ["--init", "INIT"], "loss", 0.8),
]


@pytest.mark.parametrize(
    ("script", "args", "loss", "accuracy"), PROGRAMS, ids=[p[0] for p in PROGRAMS]
)
def test_program_prints_torchs_numbers(tmp_path, script, args, loss, accuracy):
    args = [str(tmp_path / "init.pt") if a == "INIT" else a for a in args]
    # the torch run writes the initial state_dict the torchlike run reads: one after the other
    theirs_out = _finish(_start(script, args, tmp_path, torchlike=False), script, False)
    ours_out = _finish(_start(script, args, tmp_path, torchlike=True), script, True)
    theirs, ours = numbers(theirs_out), numbers(ours_out)
    assert len(theirs) >= 8
    assert [n for n, _ in ours] == [n for n, _ in theirs]
    for (name, a), (_, b) in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=2e-4, atol=1e-5, err_msg=name)
    losses = series(theirs_out, loss)
    assert len(losses) >= 3 and losses[-1] < 0.6 * losses[0], losses  # it learns something
    assert series(theirs_out, "accuracy")[-1] >= accuracy
