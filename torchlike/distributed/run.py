"""``python -m torchlike.distributed.run``: a local ``torchrun``.

Starts ``--nproc-per-node`` copies of a script (or, with ``-m``, a module) on this machine with
the environment ``torchrun`` gives its workers (``MASTER_ADDR``, ``MASTER_PORT``, ``RANK``,
``WORLD_SIZE``, ``LOCAL_RANK``, ``LOCAL_WORLD_SIZE``, ``GROUP_RANK``, ``ROLE_RANK``,
``ROLE_WORLD_SIZE``, ``TORCHELASTIC_RUN_ID``), so that ``init_process_group()`` in the script
connects them through ``jax.distributed``. The workers write straight to this
process's stdout and stderr. When one fails, the others are stopped and the launcher exits with
that worker's exit code, as ``torchrun`` does.

Kept from ``torchrun``: ``--nproc-per-node``/``--nproc_per_node`` (a number, or ``cpu``/``auto``
for the CPU count), ``--master-addr``, ``--master-port``, ``--standalone`` (a free local port),
``--node-rank`` and ``--nnodes`` (one node only), ``-m``/``--module``, ``--no-python``,
``--run-id``; underscores and dashes are interchangeable. Not supported: several nodes, elastic
restarts (``--max-restarts`` is accepted and must be 0), ``--rdzv-*`` back-ends other than the
local one.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import uuid


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m torchlike.distributed.run",
        description="Start several worker processes of a script on this machine (torchrun).",
    )

    def opt(*names, **kw):  # each --long-option also as --long_option
        spellings = [s for n in names for s in (n, "--" + n[2:].replace("-", "_"))]
        p.add_argument(*dict.fromkeys(s for s in spellings if s != "--"), **kw)

    opt("--nproc-per-node", default="1", help="workers to start (a number, 'cpu' or 'auto')")
    opt("--nnodes", default="1", help="must be 1")
    opt("--node-rank", type=int, default=0, help="must be 0")
    opt("--master-addr", default="127.0.0.1")
    opt("--master-port", type=int, default=29500)
    opt("--standalone", action="store_true", help="pick a free port on localhost")
    opt("--max-restarts", type=int, default=0, help="must be 0")
    opt("--run-id", default=None)
    opt("--rdzv-backend", default="static")
    opt("--rdzv-endpoint", default="")
    opt("--rdzv-id", default=None)
    opt("-m", "--module", action="store_true", help="run the script as a module (python -m)")
    opt("--no-python", action="store_true", help="run the script as a program, not with python")
    p.add_argument("training_script")
    p.add_argument("training_script_args", nargs=argparse.REMAINDER)
    return p


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _nproc(value: str) -> int:
    if value in ("cpu", "auto"):
        return os.cpu_count() or 1
    n = int(value)
    if n < 1:
        raise ValueError(f"--nproc-per-node must be positive, got {n}")
    return n


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.nnodes not in ("1", "1:1") or args.node_rank != 0:
        raise SystemExit("torchlike.distributed.run starts workers on one node only (--nnodes 1)")
    if args.max_restarts:
        raise SystemExit("torchlike.distributed.run does not restart workers (--max-restarts 0)")
    nproc = _nproc(args.nproc_per_node)
    addr, port = args.master_addr, args.master_port
    if args.rdzv_endpoint:
        addr, _, p = args.rdzv_endpoint.rpartition(":")
        port = int(p) if p else port
    if args.standalone:
        addr, port = "127.0.0.1", _free_port()
    if args.no_python:
        cmd = [args.training_script]
    elif args.module:
        cmd = [sys.executable, "-u", "-m", args.training_script]
    else:
        cmd = [sys.executable, "-u", args.training_script]
    cmd += args.training_script_args
    run_id = args.run_id or args.rdzv_id or uuid.uuid4().hex[:8]
    workers = [
        subprocess.Popen(cmd, env=worker_env(rank, nproc, addr, port, run_id))
        for rank in range(nproc)
    ]
    return _wait(workers)


def worker_env(rank: int, nproc: int, addr: str, port: int, run_id: str) -> dict:
    """The environment of worker ``rank`` of ``nproc`` on this node, as torchrun sets it."""
    return dict(
        os.environ,
        MASTER_ADDR=addr,
        MASTER_PORT=str(port),
        RANK=str(rank),
        WORLD_SIZE=str(nproc),
        LOCAL_RANK=str(rank),
        LOCAL_WORLD_SIZE=str(nproc),
        GROUP_RANK="0",
        GROUP_WORLD_SIZE="1",
        ROLE_RANK=str(rank),
        ROLE_WORLD_SIZE=str(nproc),
        ROLE_NAME="default",
        TORCHELASTIC_RUN_ID=run_id,
        TORCHELASTIC_RESTART_COUNT="0",
        TORCHELASTIC_MAX_RESTARTS="0",
    )


def _wait(workers: list[subprocess.Popen]) -> int:
    """Wait for every worker; on the first failure stop the rest and return its exit code."""
    try:
        while True:
            codes = [w.poll() for w in workers]
            failed = [(i, c) for i, c in enumerate(codes) if c not in (None, 0)]
            if failed:
                rank, code = failed[0]
                print(
                    f"torchlike.distributed.run: worker {rank} (pid {workers[rank].pid}) failed "
                    f"with exit code {code}; stopping the others",
                    file=sys.stderr,
                    flush=True,
                )
                _stop(workers)
                return code if code > 0 else 128 - code  # killed by a signal: 128 + signum
            if all(c == 0 for c in codes):
                return 0
            time.sleep(0.1)
    except KeyboardInterrupt:
        _stop(workers)
        return 130


def _stop(workers: list[subprocess.Popen]) -> None:
    for w in workers:
        if w.poll() is None:
            w.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 5
    for w in workers:
        try:
            w.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            w.kill()
            w.wait()


if __name__ == "__main__":
    sys.exit(main())
