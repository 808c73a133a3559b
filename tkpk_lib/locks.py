"""An exclusive lock on a file, released by the operating system when its holder ends.

Used where two runs on one data root (two people, one shared folder) could write the same
files at once: the canonical tables (:func:`tkpk_lib.data.canonical.build_canonical`) and the
prepared report tables (:func:`tkpk_lib.reporting.report.prepare_year`). The lock is advisory (both
sides must take it) and is released on exit, also when the process is killed, so a crashed
run never leaves a stale lock behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import time
from collections.abc import Iterator
from pathlib import Path

__all__ = ["locked"]


@contextlib.contextmanager
def locked(path: str | Path) -> Iterator[bool]:
    """Hold an exclusive lock on ``path`` (created when absent) while the block runs.

    Parameters
    ----------
    path : path
        Lock file; its folder is created.

    Yields
    ------
    bool
        True when locked; False on a file system without locks (some network shares), where
        the block runs unlocked and callers rely on atomic renames alone.

    Examples
    --------
    >>> import tempfile
    >>> with locked(Path(tempfile.mkdtemp()) / ".lock") as ok:
    ...     ok
    True
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as fh:
        if os.name == "nt":  # pragma: no cover - Windows
            import msvcrt

            while True:
                try:
                    fh.seek(0)
                    msvcrt.locking(fh.fileno(), msvcrt.LK_LOCK, 1)  # type: ignore[attr-defined]
                    break
                except OSError:  # LK_LOCK gives up after 10 s: keep waiting
                    time.sleep(0.5)
            try:
                yield True
            finally:
                fh.seek(0)
                msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
            return
        import fcntl

        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            held = True
        except OSError as exc:
            if exc.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS):
                raise
            held = False
        try:
            yield held
        finally:
            if held:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
