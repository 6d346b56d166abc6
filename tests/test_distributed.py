"""Multi-process ``DistributedDataParallel``, the ``torchrun``-like launcher and fully-sharded
training, each checked against a single-process PyTorch run computed here.

Several processes (and simulated devices, fixed when JAX starts) mean subprocesses: two real
processes on localhost talk through ``jax.distributed`` with gloo CPU collectives.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import torch as ref
from _helpers import ROOT, free_port

# Each rank starts from different weights (DDP must broadcast rank 0's), reads its shard of the
# data through DistributedSampler, and trains eagerly then compiled.
DDP_SCRIPT = textwrap.dedent(
    """
    import json

    import numpy as np

    import torchlike as torch
    import torchlike.distributed as dist
    from torchlike import nn
    from torchlike.utils.data import DataLoader, DistributedSampler, TensorDataset

    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    rng = np.random.default_rng(0)
    data = TensorDataset(
        torch.tensor(rng.standard_normal((48, 6)).astype(np.float32)),
        torch.tensor(rng.integers(0, 3, 48)),
    )

    def make():
        model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
        with torch.no_grad():
            for i, p in enumerate(model.parameters()):
                p.copy_(torch.linspace(-0.5, 0.5, p.numel()).reshape(p.shape) * (i + 1 + rank))
        return model

    def step(model, opt, x, y):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    out = {"rank": rank, "world": world, "env": [os.environ.get(k) for k in ENV]}
    for mode in ("eager", "compiled"):
        model = nn.parallel.DistributedDataParallel(make())
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        sampler = DistributedSampler(data, shuffle=True, seed=1)
        loader = DataLoader(data, batch_size=8, sampler=sampler)
        run = torch.compile(step) if mode == "compiled" else step
        losses = []
        for epoch in range(2):
            sampler.set_epoch(epoch)
            losses += [run(model, opt, x, y).item() for x, y in loader]
        out[mode] = [losses, [p.detach().numpy().tolist() for p in model.module.parameters()]]
        if mode == "compiled":
            out["compiles"] = run.num_compiles
    # Gradient accumulation: a no_sync() backward stays local, the next one averages the sums.
    model = nn.parallel.DistributedDataParallel(make())
    x, y = data[8 * rank : 8 * rank + 8]
    with model.no_sync():
        nn.functional.cross_entropy(model(x), y).backward()
    local = model.module[0].weight.grad.numpy().tolist()
    x, y = data[16 + 8 * rank : 24 + 8 * rank]
    nn.functional.cross_entropy(model(x), y).backward()
    out["no_sync"] = [local, model.module[0].weight.grad.numpy().tolist()]
    with open(f"result{rank}.json", "w") as f:
        json.dump(out, f)
    sys.stdout.write(f"rank {rank} done\\n")  # one write: whole lines in the shared stream
    dist.destroy_process_group()
    """
)
ENV = ["LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR"]
DDP_SCRIPT = f"import os\nimport sys\nENV = {ENV!r}\n" + DDP_SCRIPT


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    return dict(env, PYTHONPATH=ROOT, **extra)


def _reference_model_and_data():
    """Rank 0's starting model in PyTorch, and the script's data."""
    rng = np.random.default_rng(0)
    x = ref.tensor(rng.standard_normal((48, 6)).astype(np.float32))
    y = ref.tensor(rng.integers(0, 3, 48))
    model = ref.nn.Sequential(ref.nn.Linear(6, 16), ref.nn.ReLU(), ref.nn.Linear(16, 3))
    with ref.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(ref.linspace(-0.5, 0.5, p.numel()).reshape(p.shape) * (i + 1))
    return model, x, y


def _reference(world: int):
    """One PyTorch process trains on each step's rows of every rank (the full batches)."""
    import torchlike as tl
    from torchlike.utils.data import DistributedSampler, TensorDataset

    model, x, y = _reference_model_and_data()
    opt = ref.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    samplers = [
        DistributedSampler(TensorDataset(tl.zeros(48)), world, r, shuffle=True, seed=1)
        for r in range(world)
    ]
    losses = []
    for epoch in range(2):
        for s in samplers:
            s.set_epoch(epoch)
        shards = [list(s) for s in samplers]
        for k in range(0, len(shards[0]), 8):
            rows = [i for shard in shards for i in shard[k : k + 8]]
            opt.zero_grad()
            loss = ref.nn.functional.cross_entropy(model(x[rows]), y[rows])
            loss.backward()
            opt.step()
            losses.append(loss.item())
    return losses, [p.detach().numpy() for p in model.parameters()]


def _results(folder) -> list[dict]:
    return [json.loads((folder / f"result{r}.json").read_text()) for r in range(2)]


@pytest.mark.parametrize("launch", ["processes", "launcher"])
def test_ddp_two_processes_equal_one_process_on_full_batches(tmp_path, launch):
    (tmp_path / "train.py").write_text(DDP_SCRIPT)
    if launch == "launcher":
        cmd = [sys.executable, "-m", "torchlike.distributed.run"]
        cmd += ["--standalone", "--nproc_per_node", "2", "train.py"]
        out = subprocess.run(
            cmd, cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=240
        )
        assert out.returncode == 0, out.stderr[-3000:]
        assert sorted(out.stdout.splitlines()[-2:]) == ["rank 0 done", "rank 1 done"]
    else:
        port = str(free_port())
        procs = [
            subprocess.Popen(
                [sys.executable, "train.py"],
                cwd=tmp_path,
                env=_env(MASTER_ADDR="127.0.0.1", MASTER_PORT=port, WORLD_SIZE="2", RANK=str(r)),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for r in range(2)
        ]
        outs = [p.communicate(timeout=240) for p in procs]
        for p, (_, err) in zip(procs, outs):
            assert p.returncode == 0, err[-3000:]
    results = _results(tmp_path)
    assert [(r["rank"], r["world"]) for r in results] == [(0, 2), (1, 2)]
    if launch == "launcher":
        assert [r["env"] for r in results] == [["0", "2", "127.0.0.1"], ["1", "2", "127.0.0.1"]]
    ref_losses, ref_params = _reference(2)
    for mode in ("eager", "compiled"):
        (losses0, params0), (losses1, params1) = results[0][mode], results[1][mode]
        assert params0 == params1, mode  # the replicas stay identical
        for got, want in zip(params0, ref_params):
            np.testing.assert_allclose(got, want, atol=1e-5, err_msg=mode)
        if mode == "eager":  # each process reports its own rows' loss, as PyTorch's DDP does
            losses0 = (np.array(losses0) + np.array(losses1)) / 2
        else:  # the compiled step's loss is the global batch's
            assert losses0 == losses1
        np.testing.assert_allclose(losses0, ref_losses, rtol=1e-5, err_msg=mode)
    assert results[0]["compiles"] <= 2
    # no_sync: each rank's first gradient is its own; after the second backward every rank
    # holds the average over ranks of its two-batch sum.
    model, x, y = _reference_model_and_data()

    def loss(start):
        return ref.nn.functional.cross_entropy(model(x[start : start + 8]), y[start : start + 8])

    local = [ref.autograd.grad(loss(8 * r), model[0].weight)[0] for r in range(2)]
    total = sum(loss(8 * r) + loss(16 + 8 * r) for r in range(2)) / 2
    total.backward()
    for r in range(2):
        np.testing.assert_allclose(results[r]["no_sync"][0], local[r], atol=1e-6)
        np.testing.assert_allclose(results[r]["no_sync"][1], model[0].weight.grad, atol=1e-6)


FAILING = textwrap.dedent(
    """
    import os, sys, time
    rank = os.environ["RANK"]
    sys.stdout.write(f"worker {rank} of {os.environ['WORLD_SIZE']}\\n")  # one write: one line
    open(f"started{rank}", "w").close()
    if rank == "1":  # fails once every worker has started
        while not all(os.path.exists(f"started{r}") for r in range(3)):
            time.sleep(0.05)
        sys.exit(3)
    time.sleep(120)
    """
)


def test_launcher_fails_fast(tmp_path):
    (tmp_path / "fail.py").write_text(FAILING)
    start = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-m", "torchlike.distributed.run", "--nproc-per-node", "3", "fail.py"],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=100,
    )
    assert out.returncode == 3, out.stderr
    assert time.monotonic() - start < 60  # the sleeping workers were stopped
    assert sorted(out.stdout.splitlines()) == [f"worker {r} of 3" for r in range(3)]
    assert "worker 1" in out.stderr and "exit code 3" in out.stderr


# Fully-sharded training over 8 simulated devices: FSDP eager and compiled, fully_shard, and one
# parameter placed by hand on a 2-D mesh; each prints its losses and final parameters.
FSDP_SCRIPT = textwrap.dedent(
    """
    import json

    import jax
    import numpy as np
    from jax.sharding import Mesh, PartitionSpec

    import torchlike as torch
    from torchlike import nn
    from torchlike.distributed import shard_parameter
    from torchlike.distributed.fsdp import FullyShardedDataParallel, fully_shard

    assert jax.device_count() == 8
    rng = np.random.default_rng(0)
    xs = [torch.tensor(rng.standard_normal((16, 8)).astype(np.float32)) for _ in range(3)]
    ys = [torch.tensor(rng.integers(0, 8, 16)) for _ in range(3)]

    def make():
        model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 8))
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

    def device_bytes(tensors):
        out = {}
        for t in tensors:
            for s in t._data.addressable_shards:
                out[s.device.id] = out.get(s.device.id, 0) + s.data.nbytes
        return [out[d.id] for d in jax.devices()]

    results = {}
    for mode in ("fsdp_eager", "fsdp_compiled", "fully_shard_compiled", "annotated_compiled"):
        inner = make()
        if mode.startswith("fsdp"):
            model = FullyShardedDataParallel(inner)
            assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
        elif mode.startswith("fully_shard"):
            model = fully_shard(inner)
        else:
            model = inner
            mesh = Mesh(np.array(jax.devices()).reshape(4, 2), ("rows", "cols"))
            shard_parameter(inner[0].weight, mesh, ("rows", "cols"))
        opt = torch.optim.Adam(model.parameters(), lr=0.05)
        run = torch.compile(step) if mode.endswith("compiled") else step
        losses = [run(model, opt, x, y).item() for x, y in zip(xs, ys)]
        params = list(inner.parameters())
        if mode == "annotated_compiled":
            assert inner[0].weight._data.sharding.spec == PartitionSpec("rows", "cols")
        else:
            total = sum(p._data.nbytes for p in params)
            per_device = device_bytes(params)
            assert per_device == [total // 8] * 8, (per_device, total)
            state = [opt.state[p]["exp_avg"] for p in params] + [
                opt.state[p]["exp_avg_sq"] for p in params
            ]
            assert device_bytes(state) == [2 * total // 8] * 8
            for p in params:
                assert not p._data.sharding.is_fully_replicated
                assert opt.state[p]["exp_avg"]._data.sharding == p._data.sharding
            if mode == "fsdp_compiled":
                print(f"parameter bytes: total {total}, per device {per_device}")
        if mode.endswith("compiled"):
            assert run.num_compiles <= 2, run.num_compiles
        results[mode] = [losses, [p.detach().numpy().tolist() for p in params]]
    print("RESULT " + json.dumps(results))
    """
)


def test_fully_sharded_training_over_8_devices_equals_pytorch(tmp_path):
    (tmp_path / "fsdp.py").write_text(FSDP_SCRIPT)
    env = _env(XLA_FLAGS="--xla_force_host_platform_device_count=8")
    out = subprocess.run(
        [sys.executable, "fsdp.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "parameter bytes: total 2208, per device [276, 276" in out.stdout
    results = json.loads(out.stdout.split("RESULT ")[-1])

    rng = np.random.default_rng(0)
    xs = [ref.tensor(rng.standard_normal((16, 8)).astype(np.float32)) for _ in range(3)]
    ys = [ref.tensor(rng.integers(0, 8, 16)) for _ in range(3)]
    model = ref.nn.Sequential(ref.nn.Linear(8, 32), ref.nn.ReLU(), ref.nn.Linear(32, 8))
    with ref.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(ref.linspace(-0.5, 0.5, p.numel()).reshape(p.shape) * (i + 1))
    opt = ref.optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for x, y in zip(xs, ys):
        opt.zero_grad()
        loss = ref.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert len(results) == 4
    for mode, (got_losses, got_params) in results.items():
        np.testing.assert_allclose(got_losses, losses, rtol=1e-5, err_msg=mode)
        for got, want in zip(got_params, model.parameters()):
            np.testing.assert_allclose(got, want.detach().numpy(), atol=1e-5, err_msg=mode)


@pytest.mark.parametrize(
    "shape, n, spec",
    [
        ((32, 8), 8, ("fsdp", None)),  # the largest dimension the device count divides
        ((8, 32), 8, (None, "fsdp")),
        ((16, 16), 8, ("fsdp", None)),  # ties: the first
        ((6, 16), 4, (None, "fsdp")),
        ((10, 3), 4, ()),  # nothing divides: replicated
        ((4,), 8, ()),  # smaller than the mesh: replicated
        ((), 8, ()),
        ((32, 8), 1, ()),
    ],
)
def test_fsdp_shard_spec(shape, n, spec):
    from jax.sharding import PartitionSpec

    from torchlike.distributed.fsdp import shard_spec

    assert shard_spec(shape, n) == PartitionSpec(*spec)


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["--nproc-per-node", "4", "s.py", "--lr", "1"], (4, 29500, False, ["--lr", "1"])),
        (["--nproc_per_node=2", "--master_port", "1234", "s.py"], (2, 1234, False, [])),
        (["--standalone", "--nproc-per-node", "3", "-m", "pkg.mod"], (3, 29500, True, [])),
    ],
)
def test_launcher_arguments(argv, expected):
    from torchlike.distributed.run import _nproc, _parser

    args = _parser().parse_args(argv)
    got = (_nproc(args.nproc_per_node), args.master_port, args.standalone)
    assert got + (args.training_script_args,) == expected
    assert args.module == ("-m" in argv)
