"""``torch.utils.hooks``: the handle every ``register_*_hook`` returns.

Modules (forward and backward hooks), tensors (``register_hook``,
``register_post_accumulate_grad_hook``) and optimizers (step hooks) keep their hooks in plain
dicts keyed by the handle's ``id``; ``handle.remove()`` takes the hook out of its dict again.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

__all__ = ["RemovableHandle"]


class RemovableHandle:
    """``torch.utils.hooks.RemovableHandle``: ``remove()`` unregisters the hook from its dict
    (``hooks_dict``, and each of ``extra_dict``); also removed on ``with`` exit."""

    next_id = itertools.count()

    def __init__(self, hooks_dict: dict, *, extra_dict: dict | list | tuple | None = None) -> None:
        self.hooks_dict = hooks_dict
        self.id = next(RemovableHandle.next_id)
        if extra_dict is None:
            extra_dict = ()
        elif isinstance(extra_dict, dict):
            extra_dict = (extra_dict,)
        self.extra_dicts = tuple(extra_dict)

    def remove(self) -> None:
        self.hooks_dict.pop(self.id, None)
        for extra in self.extra_dicts:
            extra.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


def register(hooks_dict: dict, hook: Callable, prepend: bool = False) -> RemovableHandle:
    """Add ``hook`` to ``hooks_dict`` (last, or first with ``prepend``); returns its handle."""
    handle = RemovableHandle(hooks_dict)
    if prepend:
        entries = {handle.id: hook, **hooks_dict}
        hooks_dict.clear()
        hooks_dict.update(entries)
    else:
        hooks_dict[handle.id] = hook
    return handle
