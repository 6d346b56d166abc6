"""Downloading and unpacking dataset files (``torchvision.datasets.utils``), with atomic writes.

``download_url`` streams a file into a temporary file beside its destination (a hidden
``.<name>.*.part``), checks its length and MD5, and only then renames it into place, so an
interrupted or corrupted download never leaves a file under the destination name: whatever is
found under that name is complete. ``extract_archive`` writes each extracted file the same way.
Standard library only (``urllib``): no TensorFlow, no tensorflow-datasets.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import hashlib
import http.client
import lzma
import os
import secrets
import shutil
import tarfile
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import IO

USER_AGENT = "pytorch/vision"
_TIMEOUT = 60.0  # seconds without a byte from the server before a download counts as failed
_CHUNK = 1 << 20

_COMPRESSIONS: dict[str, Callable[..., IO[bytes]]] = {
    ".gz": gzip.open,
    ".bz2": bz2.open,
    ".xz": lzma.open,
}
_TAR_ALIASES = {".tgz": ".gz", ".tbz": ".bz2", ".tbz2": ".bz2", ".txz": ".xz"}

# Errors a failed download can raise: URLError and socket errors are OSErrors; a connection
# closed mid-body is an http.client.HTTPException (IncompleteRead); a bad checksum, RuntimeError.
DOWNLOAD_ERRORS = (OSError, http.client.HTTPException, RuntimeError)


def calculate_md5(fpath: str | os.PathLike, chunk_size: int = _CHUNK) -> str:
    md5 = hashlib.md5(usedforsecurity=False)
    with open(fpath, "rb") as f:
        while chunk := f.read(chunk_size):
            md5.update(chunk)
    return md5.hexdigest()


def check_md5(fpath: str | os.PathLike, md5: str, **kwargs) -> bool:
    return md5 == calculate_md5(fpath, **kwargs)


def check_integrity(fpath: str | os.PathLike, md5: str | None = None) -> bool:
    """Whether ``fpath`` is a file and, if ``md5`` is given, has that MD5."""
    if not os.path.isfile(fpath):
        return False
    return md5 is None or check_md5(fpath, md5)


@contextlib.contextmanager
def _atomic_file(fpath: str | os.PathLike) -> Iterator[IO[bytes]]:
    """A binary file that appears at ``fpath`` only if the ``with`` block completes.

    Written to a temporary file in the same folder (same file system, so the final rename is
    atomic), flushed to disk, then renamed over ``fpath``. On any error it is removed; a process
    killed meanwhile leaves only the hidden temporary file, never a file named ``fpath``.
    """
    folder, name = os.path.split(os.fspath(fpath))
    while True:  # a fresh name; created with the permissions the umask gives (not mkstemp's 0600)
        tmp = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.part")
        try:
            fd = os.open(
                tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666
            )
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, fpath)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


def _opener(max_redirect_hops: int) -> urllib.request.OpenerDirector:
    class Redirects(urllib.request.HTTPRedirectHandler):
        max_redirections = max_redirect_hops

    return urllib.request.build_opener(Redirects)


def _fetch(url: str, out: IO[bytes], max_redirect_hops: int) -> str:
    """Stream ``url`` into ``out``; returns the MD5 of what was written."""
    md5 = hashlib.md5(usedforsecurity=False)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with _opener(max_redirect_hops).open(request, timeout=_TIMEOUT) as response:
        total = response.length  # None without a Content-Length header
        bar = _progress(total, os.path.basename(urllib.parse.urlsplit(url).path))
        done = 0
        read = getattr(response, "read1", response.read)  # what has arrived, up to _CHUNK
        try:
            while chunk := read(_CHUNK):
                out.write(chunk)
                md5.update(chunk)
                done += len(chunk)
                bar(len(chunk))
        except http.client.IncompleteRead as e:
            done += len(e.partial)
            expected = f" of {total}" if total is not None else ""
            raise RuntimeError(
                f"the connection closed after {done}{expected} bytes of {url}"
            ) from None
        finally:
            bar(None)
        if total is not None and response.length:
            raise RuntimeError(f"the connection closed after {done} of {total} bytes of {url}")
    return md5.hexdigest()


def _progress(total: int | None, name: str) -> Callable[[int | None], None]:
    """A progress bar (tqdm's, as torchvision shows, when tqdm is installed); ``None`` closes it."""
    try:
        from tqdm import tqdm
    except ImportError:  # no progress bar without tqdm
        return lambda n: None
    bar = tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=name)
    return lambda n: bar.close() if n is None else bar.update(n)


def download_url(
    url: str,
    root: str | os.PathLike,
    filename: str | os.PathLike | None = None,
    md5: str | None = None,
    max_redirect_hops: int = 3,
) -> None:
    """Download ``url`` to ``root/filename`` (default: the URL's last part), unless a file with
    that MD5 is there already. With ``md5``, a download with another checksum is rejected
    (``RuntimeError``) and nothing is written; the file appears only once complete and checked.
    """
    root = os.path.expanduser(os.fspath(root))
    if not filename:
        filename = os.path.basename(urllib.parse.urlsplit(url).path)
    fpath = os.path.join(root, os.fspath(filename))
    os.makedirs(os.path.dirname(fpath) or ".", exist_ok=True)
    if check_integrity(fpath, md5):
        return
    with _atomic_file(fpath) as out:
        got = _fetch(url, out, max_redirect_hops)
        if md5 is not None and got != md5:
            raise RuntimeError(
                f"File not found or corrupted: {url} has MD5 {got}, expected {md5}; "
                f"{fpath} was not written."
            )


def _archive_kind(path: str | os.PathLike) -> tuple[str | None, str | None]:
    """(archive type, compression) told by the name: ``("tar", ".gz")``, ``(None, ".gz")`` ..."""
    suffixes = [s.lower() for s in Path(path).suffixes]
    if not suffixes:
        raise RuntimeError(f"File '{path}' has no suffix telling its archive type or compression.")
    last = suffixes[-1]
    if last in _TAR_ALIASES:
        return "tar", _TAR_ALIASES[last]
    if last in (".tar", ".zip"):
        return last[1:], None
    if last in _COMPRESSIONS:
        return ("tar" if len(suffixes) > 1 and suffixes[-2] == ".tar" else None), last
    known = sorted([".tar", ".zip", *_TAR_ALIASES, *_COMPRESSIONS])
    raise RuntimeError(
        f"Unknown compression or archive type: '{last}'.\nKnown suffixes are: {known}."
    )


def _member_path(to_path: str, name: str, archive: str | os.PathLike) -> str:
    """Where archive member ``name`` goes under ``to_path``; refuses names that leave it."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if not parts or parts[0] == "/" or ".." in parts or ":" in parts[0]:
        raise RuntimeError(f"{archive}: refusing to extract member {name!r} outside {to_path}")
    return os.path.join(to_path, *parts)


def _write_member(src: IO[bytes], dest: str) -> None:
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    with _atomic_file(dest) as out:
        shutil.copyfileobj(src, out, _CHUNK)


def extract_archive(
    from_path: str | os.PathLike,
    to_path: str | os.PathLike | None = None,
    remove_finished: bool = False,
) -> str | os.PathLike:
    """Extract a ``.tar[.gz|.bz2|.xz]``/``.tgz``/``.zip`` archive into ``to_path`` (default: its
    folder), or decompress a single ``.gz``/``.bz2``/``.xz`` file there under its name without the
    suffix. Every file is written atomically; only regular files and folders are extracted, and
    only inside ``to_path``. Returns the folder (archives) or the decompressed file's path."""
    src = os.fspath(from_path)
    dest = os.fspath(to_path) if to_path is not None else os.path.dirname(src)
    kind, compression = _archive_kind(src)
    if kind is None:
        assert compression is not None
        out = os.path.join(dest, os.path.basename(src)[: -len(compression)])
        with _COMPRESSIONS[compression](src, "rb") as f:
            _write_member(f, out)
        result: str = out
    elif kind == "tar":
        mode = f"r:{compression[1:]}" if compression else "r:"
        with tarfile.open(src, mode) as tar:
            for member in tar:
                target = _member_path(dest, member.name, src)
                if member.isdir():
                    os.makedirs(target, exist_ok=True)
                elif member.isfile():
                    f = tar.extractfile(member)
                    assert f is not None
                    _write_member(f, target)
                # links and special files are skipped, as tarfile's "data" filter would refuse them
        result = dest
    else:
        with zipfile.ZipFile(src) as z:
            for info in z.infolist():
                target = _member_path(dest, info.filename, src)
                if info.is_dir():
                    os.makedirs(target, exist_ok=True)
                else:
                    with z.open(info) as f:
                        _write_member(f, target)
        result = dest
    if remove_finished:
        os.remove(src)
    return Path(result) if isinstance(from_path, Path) else result


def download_and_extract_archive(
    url: str,
    download_root: str | os.PathLike,
    extract_root: str | os.PathLike | None = None,
    filename: str | os.PathLike | None = None,
    md5: str | None = None,
    remove_finished: bool = False,
) -> None:
    """``download_url`` then ``extract_archive`` into ``extract_root`` (default: download_root)."""
    download_root = os.path.expanduser(os.fspath(download_root))
    if not filename:
        filename = os.path.basename(urllib.parse.urlsplit(url).path)
    download_url(url, download_root, filename, md5)
    archive = os.path.join(download_root, os.fspath(filename))
    extract_archive(
        archive, extract_root if extract_root is not None else download_root, remove_finished
    )


__all__ = [
    "calculate_md5",
    "check_integrity",
    "check_md5",
    "download_and_extract_archive",
    "download_url",
    "extract_archive",
]
