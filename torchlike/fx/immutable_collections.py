"""``immutable_list`` / ``immutable_dict``: the containers a Node's ``args``/``kwargs`` hold, so
that a graph is changed only through its Nodes (``node.args = ...``), which keep ``users`` right."""

from __future__ import annotations

from typing import Any


def _immutable(self, *args, **kwargs):
    raise NotImplementedError(f"'{type(self).__name__}' object does not support mutation.")


class immutable_list(list):  # noqa: N801  (PyTorch's name)
    """A list that refuses mutation (the lists inside a Node's arguments)."""

    __setitem__ = __delitem__ = __iadd__ = __imul__ = _immutable
    append = extend = insert = pop = remove = clear = sort = reverse = _immutable

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(self))

    def __reduce__(self) -> tuple[Any, ...]:
        return (immutable_list, (list(self),))


class immutable_dict(dict):  # noqa: N801  (PyTorch's name)
    """A dict that refuses mutation (the kwargs of a Node and the dicts inside its arguments)."""

    __setitem__ = __delitem__ = __ior__ = _immutable
    clear = pop = popitem = setdefault = update = _immutable

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(self.items()))

    def __reduce__(self) -> tuple[Any, ...]:
        return (immutable_dict, (dict(self),))
