"""Writing a file atomically, with the permissions ``open(path, "wb")`` would give it."""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Callable
from typing import IO


def write_atomically(path: str | os.PathLike, write: Callable[[IO[bytes]], None]) -> None:
    """Write through ``write(file)`` to a temporary file beside ``path``, then rename it over
    ``path``: a reader sees the old or the new content, never a part.

    The file gets the mode ``torch.save``'s ``open(path, "wb")`` gives it: a new file 0o666 less
    the umask, a replaced file the mode it had.
    """
    path = os.fspath(path)
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mode = None
    while True:
        tmp = os.path.join(
            os.path.dirname(path), f".{os.path.basename(path)}.{secrets.token_hex(4)}.tmp"
        )
        try:  # O_EXCL: a fresh name, created with 0o666 less the umask (the kernel applies it)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            break
        except FileExistsError:
            continue
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
