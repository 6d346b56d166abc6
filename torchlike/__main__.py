"""``python -m torchlike run script.py [args]``: run an unmodified PyTorch program on torchlike.

``import torch`` / ``import torchvision`` (and their submodules) resolve to torchlike; everything
else about the run is as ``python script.py [args]``. ``-m module`` runs a module instead.
"""

from __future__ import annotations

import argparse
import runpy
import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:2] == ["run", "-m"] and len(argv) > 2:  # everything after the module is its own
        argv, module_args = argv[:3], argv[3:]
    else:
        module_args = None
    parser = argparse.ArgumentParser(
        prog="python -m torchlike", description="Run an unmodified PyTorch program on torchlike."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a script (or -m module) with torch resolved to torchlike")
    run.add_argument("-m", dest="module", help="run a module as a script, like python -m")
    run.add_argument("script", nargs="?", help="the PyTorch script to run")
    run.add_argument("args", nargs=argparse.REMAINDER, help="the script's own arguments")
    ns = parser.parse_args(argv)
    if (ns.module is None) == (ns.script is None):
        parser.error("give a script, or -m module, to run")

    from ._alias import install

    install()
    if ns.module is not None:
        rest = [ns.script] if ns.script is not None else []
        sys.argv = [ns.module, *rest, *ns.args, *(module_args or [])]
        runpy.run_module(ns.module, run_name="__main__", alter_sys=True)
    else:
        sys.argv = [ns.script, *ns.args]
        sys.path.insert(0, __import__("os").path.dirname(__import__("os").path.abspath(ns.script)))
        runpy.run_path(ns.script, run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
