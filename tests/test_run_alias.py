"""``python -m torchlike run script.py``: an unmodified PyTorch program runs on torchlike.

The same script runs under real PyTorch and under the alias; it prints its numbers, and the two
printouts must agree. The alias must also hold in ``spawn``-ed child processes, and a torch
module torchlike lacks must fail with an ImportError naming it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from _helpers import ROOT

SCRIPT = textwrap.dedent(
    """
    import sys
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from torch.utils.data import DataLoader, TensorDataset

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
    with torch.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(torch.linspace(-1, 1, p.numel()).reshape(p.shape) * (i + 1) / 4)
    x = torch.linspace(-2, 2, 24).reshape(6, 4)
    y = torch.tensor([0, 1, 2, 0, 1, 2])
    loader = DataLoader(TensorDataset(x, y), batch_size=3)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for epoch in range(3):
        for xb, yb in loader:
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
        print("loss", loss.item())
    print("weight", model[0].weight.sum().item())
    print("module", torch.__name__, file=sys.stderr)
    import pickle
    values = [x, x.shape, x.dtype, torch.device("cpu")]
    assert all(type(pickle.loads(pickle.dumps(v))) is type(v) for v in values)
    print("types", *[type(v) for v in values], file=sys.stderr)
    """
)


def run(args, cwd, **kw):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300, **kw
    )


def numbers(out: str) -> list[float]:
    return [float(line.split()[1]) for line in out.splitlines()]


def test_unmodified_script_gives_torchs_numbers(tmp_path):
    (tmp_path / "train.py").write_text(SCRIPT)
    theirs = run(["train.py"], tmp_path)
    ours = run(["-m", "torchlike", "run", "train.py"], tmp_path)
    assert theirs.returncode == 0, theirs.stderr
    assert ours.returncode == 0, ours.stderr
    assert "module torch\n" in theirs.stderr and "module torchlike\n" in ours.stderr
    # type(x) prints PyTorch's class names under the runner, and those names pickle
    types = [line for line in theirs.stderr.splitlines() if line.startswith("types")]
    assert types == [line for line in ours.stderr.splitlines() if line.startswith("types")]
    np.testing.assert_allclose(numbers(ours.stdout), numbers(theirs.stdout), rtol=1e-5)


def test_alias_holds_in_spawned_children(tmp_path):
    (tmp_path / "mp.py").write_text(
        textwrap.dedent(
            """
            import torch
            import torch.multiprocessing as mp

            def child(rank, q):
                import torch.nn
                q.put((rank, torch.__name__, torch.nn.__name__))

            if __name__ == "__main__":
                ctx = mp.get_context("spawn")
                q = ctx.SimpleQueue()
                mp.spawn(child, args=(q,), nprocs=2)
                print(sorted(q.get() for _ in range(2)))
            """
        )
    )
    out = run(["-m", "torchlike", "run", "mp.py"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(
        [(0, "torchlike", "torchlike.nn"), (1, "torchlike", "torchlike.nn")]
    )


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("import torch.no_such_module", "no counterpart of the module 'torch.no_such_module'"),
        ("import torchvision.no_such_module", "'torchvision.no_such_module'"),
    ],
)
def test_missing_modules_are_named(tmp_path, source, message):
    (tmp_path / "s.py").write_text(source + "\n")
    out = run(["-m", "torchlike", "run", "s.py"], tmp_path)
    assert out.returncode != 0 and message in out.stderr


def test_script_arguments_reach_the_script(tmp_path):
    (tmp_path / "a.py").write_text("import sys, torch\nprint(sys.argv, torch.__name__)\n")
    out = run(["-m", "torchlike", "run", "a.py", "--epochs", "2"], tmp_path)
    assert out.stdout.strip() == "['a.py', '--epochs', '2'] torchlike", out.stderr


def test_torchrun_module_under_the_alias(tmp_path):
    """``python -m torchlike run -m torch.distributed.run --nproc-per-node 2 script.py``: the
    launcher is torchlike's, and the workers it starts run the plain-torch script on torchlike."""
    (tmp_path / "ddp.py").write_text(
        textwrap.dedent(
            """
            import sys

            import torch
            import torch.distributed as dist

            dist.init_process_group("gloo")
            t = torch.tensor([float(dist.get_rank() + 1)])
            dist.all_reduce(t)
            kind = torch.__name__
            sys.stdout.write(f"rank {dist.get_rank()} {kind} {t.item()}\\n")  # one write: atomic
            dist.destroy_process_group()
            """
        )
    )
    out = run(
        [
            "-m",
            "torchlike",
            "run",
            "-m",
            "torch.distributed.run",
            "--standalone",  # a free port: no clash with other runs on 29500
            "--nproc-per-node",
            "2",
            "ddp.py",
        ],
        tmp_path,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    lines = sorted(line for line in out.stdout.splitlines() if line.startswith("rank "))
    assert lines == ["rank 0 torchlike 3.0", "rank 1 torchlike 3.0"], out.stdout + out.stderr


@pytest.mark.parametrize(
    "target",
    [
        ["missing.py"],
        ["-m", "no_such_module_anywhere"],
        ["-m", "email"],  # a package without __main__
    ],
)
def test_runner_errors_read_as_pythons(tmp_path, target):
    """The runner's own errors (a script it cannot open, a module it cannot find) are Python's
    one line and exit status, not a runpy traceback."""
    theirs = run(target, tmp_path)
    ours = run(["-m", "torchlike", "run", *target], tmp_path)
    assert (ours.returncode, ours.stderr) == (theirs.returncode, theirs.stderr)
    assert theirs.returncode in (1, 2) and theirs.stderr.count("\n") == 1
