"""Checked, compiled definitions kept once per process, and on disk between processes.

Loading the catalog means parsing sixteen YAML files, checking them against
the meta-schema and building every layout: a few hundred milliseconds that a
one-file ``gnbv validate`` would otherwise pay each time.  What was loaded is
keyed by the content of the definition files (and of the code that compiles
them), so an edited definition is always picked up, in this process and the
next.

On disk the compiled objects are pickled, which is safe only if nobody else
can write them: the cache folder is created private (0700) and is used only
while it and each file in it belong to this user and are writable by no one
else.  Any doubt — another owner, loose permissions, a file that does not
load — and the definitions are simply loaded from their YAML again.
``GNBV_CACHE_DIR`` moves the folder; ``GNBV_CACHE_DIR=off`` turns it off.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import os
import pickle
import stat
import sys
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

_FORMS_CODE = Path(__file__).resolve().parent  # the modules that turn definitions into objects
_MEMORY: OrderedDict[tuple[str, str], Any] = OrderedDict()
_MEMORY_LIMIT = 8  # a few definition sets at most (tests load edited copies); each is a few MB
_LOCK = threading.RLock()  # the same definitions asked for by several threads are loaded once
_DISK_LIMIT = 32
_CODE_HASH: list[str] = []
_CONSTRUCTED: dict[type, tuple[str, ...] | None] = {}  # see _by_constructor


def content_hash(paths: Iterable[Path]) -> str:
    """What the definitions say: file names and bytes, line endings made one."""
    digest = hashlib.sha256()
    for path in sorted(paths, key=lambda p: p.name):
        digest.update(path.name.encode())
        digest.update(b"\0")
        digest.update(path.read_bytes().replace(b"\r\n", b"\n"))
        digest.update(b"\0")
    return digest.hexdigest()


def _code_hash() -> str:
    """The compiling code itself: a changed module must not reuse objects built by the old one."""
    if not _CODE_HASH:
        digest = hashlib.sha256(sys.version.encode())
        for path in sorted(_FORMS_CODE.glob("*.py")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
        _CODE_HASH.append(digest.hexdigest())
    return _CODE_HASH[0]


def cache_dir() -> Path | None:
    configured = os.environ.get("GNBV_CACHE_DIR")
    if configured is not None:
        return None if configured.strip().lower() in ("", "0", "off", "no") else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or (
        os.environ.get("LOCALAPPDATA") if os.name == "nt" else None) or str(Path.home() / ".cache")
    return Path(base) / "gnbv-templates"


def _private(path: Path, *, directory: bool) -> bool:
    """Ours alone: owned by this user, writable by nobody else (POSIX); on other systems, a plain folder."""
    try:
        info = path.lstat()
    except OSError:
        return False
    if not (stat.S_ISDIR(info.st_mode) if directory else stat.S_ISREG(info.st_mode)):
        return False
    if hasattr(os, "getuid"):
        if info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return False
        if directory and info.st_mode & 0o077:
            return False
    return True


def _disk_path(kind: str, key: str) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    return folder / f"{kind}-{key[:40]}.pickle"


def _read(path: Path) -> Any:
    if not _private(path.parent, directory=True) or not _private(path, directory=False):
        return None
    collecting = gc.isenabled()
    gc.disable()  # tens of thousands of small objects: the collector would run over them again and again
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)
    except Exception:  # a truncated or stale file is only a missed cache
        return None
    finally:
        if collecting:
            gc.enable()


def _by_constructor(cls: type) -> tuple[str, ...] | None:
    """The fields to rebuild an instance of ``cls`` with, by calling ``cls(*values)``; None: pickle's own way.

    Frozen dataclasses with slots (cells, rows, formula nodes, units: thousands of them) are pickled through
    dataclasses' ``__setstate__``, a Python loop over ``fields()`` for every object: reading the cache back that
    way takes several times longer than a call of each one's constructor with its values in field order, which
    makes the same object (every field is an argument of ``__init__``, and nothing runs after it)."""
    if cls not in _CONSTRUCTED:
        _CONSTRUCTED[cls] = None
        params = getattr(cls, "__dataclass_params__", None)
        setstate = getattr(cls, "__setstate__", None)  # dataclasses' own, not one the class wrote
        if params is not None and params.frozen and params.init and \
                getattr(setstate, "__name__", "") == "_dataclass_setstate":
            fields = dataclasses.fields(cls)
            plain = len(fields) == len(cls.__dataclass_fields__)  # type: ignore[attr-defined]  # no InitVar
            if plain and not hasattr(cls, "__post_init__") and all(f.init and not f.kw_only for f in fields):
                _CONSTRUCTED[cls] = tuple(f.name for f in fields)
    return _CONSTRUCTED[cls]


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        names = _by_constructor(type(obj))
        if names is None:
            return NotImplemented
        return type(obj), tuple(getattr(obj, name) for name in names)


def _write(path: Path, value: Any) -> None:
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(path.parent, directory=True):
            return
        handle, tmp = tempfile.mkstemp(prefix=".part-", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                _Pickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        return  # no cache folder (read-only home, full disk): loading still works, only slower


def _prune(folder: Path) -> None:
    """Keep the newest few files: every edited copy of the definitions leaves one behind."""
    try:
        files = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[_DISK_LIMIT:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass


def cached(kind: str, where: Path, files: list[Path], build: Callable[[], T], expect: type[T]) -> T:
    """The object ``build`` makes from ``files``: from this process, from disk, or built (and kept)."""
    try:  # the folder is part of the key: loaded objects remember their files' paths
        key = hashlib.sha256(f"{kind}|{where.resolve()}|{content_hash(files)}|{_code_hash()}".encode()).hexdigest()
    except OSError:
        return build()  # an unreadable file: let the loader report it
    memory_key = (str(where.resolve()), key)
    with _LOCK:
        if memory_key in _MEMORY:
            _MEMORY.move_to_end(memory_key)
            return _MEMORY[memory_key]
        disk = _disk_path(kind, key)
        value: Any = _read(disk) if disk is not None else None
        if not isinstance(value, expect):
            value = build()
            if disk is not None:
                _write(disk, value)
                _prune(disk.parent)
        _MEMORY[memory_key] = value
        while len(_MEMORY) > _MEMORY_LIMIT:
            _MEMORY.popitem(last=False)
        return value


def forget() -> None:
    """Drop what this process holds (the disk copies stay valid: they are keyed by content)."""
    with _LOCK:
        _MEMORY.clear()
