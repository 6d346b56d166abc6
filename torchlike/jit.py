"""``torch.jit``: accepted so that scripts using it run; nothing is scripted.

``script`` and ``trace`` return the function or module unchanged (it already runs through XLA
op by op, or as one program with :func:`torchlike.compile`); the decorators are no-ops.
TorchScript archives (``torch.jit.save``/``load``) are not supported and say so.
"""

from __future__ import annotations


class TracerWarning(Warning):
    """Warned when a traced graph may not hold for other inputs (``add_graph`` traces)."""


def script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    return obj


def trace(func, example_inputs=None, *args, **kwargs):
    return func


def ignore(drop=False, **kwargs):
    return drop if callable(drop) else (lambda fn: fn)


def unused(fn):
    return fn


def export(fn):
    return fn


def is_scripting() -> bool:
    return False


def is_tracing() -> bool:
    return False


def save(m, f, _extra_files=None) -> None:
    raise NotImplementedError(
        "torch.jit.save writes TorchScript archives, which torchlike cannot produce; save the "
        "state_dict with torchlike.save instead"
    )


def load(f, map_location=None, _extra_files=None):
    raise NotImplementedError(
        "torch.jit.load reads TorchScript archives, which torchlike cannot run; load a "
        "state_dict with torchlike.load instead"
    )
