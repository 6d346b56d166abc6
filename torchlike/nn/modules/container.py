"""Containers: ``Sequential``, ``ModuleList``, ``ModuleDict``, ``ParameterList``, ``ParameterDict``.

Children are attributes named ``"0"``, ``"1"``, ... (or the dict keys), registered in order, so
NNX sees them as ordinary submodules and ``state_dict`` keys are PyTorch's (``"0.weight"``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping

from ..parameter import Parameter
from .module import Module

__all__ = ["ModuleDict", "ModuleList", "ParameterDict", "ParameterList", "Sequential"]


class _IndexedModules(Module):
    """Shared list behaviour of Sequential and ModuleList (children named by position)."""

    def _children_list(self) -> list:
        return [vars(self)[n] for n in self._torch_order]

    def _reset(self, items: list) -> None:
        for n in self._torch_order:
            delattr(self, n)
        object.__setattr__(self, "_child_names", ())
        for i, m in enumerate(items):
            self.add_module(str(i), m)

    def __len__(self) -> int:
        return len(self._torch_order)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._children_list())

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return (
                type(self)(*self._children_list()[idx])
                if isinstance(self, Sequential)
                else ModuleList(self._children_list()[idx])
            )
        n = len(self)
        if not -n <= idx < n:
            raise IndexError(f"index {idx} is out of range")
        return vars(self)[self._torch_order[idx % n]]

    def __setitem__(self, idx: int, module: Module) -> None:
        setattr(self, self._torch_order[idx], module)

    def __delitem__(self, idx) -> None:
        items = self._children_list()
        del items[idx]
        self._reset(items)

    def append(self, module: Module):
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]):
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        items = self._children_list()
        items.insert(index, module)
        self._reset(items)


class Sequential(_IndexedModules):
    """Modules applied in order: ``Sequential(a, b, c)`` or ``Sequential(OrderedDict(...))``.

    Shape:
        - Input: whatever the first module takes.
        - Output: whatever the last module returns.
    """

    def __init__(self, *args) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, m in args[0].items():
                self.add_module(name, m)
        else:
            for i, m in enumerate(args):
                self.add_module(str(i), m)

    def forward(self, input):
        for m in self._children_list():
            input = m(input)
        return input


class ModuleList(_IndexedModules):
    """A list of submodules, indexed like a list and registered like attributes."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __repr__(self) -> str:
        """PyTorch's compressed form: runs of identical children print once, ``(0-1): 2 x ...``."""
        reprs = [repr(m) for m in self]
        if not reprs:
            return self._get_name() + "()"
        runs: list[list] = []  # [start, end, text]
        for i, text in enumerate(reprs):
            if runs and runs[-1][2] == text:
                runs[-1][1] = i
            else:
                runs.append([i, i, text])
        lines = [
            (f"({a}): {t}" if a == b else f"({a}-{b}): {b - a + 1} x {t}").replace("\n", "\n  ")
            for a, b, t in runs
        ]
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"

    def __add__(self, other: ModuleList) -> ModuleList:
        return ModuleList(list(self) + list(other))


class _NamedEntries(Module):
    """Shared dict behaviour of ModuleDict and ParameterDict (entries named by their keys, kept
    in insertion order)."""

    def __len__(self) -> int:
        return len(self._torch_order)

    def __iter__(self) -> Iterator[str]:
        return iter(self._torch_order)

    def __contains__(self, key: str) -> bool:
        return key in self._torch_order

    def keys(self):
        return list(self._torch_order)

    def items(self):
        return [(k, vars(self)[k]) for k in self._torch_order]

    def values(self):
        return [vars(self)[k] for k in self._torch_order]


class ModuleDict(_NamedEntries):
    """A dict of submodules, keeping insertion order like PyTorch's."""

    def __init__(self, modules: Mapping[str, Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        if key not in self._torch_order:
            raise KeyError(key)
        return vars(self)[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        delattr(self, key)

    def pop(self, key: str) -> Module:
        m = self[key]
        del self[key]
        return m

    def clear(self) -> None:
        for k in list(self._torch_order):
            del self[k]

    def update(self, modules) -> None:
        items = modules.items() if isinstance(modules, Mapping) else modules
        for k, m in items:
            self[k] = m


class ParameterList(Module):
    """A list of parameters, registered as ``"0"``, ``"1"``, ..."""

    def __init__(self, values: Iterable[Parameter] | None = None) -> None:
        super().__init__()
        for v in values or ():
            self.append(v)

    def append(self, value) -> ParameterList:
        value = value if isinstance(value, Parameter) else Parameter(value)
        self.register_parameter(str(len(self)), value)
        return self

    def extend(self, values) -> ParameterList:
        for v in values:
            self.append(v)
        return self

    def __len__(self) -> int:
        return len(self._torch_order)

    def __getitem__(self, idx: int) -> Parameter:
        return vars(self)[self._torch_order[idx]]

    def __iter__(self):
        return iter(vars(self)[n] for n in self._torch_order)

    def extra_repr(self) -> str:
        return "\n".join(
            f"({i}): Parameter containing: [{_tn(p)} of size {'x'.join(map(str, p.shape))}]"
            for i, p in enumerate(self)
        )


class ParameterDict(_NamedEntries):
    """A dict of parameters."""

    def __init__(self, parameters=None) -> None:
        super().__init__()
        for k, v in parameters.items() if isinstance(parameters, Mapping) else parameters or ():
            self[k] = v

    def __setitem__(self, key: str, value) -> None:
        self.register_parameter(key, value if isinstance(value, Parameter) else Parameter(value))

    def __getitem__(self, key: str) -> Parameter:
        return vars(self)[key]


def _tn(p: Parameter) -> str:
    return f"torch.{p.type().split('.')[-1]}"
