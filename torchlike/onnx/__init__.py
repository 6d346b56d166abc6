"""``torch.onnx``: export a torchlike model as a standard ``.onnx`` file.

:func:`export` traces the model's forward into a JAX program (``jax.make_jaxpr``) and translates
that program's primitives to ONNX operators with the ``onnx`` package's helper API (see
``_jaxpr_to_onnx.py``). The ``onnx`` package is an optional extra, ``pip install torchlike[onnx]``;
this module imports without it, and :func:`export` says what to install when it is missing.

Why not ``jax2onnx``: it pins ``orbax-checkpoint<0.11.37`` (torchlike needs 0.12) and pulls
``onnxruntime``, ``huggingface-hub``, ``netron`` and ``equinox`` in as runtime dependencies; the
primitives torchlike's layers lower to are few enough to translate directly.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import IO, Any

__all__ = ["export", "is_in_onnx_export"]

DEFAULT_OPSET = 17
_exporting = False


def is_in_onnx_export() -> bool:
    """True while :func:`export` is tracing the model."""
    return _exporting


def _flat_tensors(out, kind: str) -> list:
    from .._tensor import Tensor

    if isinstance(out, Tensor):
        return [out]
    if isinstance(out, (list, tuple)):
        return [t for o in out for t in _flat_tensors(o, kind)]
    if isinstance(out, dict):
        return [t for o in out.values() for t in _flat_tensors(o, kind)]
    raise TypeError(f"torchlike.onnx.export: the model's {kind} must be tensors, got {type(out)}")


def _names(given: Sequence[str] | None, n: int, stem: str) -> list[str]:
    given = list(given or [])
    if len(given) > n:
        raise ValueError(f"{len(given)} {stem} names given for {n} {stem}s")
    return given + [f"{stem}_{i}" if n > 1 else stem for i in range(len(given), n)]


def _axes(spec: Mapping[str, Any] | None) -> dict[str, dict[int, str]]:
    """``dynamic_axes`` in either PyTorch form: ``{name: {axis: label}}`` or ``{name: [axes]}``."""
    out = {}
    for name, axes in (spec or {}).items():
        if isinstance(axes, Mapping):
            out[name] = {int(a): str(label) for a, label in axes.items()}
        else:
            out[name] = {int(a): f"{name}_dynamic_axes_{i + 1}" for i, a in enumerate(axes)}
    return out


def export(
    model,
    args: Any = (),
    f: str | os.PathLike | IO[bytes] | None = None,
    *,
    kwargs: dict[str, Any] | None = None,
    verbose: bool | None = None,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    opset_version: int | None = None,
    dynamo: bool = True,
    export_params: bool = True,
    keep_initializers_as_inputs: bool = False,
    dynamic_axes: Mapping[str, Mapping[int, str]] | Mapping[str, Sequence[int]] | None = None,
    do_constant_folding: bool = True,
    **unsupported: Any,
) -> None:
    """Write ``model`` (a torchlike ``nn.Module`` or function of tensors) applied to ``args`` as
    an ONNX model to ``f``.

    Args:
        model: the module (exported in eval mode, as PyTorch's ``TrainingMode.EVAL``) or function.
        args: a tensor or a tuple of tensors, the example inputs.
        f: a path or a binary file object.
        kwargs: keyword arguments for the forward (not graph inputs).
        verbose: print the graph.
        input_names, output_names: graph input/output names (default ``input``/``output``,
            numbered when several).
        opset_version: the ONNX opset (13 or later). Default: 17.
        dynamo: accepted for PyTorch's signature; torchlike has one exporter.
        export_params: must be True (parameters are stored as initializers, named by their
            ``state_dict`` keys).
        keep_initializers_as_inputs: must be False.
        dynamic_axes: ``{name: {axis: label}}`` or ``{name: [axes]}``; one dynamic size (e.g. the
            batch) is supported, shared by all inputs that name it, and dimensions that are
            multiples of it (``batch * seq`` after a flatten) follow it.
        do_constant_folding: accepted; constants are already folded by the trace.

    Raises:
        ImportError: the ``onnx`` package is not installed (``pip install torchlike[onnx]``).
        NotImplementedError: the model uses a JAX primitive without an ONNX translation (named).
    """
    for name, value in unsupported.items():
        raise TypeError(f"torchlike.onnx.export does not support the argument '{name}' ({value!r})")
    if not export_params or keep_initializers_as_inputs:
        raise ValueError(
            "torchlike.onnx.export stores parameters as initializers: export_params must be True "
            "and keep_initializers_as_inputs False"
        )
    if f is None:
        raise ValueError("torchlike.onnx.export needs f, a path or a binary file object")
    try:
        import onnx
    except ImportError:
        raise ImportError(
            "torchlike.onnx.export needs the 'onnx' package: pip install 'torchlike[onnx]' "
            "(or pip install onnx)"
        ) from None
    from ._trace import trace_to_onnx

    opset = DEFAULT_OPSET if opset_version is None else int(opset_version)
    if opset < 13:
        raise ValueError(f"torchlike.onnx.export supports opset_version 13 or later, got {opset}")
    global _exporting
    _exporting = True
    try:
        proto = trace_to_onnx(
            model,
            args,
            kwargs or {},
            input_names,
            output_names,
            _axes(dynamic_axes),
            opset,
        )
    finally:
        _exporting = False
    if verbose:
        print(onnx.helper.printable_graph(proto.graph))
    onnx.save_model(proto, f)
