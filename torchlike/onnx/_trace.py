"""Tracing a torchlike model into two JAX programs for the converter."""

from __future__ import annotations

from typing import Any

import jax

from .. import no_grad
from .._tensor import Tensor
from . import _flat_tensors, _names
from ._jaxpr_to_onnx import build_model


def trace_to_onnx(model, args, kwargs, input_names, output_names, axes, opset: int):
    args = args if isinstance(args, tuple) else (args,)
    if args and isinstance(args[-1], dict) and not kwargs:  # PyTorch's trailing-dict form
        args, kwargs = args[:-1], args[-1]
    inputs = _flat_tensors(list(args), "inputs")
    if len(inputs) != len(args):
        raise TypeError("torchlike.onnx.export: args must be tensors")
    in_names = _names(input_names, len(inputs), "input")
    dynamic_inputs = {n: a for n, a in axes.items() if n in in_names}
    sizes = {inputs[in_names.index(n)].shape[i] for n, a in dynamic_inputs.items() for i in a}
    if len(sizes) > 1:
        raise NotImplementedError(
            "torchlike.onnx.export supports one dynamic size: the dynamic axes of the inputs "
            f"have sizes {sorted(sizes)} in the example"
        )
    b1 = sizes.pop() if sizes else 1
    b2 = b1 + 1 if dynamic_inputs else b1

    def forward(*arrays):
        with no_grad():
            out = model(*[Tensor._wrap(a) for a in arrays], **kwargs)
        return [t._data for t in _flat_tensors(out, "outputs")]

    def spec(t: Tensor, name: str, batch: int) -> jax.ShapeDtypeStruct:
        shape = [batch if i in dynamic_inputs.get(name, {}) else d for i, d in enumerate(t.shape)]
        return jax.ShapeDtypeStruct(tuple(shape), t._data.dtype)

    was_training = getattr(model, "training", None)
    if was_training:
        model.eval()
    try:
        closed1 = jax.make_jaxpr(forward)(*[spec(t, n, b1) for t, n in zip(inputs, in_names)])
        closed2 = closed1
        if b2 != b1:
            closed2 = jax.make_jaxpr(forward)(*[spec(t, n, b2) for t, n in zip(inputs, in_names)])
    finally:
        if was_training:
            model.train()
    out_names = _names(output_names, len(closed1.jaxpr.outvars), "output")
    return build_model(
        closed1,
        closed2,
        b1,
        b2,
        in_names,
        out_names,
        dynamic_inputs,
        {n: a for n, a in axes.items() if n in out_names},
        _constant_names(model),
        opset,
    )


def _constant_names(model: Any) -> dict[int, str]:
    """``id(array) -> state_dict key`` for the model's parameters and buffers."""
    state_dict = getattr(model, "state_dict", None)
    if state_dict is None:
        return {}
    return {id(v._data): k for k, v in state_dict().items() if isinstance(v, Tensor)}
