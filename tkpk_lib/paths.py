"""Where data, derived tables and reports live.

The data root holds ``raw/<source>/<year>/`` files as delivered; the synthetic demo is generated
on first use in the demo root. ``TKPK_DATA_ROOT`` overrides the default data root.

Defaults depend on how the workbench is installed (:func:`in_checkout`):

- run from a git checkout (``pip install -e .`` or ``PYTHONPATH``): the demo in
  ``<checkout>/data/demo/generated``, reports in ``<checkout>/reports``;
- installed as a package (``pip install .``, a wheel, ``conda env create -f environment.yml``):
  nothing is written beside site-packages; the demo goes to ``./tkpk-demo`` and reports to
  ``./reports`` under the current working directory.

``TKPK_DEMO_ROOT`` and ``TKPK_REPORTS_ROOT`` override either. The report notebooks and the
exploration notebook are package data in ``tkpk_lib/notebooks/`` (:data:`NOTEBOOKS`), beside the
reference tables in ``tkpk_lib/reference/``.

Derived tables (``canonical/`` Parquet tables and their stamps, ``derived/<year>/`` report
caches, the default ``tindak_lanjut/<year>/`` follow-up lists) go to the *cache root* of a data
root, :func:`cache_root`: the data root itself, or, with ``--cache-dir DIR`` or
``TKPK_CACHE_DIR=DIR``, a folder of its own under ``DIR`` (one per data root, so two data roots
never share tables). This is the one place where that location is decided. Nothing happens at
import time.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from tkpk_lib.errors import TkpkError

PACKAGE_DIR = Path(__file__).resolve().parent
"""The installed ``tkpk_lib`` package folder."""
PROJECT_ROOT = PACKAGE_DIR.parent
"""Folder that holds ``tkpk_lib``: the checkout, or site-packages when installed."""
NOTEBOOKS = PACKAGE_DIR / "notebooks"
"""Package data: ``reports/*.ipynb`` (run by ``tkpk run``) and ``explore.ipynb`` (``tkpk lab``)."""
CACHE_ENV = "TKPK_CACHE_DIR"
DEMO_MARKER = "tkpk_demo.json"
"""File written first by :func:`tkpk_lib.synthetic.generate_demo`: the folder holds the demo."""
CACHE_HINT = f"give --cache-dir DIR (or set {CACHE_ENV}) to write the derived tables elsewhere"


def in_checkout() -> bool:
    """Whether ``tkpk_lib`` is imported from a source checkout rather than an installed package.

    True when the folder that holds ``tkpk_lib`` also holds the project's ``pyproject.toml``
    (never the case in site-packages).

    Examples
    --------
    >>> in_checkout() == (PROJECT_ROOT / "pyproject.toml").is_file()
    True
    """
    return (PROJECT_ROOT / "pyproject.toml").is_file()


def demo_root() -> Path:
    """Folder of the synthetic demo data.

    ``$TKPK_DEMO_ROOT``, else ``data/demo/generated`` in a checkout, else ``./tkpk-demo`` under
    the current working directory (an installed package never writes into site-packages).

    Examples
    --------
    >>> demo_root().name in ("generated", "tkpk-demo") or "TKPK_DEMO_ROOT" in os.environ
    True
    """
    env = os.environ.get("TKPK_DEMO_ROOT")
    if env:
        return Path(env)
    return PROJECT_ROOT / "data" / "demo" / "generated" if in_checkout() else Path.cwd() / "tkpk-demo"


def data_root() -> Path:
    """Folder of the user's data: ``$TKPK_DATA_ROOT`` or the demo folder."""
    env = os.environ.get("TKPK_DATA_ROOT")
    return Path(env) if env else demo_root()


def reports_root() -> Path:
    """Folder where report runs are written.

    ``$TKPK_REPORTS_ROOT``, else ``reports/`` in a checkout, else ``./reports`` under the
    current working directory.

    Examples
    --------
    >>> reports_root().name == "reports" or "TKPK_REPORTS_ROOT" in os.environ
    True
    """
    env = os.environ.get("TKPK_REPORTS_ROOT")
    if env:
        return Path(env)
    return (PROJECT_ROOT if in_checkout() else Path.cwd()) / "reports"


def is_demo_root(root: str | Path) -> bool:
    """Whether ``root`` is the demo folder (:func:`demo_root`), the only place the demo is generated.

    Examples
    --------
    >>> is_demo_root(demo_root())
    True
    >>> is_demo_root("/nonexistent/user/data")
    False
    """
    try:
        return Path(root).resolve() == demo_root().resolve()
    except OSError:
        return False


def is_demo_folder(root: str | Path) -> bool:
    """Whether ``root`` holds a synthetic demo written by :func:`tkpk_lib.synthetic.generate_demo`.

    True when it has the ``tkpk_demo.json`` marker, or (demo folders written before the marker
    existed) a ``README.md`` that starts with the demo's title.

    Examples
    --------
    >>> is_demo_folder("/nonexistent")
    False
    """
    root = Path(root)
    if (root / DEMO_MARKER).is_file():
        return True
    try:
        with open(root / "README.md", encoding="utf-8") as f:
            return f.readline().startswith("# Data demo SINTETIS")
    except (OSError, UnicodeDecodeError):
        return False


def cache_root(root: str | Path, cache_dir: str | Path | None = None) -> Path:
    """The folder that holds the derived tables of the data root ``root``.

    ``cache_dir`` (the ``--cache-dir`` option), else ``$TKPK_CACHE_DIR``, else ``root`` itself.
    Under a cache folder each data root gets its own subfolder ``<name>-<10 hex digits of its
    resolved path>``, so one ``TKPK_CACHE_DIR`` serves several data roots without mixing them.

    Parameters
    ----------
    root : path
        Data root.
    cache_dir : path, optional
        Folder for derived tables given by the user.

    Returns
    -------
    pathlib.Path
        ``canonical/``, ``derived/<year>/`` and ``tindak_lanjut/<year>/`` go under it.

    Examples
    --------
    >>> str(cache_root("/data/bengkulu", "")) if not os.environ.get(CACHE_ENV) else "/data/bengkulu"
    '/data/bengkulu'
    >>> cache_root("/data/bengkulu", "/tmp/cache").parent
    PosixPath('/tmp/cache')
    """
    given = str(cache_dir) if cache_dir else os.environ.get(CACHE_ENV, "")
    if not given:
        return Path(root)
    resolved = str(Path(root).resolve())
    tag = hashlib.sha256(resolved.encode("utf-8")).hexdigest()[:10]
    name = re.sub(r"[^A-Za-z0-9]+", "_", Path(resolved).name).strip("_") or "data"
    return Path(given) / f"{name}-{tag}"


def canonical_dir(root: str | Path, cache_dir: str | Path | None = None) -> Path:
    """``<cache root>/canonical``: canonical Parquet tables and their stamps (see :func:`cache_root`)."""
    return cache_root(root, cache_dir) / "canonical"


def derived_dir(root: str | Path, year: int, cache_dir: str | Path | None = None) -> Path:
    """``<cache root>/derived/<year>``: the prepared report tables of a year (see :func:`cache_root`)."""
    return cache_root(root, cache_dir) / "derived" / str(int(year))


def followup_dir(root: str | Path, year: int, cache_dir: str | Path | None = None) -> Path:
    """``<cache root>/tindak_lanjut/<year>``: default folder of the follow-up lists."""
    return cache_root(root, cache_dir) / "tindak_lanjut" / str(int(year))


def _can_create(folder: Path) -> bool:
    """Whether a file can be created in the existing folder ``folder``.

    ``os.access`` first (it sees read-only mounts, also for root, and permissions for other
    users), then a real probe: a temporary file created and removed at once, because a network
    share or Windows ACLs can refuse a write that ``os.access`` allows.
    """
    if not os.access(folder, os.W_OK | os.X_OK):
        return False
    try:
        fd, name = tempfile.mkstemp(prefix=".tkpk_probe_", dir=folder)
    except OSError:
        return False
    os.close(fd)
    os.unlink(name)
    return True


def writable(path: str | Path) -> bool:
    """Whether files can be written to the folder ``path`` (created if absent).

    The nearest existing folder on the way is probed (:func:`_can_create`); a path below a
    regular file is never writable.

    Examples
    --------
    >>> import tempfile
    >>> writable(Path(tempfile.mkdtemp()) / "new" / "folder")
    True
    """
    p = Path(path).absolute()
    while not p.exists() and p != p.parent:
        p = p.parent
    return p.is_dir() and _can_create(p)


def require_writable(path: str | Path, hint: str) -> Path:
    """Return ``path``, or raise a one-line :class:`TkpkError` naming it and ``hint``.

    Parameters
    ----------
    path : path
        Folder that is about to be written (it may not exist yet).
    hint : str
        What the user can do, e.g. ``"choose another folder with --out"``.

    Raises
    ------
    TkpkError
        When the folder cannot be written (read-only share, no permission, a file in the way).

    Examples
    --------
    >>> require_writable("/proc/tkpk", "use --out")  # doctest: +SKIP
    Traceback (most recent call last):
    tkpk_lib.errors.TkpkError: /proc/tkpk: folder is not writable (read-only?); use --out
    """
    if not writable(path):
        raise TkpkError(f"{path}: folder is not writable (read-only?); {hint}")
    return Path(path)


def writable_cache_root(root: str | Path, cache_dir: str | Path | None = None) -> Path:
    """:func:`cache_root` of ``root``, checked to be writable (one-line error naming the option).

    Examples
    --------
    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> writable_cache_root(d) == Path(d)
    True
    """
    c = cache_root(root, cache_dir)
    hint = (
        f"check the folder given by --cache-dir/{CACHE_ENV}"
        if c != Path(root)
        else CACHE_HINT
    )
    return require_writable(c, hint)
