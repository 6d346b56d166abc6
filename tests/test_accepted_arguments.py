"""No silently ignored arguments: every parameter of a public function is used, or listed.

The sweep reads each public function's source and lists the parameters its body never references
(``out`` counts as used where the ``out=`` wrapper of ``torchlike/_ops/_out.py`` handles it). Each
must appear in the table of ``docs/ignored_arguments.md`` with its reason; a table row that no
longer matches a function fails too, so the table stays exact. Then a few fixed parameters are
checked against PyTorch.
"""

from __future__ import annotations

import ast
import inspect
import pathlib
import re
import textwrap
import types

import numpy as np
import pytest
import torch

import torchlike as tl
import torchlike.nn as nn
import torchlike.nn.functional as F
import torchlike.optim as optim
import torchlike.utils.data
import torchlike.utils.tensorboard  # noqa: F401  (the modules the sweep reads)

UTILITY_MODULES = {
    "torch.utils.data": tl.utils.data,
    "torch.utils.tensorboard": tl.utils.tensorboard,
    "optim.lr_scheduler": optim.lr_scheduler,
    "nn.init": nn.init,
    "nn.utils": nn.utils,
}
DOC = pathlib.Path(__file__).resolve().parents[1] / "docs" / "ignored_arguments.md"
SUBMODULES = ("linalg", "special", "random", "autograd", "cuda", "backends", "amp")


def _unwrap(fn):
    for _ in range(10):
        if not hasattr(fn, "__wrapped__"):
            break
        fn = fn.__wrapped__
    return fn


def unused_parameters(fn) -> list[str] | None:
    """The parameters ``fn``'s body never names (None: no Python source to read)."""
    f = _unwrap(fn)
    if not inspect.isfunction(f):
        return None
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(f)))
    except (OSError, TypeError, SyntaxError):
        return None
    node = next(
        n
        for n in ast.walk(tree)
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
    )
    a = node.args
    params = [p.arg for p in a.posonlyargs + a.args + a.kwonlyargs]
    body = node.body if isinstance(node.body, list) else [node.body]
    used = {n.id for stmt in body for n in ast.walk(stmt) if isinstance(n, ast.Name)}
    if "locals" in used:
        return []
    unused = [p for p in params if p not in used and p not in ("self", "cls")]
    if getattr(fn, "_handles_out", None):
        unused = [p for p in unused if p != "out"]
    return unused


def public_functions():
    """``(qualified name, function)`` for the public API the rule covers."""
    for name in sorted(dir(tl)):
        obj = getattr(tl, name) if not name.startswith("_") else None
        if callable(obj) and not isinstance(obj, (type, types.ModuleType)):
            yield f"torch.{name}", obj
    for sub in SUBMODULES:
        module = getattr(tl, sub)
        for name, obj in sorted(vars(module).items()):
            if not name.startswith("_") and inspect.isfunction(obj):
                yield f"torch.{sub}.{name}", obj
    for name, obj in sorted(vars(tl.Tensor).items()):
        if name.startswith("_") and name != "__init__":
            continue
        if isinstance(obj, (staticmethod, classmethod)):
            obj = obj.__func__
        if isinstance(obj, property):
            obj = obj.fset
        if callable(obj):
            yield f"Tensor.{name}", obj
    for name, obj in sorted(vars(F).items()):
        if not name.startswith("_") and inspect.isfunction(obj):
            yield f"F.{name}", obj
    for name, obj in sorted(vars(nn).items()):
        if isinstance(obj, type) and issubclass(obj, nn.Module):
            yield f"nn.{name}", obj.__init__
    for name, obj in sorted(vars(optim).items()):
        if isinstance(obj, type) and issubclass(obj, optim.Optimizer):
            yield f"optim.{name}", obj.__init__
    for label, module in UTILITY_MODULES.items():
        for name, obj in sorted(vars(module).items()):
            if name.startswith("_") or obj is tl.Tensor:
                continue
            if inspect.isfunction(obj):
                yield f"{label}.{name}", obj
            elif isinstance(obj, type) and obj.__module__.startswith("torchlike"):
                for attr, method in sorted(vars(obj).items()):
                    if inspect.isfunction(method) and (attr == "__init__" or attr[0] != "_"):
                        yield f"{label}.{name}.{attr}", method


def allowed_table() -> list[tuple[str, set[str]]]:
    """``(parameter, places)`` rows of the doc's table; ``{"*"}`` means anywhere."""
    rows = []
    for line in DOC.read_text().splitlines():
        m = re.match(r"\| `([\w]+)` \| (.+?) \| (.+) \|$", line)
        if m:
            places = {p.strip().strip("`") for p in m.group(2).split(",")}
            assert m.group(3).strip(), f"{m.group(1)}: a row needs its reason"
            rows.append((m.group(1), places))
    return rows


def test_no_accepted_and_unused_parameter():
    rows = allowed_table()
    assert len(rows) >= 20
    found, checked = [], 0
    for qual, fn in public_functions():
        unused = unused_parameters(fn)
        if unused is None:
            continue
        checked += 1
        found += [(qual, p) for p in unused]
    assert checked > 1000, "the sweep read too few functions"
    matched = set()
    offenders = []
    for qual, p in found:
        hits = [
            i
            for i, (param, places) in enumerate(rows)
            if param == p and ("*" in places or qual in places)
        ]
        matched.update(hits)
        if not hits:
            offenders.append(f"{qual}({p}=...)")
    assert not offenders, (
        "accepted but never used (implement PyTorch's effect, raise an error naming it, or add "
        f"a row with the reason to docs/ignored_arguments.md): {offenders}"
    )
    stale = [rows[i] for i in range(len(rows)) if i not in matched and "*" not in rows[i][1]]
    assert not stale, f"table rows that match no function any more: {stale}"


def test_methods_and_functions_without_out_reject_it():
    for lib in (torch, tl):
        for call in (
            lambda m: m.ones(2).exp(out=m.ones(2)),
            lambda m: m.nn.functional.tanh(m.ones(2), out=m.ones(2)),
            lambda m: m.det(m.eye(2), out=m.ones(())),
            lambda m: m.exp_(m.ones(2), out=m.ones(2)),
        ):
            with pytest.raises(TypeError, match="out|keyword"):
                call(lib)


def _both(fn):
    return fn(torch), fn(tl)


def _close(ours, theirs, tol=1e-5):
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=tol, atol=tol)


def test_fixed_parameters_match_torch():
    a = np.random.default_rng(0).random((4, 3)).astype(np.float32)
    a[:, 2] = a[:, 1]  # rank 2: the tolerances decide what is inverted
    for kw in (dict(rtol=0.1), dict(atol=0.5), dict(atol=0.1, rtol=0.2)):
        t, o = _both(lambda lib, kw=kw: lib.linalg.pinv(lib.from_numpy(a), **kw))
        _close(o, t)
    s = a.T @ a
    t, o = _both(lambda lib: lib.linalg.pinv(lib.from_numpy(s), rtol=1e-3, hermitian=True))
    _close(o, t, 1e-4)
    t, o = _both(lambda lib: lib.svd(lib.from_numpy(a), compute_uv=False))
    for x, y in zip(o, t, strict=True):
        assert tuple(x.shape) == tuple(y.shape)
    _close(o.U, t.U)
    _close(o.S, t.S)
    t, o = _both(lambda lib: lib.norm(lib.from_numpy(a), dtype=lib.float64))
    assert str(t.dtype) == repr(o.dtype)
    _close(o, t)
    for name in ("hann_window", "hamming_window", "blackman_window", "bartlett_window"):
        t, o = _both(lambda lib, n=name: getattr(lib, n)(5, requires_grad=True, device="cpu"))
        assert o.requires_grad and t.requires_grad
        _close(o, t)
    for name in ("svd", "svdvals"):
        t, o = _both(lambda lib, n=name: lambda: getattr(lib.linalg, n)(lib.eye(2), driver="gesvd"))
        with pytest.raises(RuntimeError, match="driver"):
            t()
        with pytest.raises(RuntimeError, match="driver"):
            o()
    t, o = _both(lambda lib: lib.linspace(-1.5, 2.0, 7, dtype=lib.int64))
    assert o.tolist() == t.tolist()
    for lib in (torch, tl):
        x = lib.ones(2, dtype=lib.int64)
        with pytest.raises(RuntimeError, match="(?i)only tensors of floating point"):
            lib.randint_like(x, 3, requires_grad=True)
        assert lib.randn_like(lib.ones(2), device="cpu").device.type == "cpu"
        assert lib.ones(2).new_zeros(3, device="cpu").device.type == "cpu"
