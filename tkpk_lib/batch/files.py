"""General file helpers: write a file so that readers never see it half written."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _umask() -> int:
    """The process's umask (read by setting it and setting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def publish_mode(path: str | Path) -> None:
    """Give a file or folder made by :mod:`tempfile` the permissions of an ordinary new one.

    ``mkstemp`` and ``mkdtemp`` create files and folders for their owner only (0600, 0700); a
    report or cache entry moved into place with that mode cannot be opened by the colleagues
    who share the reports or data folder. This sets ``0666 & ~umask`` for a file and
    ``0777 & ~umask`` for a folder, what ``open(path, "w")`` or ``mkdir`` would have given.

    Examples
    --------
    >>> import tempfile
    >>> fd, name = tempfile.mkstemp()
    >>> os.close(fd)
    >>> publish_mode(name)
    >>> oct(os.stat(name).st_mode & 0o777) == oct(0o666 & ~_umask())
    True
    >>> os.unlink(name)
    """
    base = 0o777 if os.path.isdir(path) else 0o666
    os.chmod(path, base & ~_umask())


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Write a file atomically: yield a temporary path beside ``path``, then move it into place.

    On success the temporary file gets an ordinary file's permissions (:func:`publish_mode`)
    and replaces ``path`` with :func:`os.replace` (atomic on one file system), so readers never
    see a half-written report; on an exception it is deleted.

    Parameters
    ----------
    path : path
        Final file; its folder is created.

    Yields
    ------
    pathlib.Path
        Temporary file (hidden name, same suffix) to write to.

    Examples
    --------
    >>> with atomic_path("reports/r1/manifest.json") as tmp:  # doctest: +SKIP
    ...     tmp.write_text("{}")
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f"{path.suffix}.tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        publish_mode(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
