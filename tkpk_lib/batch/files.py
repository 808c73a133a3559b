"""General file helpers: write a file so that readers never see it half written."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Write a file atomically: yield a temporary path beside ``path``, then move it into place.

    On success the temporary file replaces ``path`` with :func:`os.replace` (atomic on one
    file system), so readers never see a half-written report; on an exception it is deleted.

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
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
