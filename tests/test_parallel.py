"""Data parallelism on simulated devices, and ``torch.distributed`` between real processes.

Device counts are fixed when JAX starts, so the multi-device runs happen in subprocesses with
``XLA_FLAGS=--xla_force_host_platform_device_count=8``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from _helpers import ROOT, free_port, run_python

import torchlike as tl

DATA_PARALLEL = textwrap.dedent(
    """
    import numpy as np
    import jax
    import torchlike as torch
    from torchlike import nn

    assert jax.device_count() == 8

    def make():
        model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
        with torch.no_grad():
            for i, p in enumerate(model.parameters()):
                p.copy_(torch.linspace(-0.5, 0.5, p.numel()).reshape(p.shape) * (i + 1))
        return model

    def step(model, opt, x, y):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    rng = np.random.default_rng(0)
    xs = [torch.tensor(rng.standard_normal((32, 6)).astype(np.float32)) for _ in range(4)]
    ys = [torch.tensor(rng.integers(0, 3, 32)) for _ in range(4)]
    results = {}
    for mode in ("single", "dp_eager", "dp_compiled", "ddp_compiled"):
        inner = make()
        model = {"single": lambda m: m, "ddp_compiled": nn.parallel.DistributedDataParallel}.get(
            mode, nn.DataParallel)(inner)
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        run = torch.compile(step) if mode.endswith("compiled") else step
        losses = [run(model, opt, x, y).item() for x, y in zip(xs, ys)]
        results[mode] = (losses, inner[0].weight.detach().numpy())
        if mode != "single":
            assert list(model.state_dict())[0] == "module.0.weight"
            spec = model(xs[0])._data.sharding.spec
            assert tuple(spec)[:1] == ("batch",), spec  # the output rows stay sharded
            assert inner[0].weight._data.sharding.is_fully_replicated
        if mode.endswith("compiled"):
            # The optimizer's scalars start on one device and come back from the first step
            # placed on the mesh: the second call compiles once for that placement, then never.
            assert run.num_compiles <= 2
    for mode in ("dp_eager", "dp_compiled", "ddp_compiled"):
        np.testing.assert_allclose(results[mode][0], results["single"][0], rtol=1e-5)
        np.testing.assert_allclose(results[mode][1], results["single"][1], atol=1e-5)
    print("ok")
    """
)


def test_data_parallel_over_8_devices_equals_one_device(tmp_path):
    (tmp_path / "dp.py").write_text(DATA_PARALLEL)
    env = dict(XLA_FLAGS="--xla_force_host_platform_device_count=8")
    assert run_python(["dp.py"], tmp_path, env=env, timeout=300).strip() == "ok"


def test_one_device_wrappers_are_transparent():
    model = tl.nn.Linear(3, 2)
    dp = tl.nn.DataParallel(model)
    x = tl.ones(4, 3)
    assert dp.module is model and (dp(x) == model(x)).all().item()
    assert list(dp.state_dict()) == ["module.weight", "module.bias"]
    assert repr(dp).startswith("DataParallel(\n  (module): Linear(")


COLLECTIVES = textwrap.dedent(
    """
    import torchlike as torch
    import torchlike.distributed as dist

    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    t = torch.tensor([float(rank + 1), 10.0 * (rank + 1)])
    dist.all_reduce(t)
    m = torch.tensor([float(rank)])
    dist.all_reduce(m, op=dist.ReduceOp.MAX)
    gathered = [torch.zeros(2) for _ in range(world)]
    dist.all_gather(gathered, torch.tensor([float(rank), -float(rank)]))
    b = torch.tensor([float(rank) + 5])
    dist.broadcast(b, src=1)
    dist.barrier()
    print(rank, world, t.tolist(), m.tolist(), [g.tolist() for g in gathered], b.tolist())
    dist.destroy_process_group()
    """
)


def test_collectives_between_two_real_processes(tmp_path):
    (tmp_path / "c.py").write_text(COLLECTIVES)
    port = str(free_port())
    procs = [
        subprocess.Popen(
            [sys.executable, "c.py"],
            cwd=tmp_path,
            env=dict(
                os.environ,
                PYTHONPATH=ROOT,
                MASTER_ADDR="127.0.0.1",
                MASTER_PORT=port,
                WORLD_SIZE="2",
                RANK=str(rank),
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for rank in range(2)
    ]
    outs = [p.communicate(timeout=240) for p in procs]
    for p, (_, err) in zip(procs, outs):
        assert p.returncode == 0, err[-3000:]
    lines = sorted(out.strip().splitlines()[-1] for out, _ in outs)
    expected = "[3.0, 30.0] [1.0] [[0.0, -0.0], [1.0, -1.0]] [6.0]"
    assert lines == [f"0 2 {expected}", f"1 2 {expected}"]


def test_single_process_group():
    import torchlike.distributed as dist

    with pytest.raises(ValueError, match="init_process_group"):
        dist.get_rank()
    dist.init_process_group("gloo", world_size=1, rank=0)
    try:
        assert (dist.get_rank(), dist.get_world_size(), dist.is_initialized()) == (0, 1, True)
        t = tl.tensor([1.0, 2.0])
        dist.all_reduce(t)
        out = [tl.zeros(2)]
        dist.all_gather(out, t)
        assert t.tolist() == out[0].tolist() == [1.0, 2.0]
    finally:
        dist.destroy_process_group()
    assert not dist.is_initialized()
