"""Running unmodified PyTorch programs: ``import torch`` resolves to torchlike.

``python -m torchlike run script.py [args]`` installs :class:`AliasFinder` and runs the script as
``__main__``. The finder maps ``torch`` and ``torch.<sub>`` to ``torchlike`` and
``torchlike.<sub>``, and ``torchvision`` to ``torchlike.vision``, so a module is imported once
under its torchlike name and the alias is the very same object (``isinstance`` and pickling agree
under both names). A ``torch`` submodule that torchlike does not have fails with an ImportError
naming it.

Child processes (``multiprocessing`` with ``spawn``, ``torch.multiprocessing``, a subprocess
running Python) inherit the alias through ``sys.path`` and ``PYTHONPATH``: both start with a
folder holding tiny ``torch`` and ``torchvision`` packages that install the finder and hand over
to torchlike.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import os
import sys

ALIASES = {"torch": "torchlike", "torchvision": "torchlike.vision"}
SHIM_DIR = os.path.join(os.path.dirname(__file__), "_shim")


def target_of(fullname: str) -> str | None:
    """``torch.nn.functional`` -> ``torchlike.nn.functional``; None for other modules."""
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
        if importlib.util.find_spec(name) is None:
            raise ImportError(
                f"torchlike has no counterpart of the module '{fullname}' yet (looked for "
                f"'{name}'); this program needs an API torchlike does not provide",
                name=fullname,
            )
        return importlib.util.spec_from_loader(fullname, _AliasLoader(name))


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec):
        module = importlib.import_module(self.target)
        self._spec = getattr(module, "__spec__", None)
        return module

    def exec_module(self, module) -> None:
        # The import system stamped the alias spec on the shared module object; give the
        # module its own back, so it stays importable, reloadable and picklable by its own name.
        if self._spec is not None:
            module.__spec__ = self._spec

    def get_code(self, fullname):
        """The target's code: ``runpy`` (``python -m torch.distributed.run``) asks for it."""
        return importlib.util.find_spec(self.target).loader.get_code(self.target)


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
