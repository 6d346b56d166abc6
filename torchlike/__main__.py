"""``python -m torchlike run script.py [args]``: run an unmodified PyTorch program on torchlike.

``import torch`` / ``import torchvision`` (and their submodules) resolve to torchlike; everything
else about the run is as ``python script.py [args]``. ``-m module`` runs a module instead. The
runner's own errors read as Python's: a script that cannot be opened is one line and exit status 2,
a module that cannot be found is one line and exit status 1.
"""

from __future__ import annotations

import argparse
import os
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
        return _as_python(
            runpy.run_module, ns.module, sys.executable, run_name="__main__", alter_sys=True
        )
    path = os.path.abspath(ns.script)
    if not os.path.isdir(path):
        try:
            open(path, "rb").close()
        except OSError as e:
            print(
                f"{_interpreter()}: can't open file {path!r}: [Errno {e.errno}] {e.strerror}",
                file=sys.stderr,
            )
            return 2
    sys.argv = [ns.script, *ns.args]
    sys.path.insert(0, os.path.dirname(path))
    # A file runs under the name given (its sys.argv[0], as Python's); a directory under its
    # absolute path, which Python's error for one without __main__.py shows.
    target = path if os.path.isdir(path) else ns.script
    return _as_python(runpy.run_path, target, _interpreter(), run_name="__main__")


def _interpreter() -> str:
    """How Python names itself in its errors: the interpreter as the command line spelt it."""
    return getattr(sys, "orig_argv", [sys.executable])[0]


def _as_python(run, target: str, prog: str, **kwargs) -> int:
    """Run; an ImportError raised by runpy itself (no such module, no ``__main__``) is the
    runner's own error and is one line, as Python prints it. One raised by the program's code
    (its innermost frame is not runpy's) is the program's, and propagates with its traceback."""
    try:
        run(target, **kwargs)
    except ImportError as e:
        tb = e.__traceback__
        while tb.tb_next is not None:
            tb = tb.tb_next
        if tb.tb_frame.f_globals.get("__name__") != "runpy":
            raise
        print(f"{prog}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
