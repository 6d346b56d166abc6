"""Helpers the test files share, one copy each: the repository root, running Python in a child
process, NumPy views of results, sample builders, and comparing exceptions with PyTorch's.

The op and module tables and their harnesses are in ``op_table/`` and ``module_table/``.
"""

from __future__ import annotations

import http.server
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence

import numpy as np
import pytest
import torch as ref

import torchlike as tl

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the repository

# PyTorch's ``assert_close`` defaults per result dtype, and its ``gradcheck`` settings.
TOL = {
    np.dtype(np.float32): dict(rtol=1.3e-6, atol=1e-5),
    np.dtype(np.float64): dict(rtol=1e-7, atol=1e-7),
}
FD_EPS, FD_TOL = 1e-6, dict(rtol=1e-3, atol=1e-5)


# -- child processes -------------------------------------------------------------------------------


def run_python(
    args: Sequence[str],
    cwd=None,
    *,
    timeout: float = 600,
    env: dict | None = None,
    stdin: str | None = None,
    pythonpath: str = ROOT,
    clean_stderr: bool = False,
) -> str:
    """Run ``python *args`` with torchlike importable (``PYTHONPATH``) and ``env`` added to the
    environment; fail with the end of its stderr unless it exits 0 (and, with ``clean_stderr``,
    printed no traceback); return its stdout. The timeout is the watchdog: a hung child fails
    the test instead of stalling the run."""
    out = subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        input=stdin,
        env=dict(os.environ, PYTHONPATH=pythonpath, **(env or {})),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert not clean_stderr or "Traceback" not in out.stderr, out.stderr[-3000:]
    return out.stdout


def result_line(stdout: str) -> dict:
    """The JSON of the ``RESULT {...}`` line an example script prints last."""
    last = stdout.rstrip().splitlines()[-1]
    assert last.startswith("RESULT "), last
    return json.loads(last[len("RESULT ") :])


# -- a local HTTP server (no network in the tests) ------------------------------------------------


class FileServer:
    """Serves ``files`` (path -> bytes) on 127.0.0.1. A path under ``/cut/`` sends half its bytes
    and closes the connection; under ``/stall/``, half its bytes and then waits for ``release``.
    Other unknown paths are 404s. ``log`` lists the paths requested, in order."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.log: list[str] = []
        self.stalled, self.release = threading.Event(), threading.Event()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802  (http.server's name)
                server.log.append(self.path)
                body = server.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.path.startswith(("/cut/", "/stall/")):
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    if self.path.startswith("/stall/"):
                        server.stalled.set()
                        server.release.wait(60)
                    return
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}"

    def url(self, folder: str) -> str:
        return f"{self.base}/{folder}/"

    def close(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- results as NumPy ------------------------------------------------------------------------------


def as_numpy(t) -> np.ndarray:
    """A torch or torchlike tensor's values (detached)."""
    return t.detach().numpy()


def to_numpy(out):
    """A (nested) result's tensors as arrays: dicts, tuples and lists keep their shape (as
    dicts and lists)."""
    if isinstance(out, dict):
        return {k: to_numpy(v) for k, v in out.items()}
    if isinstance(out, (tuple, list)):
        return [to_numpy(o) for o in out]
    return as_numpy(out)


# -- sample builders (NumPy Generator -> arrays) ---------------------------------------------------


def f32(r: np.random.Generator, *shape) -> np.ndarray:
    return r.standard_normal(shape).astype(np.float32)


def positive(r: np.random.Generator, *shape) -> np.ndarray:
    return r.uniform(0.5, 2.0, shape).astype(np.float32)


def probs(r: np.random.Generator, *shape) -> np.ndarray:
    """Values in (0, 1), away from the ends (BCE's clamps are not differentiable there)."""
    return r.uniform(0.05, 0.95, shape).astype(np.float32)


def classes(r: np.random.Generator, n_classes: int, *shape, ignore=None) -> np.ndarray:
    """Class indices in ``[0, n_classes)``; every third one ``ignore`` when given."""
    t = r.integers(0, n_classes, shape)
    if ignore is not None:
        t.flat[::3] = ignore
    return t


def call(*args, **kwargs) -> tuple[tuple, dict]:
    """A sample: positional and keyword arguments."""
    return args, kwargs


# -- exceptions ------------------------------------------------------------------------------------


def assert_raises_like_torch(
    build: Callable,
    theirs: tuple = (ref,),
    ours: tuple = (tl,),
    message: Callable[[str], str] = str,
) -> None:
    """``build(*theirs)`` (PyTorch) raises, and ``build(*ours)`` raises the same exception type
    with the same message (after ``message``, which may normalise what PyTorch leaves
    arbitrary, such as the order of a printed set)."""
    with pytest.raises(Exception) as expected:
        build(*theirs)
    with pytest.raises(Exception) as got:
        build(*ours)
    assert type(got.value) is type(expected.value), (got.value, expected.value)
    assert message(str(got.value)) == message(str(expected.value))
