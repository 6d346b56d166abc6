"""Activation checkpointing, ``torch.utils.checkpoint``: ``checkpoint`` and
``checkpoint_sequential`` with PyTorch's signatures, results and gradients.

Where torchlike differs: PyTorch frees the activations of ``function`` and recomputes them in
backward to save memory; torchlike runs ``function`` once and its tape keeps what the backward
needs, so the numbers (and dropout masks) are PyTorch's but no memory is saved in eager mode.
Inside ``torchlike.compile`` XLA chooses what to keep or recompute.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

__all__ = ["checkpoint", "checkpoint_sequential"]


def _noop_context_fn():
    import contextlib

    return contextlib.nullcontext(), contextlib.nullcontext()


def _warn_reentrant(name: str) -> None:
    warnings.warn(
        f"{name}: the use_reentrant parameter should be passed explicitly. use_reentrant=False "
        "is recommended (torchlike computes the same for both).",
        UserWarning,
        stacklevel=3,
    )


def checkpoint(
    function: Callable,
    *args: Any,
    use_reentrant: bool | None = None,
    context_fn: Callable = _noop_context_fn,
    determinism_check: str = "default",
    debug: bool = False,
    early_stop: bool = True,
    **kwargs: Any,
) -> Any:
    """``function(*args, **kwargs)``, as PyTorch's ``checkpoint`` returns it.

    Args:
        function: what to run (a module or any callable of tensors).
        use_reentrant: accepted for compatibility; a ``UserWarning`` asks for it when omitted,
            as in PyTorch, and keyword arguments with ``use_reentrant=True`` raise
            ``ValueError`` as there.
        context_fn, determinism_check, debug, early_stop, preserve_rng_state: accepted and
            ignored (there is no recomputation to control).
    """
    if use_reentrant is None:
        _warn_reentrant("torch.utils.checkpoint")
        use_reentrant = True
    kwargs.pop("preserve_rng_state", True)
    if kwargs and use_reentrant:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    forward_ctx, _ = context_fn()
    with forward_ctx:
        return function(*args, **kwargs)


def checkpoint_sequential(
    functions, segments: int, input, use_reentrant: bool | None = None, **kwargs
):
    """Run ``functions`` (an ``nn.Sequential`` or a list of callables) one after another on
    ``input``, in ``segments`` checkpointed chunks as PyTorch does (same result)."""
    from ..nn.modules.container import Sequential

    if use_reentrant is None:
        _warn_reentrant("torch.utils.checkpoint.checkpoint_sequential")
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    if isinstance(functions, Sequential):
        functions = list(functions.children())

    def run(start: int, end: int):
        def forward(x):
            for f in functions[start : end + 1]:
                x = f(x)
            return x

        return forward

    size = len(functions) // segments
    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(
            run(start, end), input, use_reentrant=use_reentrant, preserve_rng_state=preserve
        )
    return run(end + 1, len(functions) - 1)(input)
