"""Running unmodified PyTorch programs: ``import torch`` resolves to torchlike.

``python -m torchlike run script.py [args]`` installs :class:`AliasFinder` and runs the script as
``__main__``. The finder maps ``torch`` and ``torch.<sub>`` to ``torchlike`` and
``torchlike.<sub>``, and ``torchvision`` to ``torchlike.vision``, so a module is imported once
under its torchlike name and the alias is the very same object (``isinstance`` and pickling agree
under both names).

A module PyTorch (or torchvision) has and torchlike does not have yet (``torch.distributed.rpc``,
``torch.fx.passes``, ...; the table is ``_torch_modules``) imports as a placeholder, so that
a program does not die at import because of a feature it never uses: each name taken from it is a
placeholder class that raises ``NotImplementedError`` naming the API when called (or subclassed
and instantiated). A module PyTorch does not have either fails with an ImportError naming it.

Child processes (``multiprocessing`` with ``spawn``, ``torch.multiprocessing``, a subprocess
running Python) inherit the alias through ``sys.path`` and ``PYTHONPATH``: both start with a
folder holding tiny ``torch``, ``torchvision``, ``lightning`` and ``pytorch_lightning`` packages
that install the finder and hand over to torchlike.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import os
import sys
import types

from ._torch_modules import TORCH_MODULES, TORCHVISION_MODULES

ALIASES = {"torch": "torchlike", "torchvision": "torchlike.vision"}
SHIM_DIR = os.path.join(os.path.dirname(__file__), "_shim")


# Lightning's package names, resolved when a program imports them (never imported at start-up):
# ``lightning``, ``lightning.pytorch`` and ``pytorch_lightning`` are all torchlike.lightning.
LIGHTNING_ALIASES = {
    "lightning.pytorch": "torchlike.lightning",
    "lightning": "torchlike.lightning",
    "pytorch_lightning": "torchlike.lightning",
}


def target_of(fullname: str) -> str | None:
    """``torch.nn.functional`` -> ``torchlike.nn.functional``; None for other modules."""
    for alias, real in LIGHTNING_ALIASES.items():
        if fullname == alias or fullname.startswith(alias + "."):
            return real + fullname[len(alias) :]
    root, dot, rest = fullname.partition(".")
    if root not in ALIASES:
        return None
    return ALIASES[root] + dot + rest


class AliasFinder(importlib.abc.MetaPathFinder):
    """Resolves ``torch.*`` / ``torchvision.*`` imports to the torchlike modules."""

    def find_spec(self, fullname, path=None, target=None):
        name = target_of(fullname)
        if name is None:
            return None
        if _exists(name):
            return importlib.util.spec_from_loader(fullname, _AliasLoader(name))
        if (fullname in TORCH_MODULES or fullname in TORCHVISION_MODULES) and not _is_attribute(
            name
        ):
            return importlib.util.spec_from_loader(fullname, _PlaceholderLoader(), is_package=True)
        raise ImportError(
            f"torchlike has no counterpart of the module '{fullname}' yet (looked for "
            f"'{name}'); this program needs an API torchlike does not provide",
            name=fullname,
        )


def _exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # a parent is missing (then the alias is a placeholder's child)
        return False


def _is_attribute(name: str) -> bool:
    """``torchlike.multiprocessing.spawn`` is a function: a placeholder module imported under its
    name would replace it on its parent, so such an import fails instead."""
    parent, _, child = name.rpartition(".")
    value = getattr(sys.modules.get(parent), child, None)
    return value is not None and not isinstance(value, types.ModuleType)


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec):
        self._alias = spec.name
        module = importlib.import_module(self.target)
        self._spec = getattr(module, "__spec__", None)
        return module

    def exec_module(self, module) -> None:
        # The import system stamped the alias spec on the shared module object; give the
        # module its own back, so it stays importable, reloadable and picklable by its own name.
        if self._spec is not None:
            module.__spec__ = self._spec
        # A torchlike module (not a package) whose PyTorch counterpart is a package with modules
        # torchlike lacks (``torchvision.transforms.functional``): give it an empty search path,
        # so those import as placeholders instead of failing with "is not a package".
        if not hasattr(module, "__path__") and _has_submodules(self._alias):
            module.__path__ = []

    def get_code(self, fullname):
        """The target's code: ``runpy`` (``python -m torch.distributed.run``) asks for it."""
        return importlib.util.find_spec(self.target).loader.get_code(self.target)


def _has_submodules(alias: str) -> bool:
    prefix = alias + "."
    return any(m.startswith(prefix) for m in (*TORCH_MODULES, *TORCHVISION_MODULES))


def _not_provided(api: str, module: str) -> str:
    return (
        f"{api} is not provided by torchlike yet (torchlike has no counterpart of the module "
        f"'{module}'); this program needs an API torchlike does not provide"
    )


class _Missing(type):
    """The type of a placeholder: a class standing for a PyTorch name torchlike lacks.

    Importing it, subclassing it or reading attributes from it (``StateDictType.FULL_STATE_DICT``)
    works, so module-level code that only names it runs; calling it (or a subclass) raises.
    """

    def __call__(cls, *args, **kwargs):
        raise NotImplementedError(_not_provided(cls._torch_name, cls._torch_module))

    def __getattr__(cls, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return _placeholder(f"{cls._torch_name}.{name}", cls._torch_module)


def _placeholder(api: str, module: str) -> _Missing:
    return _Missing(api.rpartition(".")[2], (), {"_torch_name": api, "_torch_module": module})


class _PlaceholderModule(types.ModuleType):
    """A PyTorch module torchlike lacks: each attribute is a placeholder (one per name), each
    submodule PyTorch has imports as a placeholder module."""

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(f"module '{self.__name__}' has no attribute '{name}'")
        full = f"{self.__name__}.{name}"
        if full in TORCH_MODULES or full in TORCHVISION_MODULES:
            return importlib.import_module(full)
        value = _placeholder(full, self.__name__)
        setattr(self, name, value)
        return value


class _PlaceholderLoader(importlib.abc.Loader):
    def create_module(self, spec):
        module = _PlaceholderModule(spec.name)
        module.__doc__ = f"Placeholder: {_not_provided(f'the module {spec.name}', spec.name)}"
        return module

    def exec_module(self, module) -> None:
        pass


def install() -> None:
    """Put the finder first on ``sys.meta_path`` (once) and alias what is already imported."""
    if not any(isinstance(f, AliasFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, AliasFinder())
    for alias, real in ALIASES.items():
        if alias not in sys.modules or sys.modules[alias].__name__ != real:
            sys.modules[alias] = importlib.import_module(real)
    # multiprocessing's spawn hands its children the parent's sys.path; other children read
    # PYTHONPATH. Either way they find the shim packages first.
    if SHIM_DIR not in sys.path:
        sys.path.insert(0, SHIM_DIR)
    path = os.environ.get("PYTHONPATH", "")
    if SHIM_DIR not in path.split(os.pathsep):
        os.environ["PYTHONPATH"] = SHIM_DIR + (os.pathsep + path if path else "")
    _pytorch_class_names()


def _pytorch_class_names() -> None:
    """Give the value classes programs print PyTorch's names: ``type(x)`` is ``<class
    'torch.Tensor'>`` under the runner, as the program's authors saw it. Each class is found
    under that name here and in child processes (through the shims), so pickles that name it
    load back (Tensor and dtype pickle through functions; Size and device by name, as PyTorch's
    do)."""
    from . import _device, _dtype, _tensor

    for cls in (_tensor.Tensor, _tensor.Size, _dtype.dtype, _device.device):
        cls.__module__ = "torch"
