"""DataLoader workers with PyTorch's fork semantics (Linux): each worker sees the training
process as it was when the iterator was made, nothing is pickled. The same programs run with
real PyTorch and with torchlike (a script without a main guard, the same program fed on stdin,
the tutorial shape under ``python -m torchlike run``), each under a watchdog (a hang fails)."""

from __future__ import annotations

import sys

import pytest
from _helpers import run_python

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork: Linux only")


# Nothing here pickles: a class of __main__ (also when the program comes on stdin), a lock in
# the dataset, lambdas as collate_fn and worker_init_fn, an attribute changed before the loop.
# JAX has started before the workers, and a computation is in flight when they are forked.
# Items are built with torch.tensor inside the worker; num_workers 1 and 2.
BODY = """
import threading

import torch
from torch.utils.data import DataLoader, Dataset


class Squares(Dataset):
    def __init__(self):
        self.lock = threading.Lock()
        self.offset = 0

    def __len__(self):
        return 6

    def __getitem__(self, i):
        with self.lock:
            return torch.tensor([i * i + self.offset]), i / 2


def show(batch):
    if isinstance(batch, list):
        return [show(b) for b in batch]
    return [str(batch.dtype), batch.tolist()]


data = Squares()
x = torch.ones(300, 300)
data.offset = int((x @ x).sum().item() == 9e4 * 300)  # 1, seen by the workers
loaders = [
    DataLoader(data, batch_size=4, num_workers=w, collate_fn=c, worker_init_fn=lambda i: None)
    for w in (1, 2)
    for c in (None, lambda b: torch.stack([t for t, _ in b]).flatten() * 2)
]
"""

UNGUARDED = (
    BODY
    + """
for loader in loaders:
    y = x @ x  # in flight while the workers are forked
    print(loader.num_workers, show(list(loader)))
"""
)

# The tutorial shape: loaders built at module level, iterated under the main guard.
GUARDED = (
    BODY
    + """
if __name__ == "__main__":
    for loader in loaders:
        y = x @ x
        print(loader.num_workers, show(list(loader)))
"""
)


def run(args, cwd, stdin=None) -> list[str]:
    return run_python(args, cwd, stdin=stdin, timeout=240, clean_stderr=True).splitlines()


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The lines real PyTorch prints for these programs (its Linux workers are forked)."""
    folder = tmp_path_factory.mktemp("torch")
    (folder / "prog.py").write_text(UNGUARDED)
    lines = run(["prog.py"], folder)
    assert len(lines) == 4
    return lines


def as_torchlike(text: str) -> str:
    return text.replace("import torch\n", "import torchlike as torch\n").replace(
        "from torch.", "from torchlike."
    )


def test_an_unguarded_script(tmp_path, reference):
    (tmp_path / "prog.py").write_text(as_torchlike(UNGUARDED))
    assert run(["prog.py"], tmp_path) == reference


def test_a_program_fed_on_stdin(tmp_path, reference):
    """No file to import the __main__ classes from (a REPL or a notebook is the same case)."""
    assert run(["-"], tmp_path, stdin=as_torchlike(UNGUARDED)) == reference


def test_the_tutorial_shape_under_torchlike_run(tmp_path, reference):
    """``import torch`` resolved to torchlike; the module builds its loaders, the guard iterates
    them: the workers must not run the module again (which would start workers again)."""
    (tmp_path / "prog.py").write_text(GUARDED)
    assert run(["-m", "torchlike", "run", "prog.py"], tmp_path) == reference


def test_torchlike_ops_in_a_forked_worker_match_the_main_process():
    """A forked worker runs torchlike on NumPy: each op of a table (creation, arithmetic,
    indexing, reductions, casts, random streams, ...) gives the main process' values and dtypes."""
    import data_worker_helpers as helpers
    import numpy as np

    from torchlike.utils import data

    ops = helpers.Ops()
    here = [ops[k] for k in range(len(ops))]
    loader = data.DataLoader(ops, batch_size=None, num_workers=1, collate_fn=lambda b: b)
    there = list(loader)
    assert len(there) == len(here)
    for name, mine, theirs in zip(ops.names, here, there):
        assert len(mine) == len(theirs), name
        for a, b in zip(mine, theirs):
            assert a.dtype == b.dtype and a.shape == b.shape, name
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6, err_msg=name)


def test_an_op_without_a_numpy_version_says_so():
    import data_worker_helpers as helpers

    from torchlike.utils import data

    loader = data.DataLoader(helpers.Conv(), batch_size=None, num_workers=1)
    with pytest.raises(
        RuntimeError, match="conv_general_dilated cannot run in a DataLoader worker"
    ):
        list(loader)
