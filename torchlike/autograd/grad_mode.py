"""``no_grad``, ``enable_grad``, ``set_grad_enabled`` and ``inference_mode`` as in PyTorch.

Each works as a context manager and as a decorator. The flag is thread-local, as PyTorch's is.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

_state = threading.local()


def is_grad_enabled() -> bool:
    """Whether ops record the tape (PyTorch's ``torch.is_grad_enabled``)."""
    return getattr(_state, "enabled", True)


def _set(mode: bool) -> None:
    _state.enabled = bool(mode)


class _GradMode:
    """Base of the grad-mode context managers: sets the flag on enter, restores it on exit."""

    _mode: bool = True

    def __enter__(self) -> None:
        self._prev = is_grad_enabled()
        _set(self._mode)

    def __exit__(self, *exc: Any) -> None:
        _set(self._prev)

    def __call__(self, fn: Callable) -> Callable:
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            prev = is_grad_enabled()
            _set(mode)
            try:
                return fn(*args, **kwargs)
            finally:
                _set(prev)

        return wrapper


class _NoParamDecorator(_GradMode):
    """Usable bare (``@no_grad``) as well as called (``@no_grad()``), as PyTorch's are."""

    def __new__(cls, orig_func: Callable | None = None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamDecorator):
    """Disable gradient recording: results of ops do not require grad."""

    _mode = False


class enable_grad(_NoParamDecorator):
    """Enable gradient recording inside a ``no_grad`` region."""

    _mode = True


class inference_mode(_GradMode):
    """Same as ``no_grad`` here (JAX arrays are immutable, so there is no extra saving to make)."""

    def __init__(self, mode: bool = True) -> None:
        self._mode = not mode


class set_grad_enabled(_GradMode):
    """Set grad mode to ``mode``: at once, like PyTorch's, and restored on leaving the context."""

    def __init__(self, mode: bool) -> None:
        self._prev = is_grad_enabled()
        self._mode = bool(mode)
        _set(mode)

    def __enter__(self) -> None:
        pass

    def __call__(self, fn: Callable) -> Callable:
        _set(self._prev)  # used as a decorator: only the decorated calls change the mode
        return super().__call__(fn)
