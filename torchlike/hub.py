"""``torch.hub``: models published as a ``hubconf.py``, and checkpoint files by URL.

The cache is PyTorch's (``$TORCH_HOME/hub``, ``$TORCH_HOME`` defaulting to
``$XDG_CACHE_HOME/torch``, i.e. ``~/.cache/torch``), with its layout: repositories in
``<hub>/<owner>_<name>_<ref>``, checkpoints in ``<hub>/checkpoints/<file name from the URL>``, the
trusted list in ``<hub>/trusted_list``. So what PyTorch downloaded is found here without network,
and what torchlike downloads PyTorch finds too.

Downloads write to a ``.partial`` file next to the target and move it into place only after the
SHA-256 prefix (when one is asked for) has been checked, so a failed or tampered download never
leaves a file behind. Checkpoints are read with :func:`torchlike.load`; ``weights_only`` is passed
to it, as PyTorch passes it to ``torch.load``.
"""

from __future__ import annotations

import builtins
import contextlib
import hashlib
import importlib.util
import os
import re
import shutil
import sys
import uuid
import zipfile
from pathlib import Path
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlparse
from urllib.request import Request, urlopen

__all__ = [
    "download_url_to_file",
    "get_dir",
    "help",
    "list",
    "load",
    "load_state_dict_from_url",
    "set_dir",
]

HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")
MODULE_HUBCONF = "hubconf.py"
VAR_DEPENDENCY = "dependencies"
_TRUSTED_REPO_OWNERS = ("facebookresearch", "facebookincubator", "pytorch", "fairinternal")
# The hosts ``source='github'`` talks to (module attributes, so a test can point them elsewhere).
GITHUB = "https://github.com"
GITHUB_API = "https://api.github.com"
_CHUNK = 128 * 1024

_hub_dir: str | None = None


def _get_torch_home() -> str:
    default = os.path.join(os.getenv("XDG_CACHE_HOME", "~/.cache"), "torch")
    return os.path.expanduser(os.getenv("TORCH_HOME", default))


def get_dir() -> str:
    """The hub cache directory: the one :func:`set_dir` chose, else ``$TORCH_HOME/hub``."""
    if _hub_dir is not None:
        return _hub_dir
    return os.path.join(_get_torch_home(), "hub")


def set_dir(d: str | os.PathLike) -> None:
    """Use ``d`` as the hub cache directory from now on."""
    global _hub_dir
    _hub_dir = os.path.expanduser(os.fspath(d))


def download_url_to_file(
    url: str, dst: str, hash_prefix: str | None = None, progress: bool = True
) -> None:
    """Download ``url`` to ``dst`` atomically; refuse it unless its SHA-256 hex digest starts
    with ``hash_prefix`` (when given).

    Raises:
        RuntimeError: ``invalid hash value``; nothing is written to ``dst`` then.
    """
    dst = os.path.expanduser(os.fspath(dst))
    tmp = f"{dst}.{uuid.uuid4().hex}.partial"
    sha256 = hashlib.sha256()
    try:
        with urlopen(Request(url, headers={"User-Agent": "torch.hub"})) as u, open(tmp, "wb") as f:
            total = u.info().get("Content-Length")
            with _progress(total, progress) as bar:
                while buffer := u.read(_CHUNK):
                    f.write(buffer)
                    sha256.update(buffer)
                    bar.update(len(buffer))
        if hash_prefix is not None:
            digest = sha256.hexdigest()
            if digest[: len(hash_prefix)] != hash_prefix:
                raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got "{digest}")')
        shutil.move(tmp, dst)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _progress(total, enabled: bool):
    try:
        from tqdm import tqdm
    except ImportError:
        return contextlib.nullcontext(_NoBar())
    size = int(total) if total else None
    return tqdm(total=size, disable=not enabled, unit="B", unit_scale=True, unit_divisor=1024)


class _NoBar:
    def update(self, n: int) -> None:
        pass


def load_state_dict_from_url(
    url: str,
    model_dir: str | None = None,
    map_location: Any = None,
    progress: bool = True,
    check_hash: bool = False,
    file_name: str | None = None,
    weights_only: bool = False,
) -> dict[str, Any]:
    """Load the checkpoint at ``url``, from ``model_dir`` (``<hub>/checkpoints``) when it is
    already there, else after downloading it there.

    Args:
        url: where the file is; its last path component names the cached file.
        model_dir: the cache folder. Default: ``get_dir()/checkpoints``.
        map_location: passed to :func:`torchlike.load`.
        progress: show a progress bar while downloading.
        check_hash: require the file's SHA-256 to start with the hex digits after the last
            ``-`` of its name (``resnet18-f37072fd.pth``), PyTorch's naming convention.
        file_name: the cached file's name instead of the URL's.
        weights_only: passed to :func:`torchlike.load` (PyTorch's default here is False).
    """
    from .serialization import load as _load

    if model_dir is None:
        model_dir = os.path.join(get_dir(), "checkpoints")
    os.makedirs(model_dir, exist_ok=True)
    filename = file_name if file_name is not None else os.path.basename(urlparse(url).path)
    cached_file = os.path.join(model_dir, filename)
    if not os.path.exists(cached_file):
        sys.stdout.write(f'Downloading: "{url}" to {cached_file}\n')
        match = HASH_REGEX.search(filename) if check_hash else None
        download_url_to_file(url, cached_file, match.group(1) if match else None, progress)
    if _is_legacy_zip(cached_file):
        with zipfile.ZipFile(cached_file) as zf:
            member = zf.infolist()[0]
            _safe_extract(zf, model_dir)
        cached_file = os.path.join(model_dir, member.filename)
    return _load(cached_file, map_location=map_location, weights_only=weights_only)


def _is_legacy_zip(filename: str) -> bool:
    """A zip holding one plain file: PyTorch < 1.6 checkpoints shipped that way."""
    if not zipfile.is_zipfile(filename):
        return False
    with zipfile.ZipFile(filename) as zf:
        members = zf.infolist()
    return len(members) == 1 and not members[0].is_dir()


def _safe_extract(zf: zipfile.ZipFile, target: str) -> None:
    """Extract ``zf`` into ``target``, refusing entries that would land outside it."""
    root = Path(target).resolve()
    for member in zf.infolist():
        out = (root / member.filename).resolve()
        if not out.is_relative_to(root):
            raise ValueError(f"Archive entry escapes target directory: {member.filename}")
    zf.extractall(root)


# --- hubconf repositories ---------------------------------------------------------------------


def _parse_repo_info(github: str) -> tuple[str, str, str]:
    repo_info, _, ref = github.partition(":")
    try:
        owner, name = repo_info.split("/")
    except ValueError:
        raise ValueError(
            f"Invalid GitHub repository '{github}': expected 'repo_owner/repo_name[:ref]'"
        ) from None
    if ref:
        return owner, name, ref
    for candidate in ("main", "master"):  # a cached checkout answers without network
        if os.path.exists(os.path.join(get_dir(), f"{owner}_{name}_{candidate}")):
            return owner, name, candidate
    try:
        with urlopen(f"{GITHUB}/{owner}/{name}/tree/main/"):
            return owner, name, "main"
    except HTTPError as e:
        if e.code == 404:
            return owner, name, "master"
        raise
    except URLError as e:
        raise RuntimeError(
            "It looks like there is no internet connection and the repo could not be found in "
            f"the cache ({get_dir()})"
        ) from e


def _check_trusted(owner: str, name: str, owner_name_ref: str, trust_repo) -> None:
    """PyTorch's trust rule: known owners, the trusted list, or repos already in the cache are
    trusted; ``trust_repo=False`` or ``"check"`` on an unknown repo asks on stdin."""
    hub_dir = get_dir()
    path = os.path.join(hub_dir, "trusted_list")
    Path(path).touch()
    with open(path) as f:
        trusted = {line.strip() for line in f}
    owner_name = f"{owner}_{name}"
    is_trusted = (
        owner_name in trusted
        or os.path.isdir(os.path.join(hub_dir, owner_name_ref))
        or owner in _TRUSTED_REPO_OWNERS
    )
    if trust_repo is False or (trust_repo == "check" and not is_trusted):
        response = input(
            f"The repository {owner_name} does not belong to the list of trusted repositories "
            "and as such cannot be downloaded. Do you trust this repository and wish to add it "
            "to the trusted list of repositories (y/N)?"
        )
        if response.lower() in ("n", "no", ""):
            raise Exception("Untrusted repository.")  # noqa: TRY002  (PyTorch's exception)
        if response.lower() not in ("y", "yes"):
            raise ValueError(f"Unrecognized response {response}.")
    if not is_trusted:
        with open(path, "a") as f:
            f.write(owner_name + "\n")


def _get_cache_or_reload(github: str, force_reload: bool, trust_repo, verbose: bool) -> str:
    hub_dir = get_dir()
    os.makedirs(hub_dir, exist_ok=True)
    owner, name, ref = _parse_repo_info(github)
    owner_name_ref = "_".join([owner, name, ref.replace("/", "_")])
    repo_dir = os.path.join(hub_dir, owner_name_ref)
    _check_trusted(owner, name, owner_name_ref, trust_repo)
    if not force_reload and os.path.exists(repo_dir):
        if verbose:
            sys.stderr.write(f"Using cache found in {repo_dir}\n")
        return repo_dir
    archive = os.path.join(hub_dir, ref.replace("/", "_") + ".zip")
    url = f"{GITHUB}/{owner}/{name}/zipball/{ref}"
    sys.stdout.write(f'Downloading: "{url}" to {archive}\n')
    download_url_to_file(url, archive, progress=False)
    try:
        with zipfile.ZipFile(archive) as zf:
            extracted = os.path.join(hub_dir, zf.infolist()[0].filename)
            shutil.rmtree(extracted, ignore_errors=True)
            _safe_extract(zf, hub_dir)
    finally:
        os.remove(archive)
    shutil.rmtree(repo_dir, ignore_errors=True)
    shutil.move(extracted, repo_dir)
    return repo_dir


def _import_hubconf(repo_dir: str):
    path = os.path.join(repo_dir, MODULE_HUBCONF)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No {MODULE_HUBCONF} in {repo_dir}")
    sys.path.insert(0, repo_dir)
    try:
        spec = importlib.util.spec_from_file_location(MODULE_HUBCONF, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(repo_dir)
    return module


def _entry(module, model: str):
    if not isinstance(model, str):
        raise ValueError("Invalid input: model should be a string of function name")
    deps = getattr(module, VAR_DEPENDENCY, None) or []
    missing = [d for d in deps if importlib.util.find_spec(d) is None]
    if missing:
        raise RuntimeError(f"Missing dependencies: {', '.join(missing)}")
    func = getattr(module, model, None)
    if func is None or not callable(func):
        raise RuntimeError(f"Cannot find callable {model} in hubconf")
    return func


def _repo_dir(repo_or_dir: str, source: str, force_reload: bool, trust_repo, verbose) -> str:
    source = source.lower()
    if source not in ("github", "local"):
        raise ValueError(f'Unknown source: "{source}". Allowed values: "github" | "local".')
    if source == "local":
        return os.fspath(repo_or_dir)
    return _get_cache_or_reload(repo_or_dir, force_reload, trust_repo, verbose)


def list(  # noqa: A001  (PyTorch's name)
    github: str,
    force_reload: bool = False,
    skip_validation: bool = False,
    trust_repo="check",
    verbose: bool = True,
    *,
    source: str = "github",
) -> builtins.list[str]:
    """The entry points (public callables) of ``github``'s ``hubconf.py``.

    ``skip_validation`` is accepted for PyTorch's signature: torchlike does not query GitHub's
    API for the ref's owner. ``source='local'`` (a torchlike extension) reads a directory.
    """
    module = _import_hubconf(_repo_dir(github, source, force_reload, trust_repo, verbose))
    return [f for f in dir(module) if callable(getattr(module, f)) and not f.startswith("_")]


def help(  # noqa: A001  (PyTorch's name)
    github: str,
    model: str,
    force_reload: bool = False,
    skip_validation: bool = False,
    trust_repo="check",
    *,
    source: str = "github",
) -> str | None:
    """The docstring of entry point ``model`` in ``github``'s ``hubconf.py``."""
    module = _import_hubconf(_repo_dir(github, source, force_reload, trust_repo, True))
    return _entry(module, model).__doc__


def load(
    repo_or_dir: str,
    model: str,
    *args: Any,
    source: str = "github",
    trust_repo="check",
    force_reload: bool = False,
    verbose: bool = True,
    skip_validation: bool = False,
    **kwargs: Any,
) -> Any:
    """Call entry point ``model`` of a ``hubconf.py`` with ``*args, **kwargs`` and return its
    result.

    Args:
        repo_or_dir: ``'owner/name[:ref]'`` with ``source='github'`` (the cached checkout in
            ``get_dir()`` when present, else downloaded from GitHub), or a directory with
            ``source='local'``.
        model: the entry point's name.
        source: ``'github'`` or ``'local'``.
        trust_repo: ``'check'``, True, False or None, as in PyTorch.
        force_reload: download the repository again even when it is cached.
        verbose: say when the cache is used.
        skip_validation: accepted; torchlike does not query GitHub's API.
    """
    repo_dir = _repo_dir(repo_or_dir, source, force_reload, trust_repo, verbose)
    sys.path.insert(0, repo_dir)
    try:
        entry = _entry(_import_hubconf(repo_dir), model)
        return entry(*args, **kwargs)
    finally:
        sys.path.remove(repo_dir)
