"""Run manifests: what produced a set of reports.

``reports/<run_id>/manifest.json`` records the parameters of every notebook, the SHA-256 of
every declared input file, the tkpk_lib version and git commit, the versions of the libraries
that shape the numbers and the reports, the seeds, start/end times and every job's status and
timing. Times live only here, never inside report tables, so rerunning a run id on the same
inputs reproduces the tables exactly. ``"status"`` is ``"incomplete"`` from the start of a run
(rewritten after every finished unit, jobs not done yet ``"pending"``, or ``"cancelled"`` after
an interrupt) and ``"complete"`` at its clean end (:mod:`tkpk_lib.batch.run`).
"""

from __future__ import annotations

import hashlib
import importlib.metadata as md
import json
import platform
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tkpk_lib.errors import ReportError

__all__ = [
    "DEPENDENCIES",
    "environment_info",
    "git_commit",
    "hash_inputs",
    "read_manifest",
    "sha256_file",
    "write_manifest",
]

#: Distributions whose versions are recorded in every manifest.
DEPENDENCIES = (
    "pandas",
    "numpy",
    "scipy",
    "geopandas",
    "shapely",
    "pyogrio",
    "esda",
    "libpysal",
    "samplics",
    "statsmodels",
    "scikit-learn",
    "duckdb",
    "pyarrow",
    "pyreadstat",
    "openpyxl",
    "papermill",
    "nbclient",
    "nbconvert",
    "nbformat",
    "ipykernel",
    "plotly",
    "matplotlib",
    "dask",
    "distributed",
)


def sha256_file(path: str | Path, *, chunk: int = 1 << 20) -> str:
    """SHA-256 hex digest of a file, read in chunks.

    Parameters
    ----------
    path : path
        File to hash.
    chunk : int, default 1 MiB
        Read size.

    Returns
    -------
    str
        64 hex characters.

    Examples
    --------
    >>> sha256_file("pyproject.toml")  # doctest: +SKIP
    '3b0c…'
    """
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def hash_inputs(paths: Iterable[str | Path], *, root: str | Path | None = None) -> list[dict[str, Any]]:
    """Hash the declared input files of a run.

    Parameters
    ----------
    paths : iterable of path
        Files or folders (folders are walked recursively, hidden files skipped). Relative
        paths are taken relative to ``root``.
    root : path, optional
        Data root; recorded paths are relative to it when they lie inside it.

    Returns
    -------
    list of dict
        One ``{"path", "bytes", "sha256"}`` per file, sorted by path.

    Raises
    ------
    ReportError
        A declared input does not exist.

    Examples
    --------
    >>> hash_inputs(["households.parquet"], root="data/demo/generated")  # doctest: +SKIP
    [{'path': 'households.parquet', 'bytes': 81234, 'sha256': '…'}]
    """
    root_path = Path(root).resolve() if root is not None else None
    files: set[Path] = set()
    for p in paths:
        p = Path(p)
        if not p.is_absolute() and root_path is not None:
            p = root_path / p
        if p.is_dir():
            files.update(
                f.resolve() for f in p.rglob("*")
                if f.is_file() and not any(part.startswith(".") for part in f.relative_to(p).parts)
            )
        elif p.is_file():
            files.add(p.resolve())
        else:
            raise ReportError(f"{p}: declared input file not found")
    out = []
    for f in files:
        shown = f
        if root_path is not None:
            try:
                shown = f.relative_to(root_path)
            except ValueError:
                shown = f
        out.append({"path": shown.as_posix(), "bytes": f.stat().st_size, "sha256": sha256_file(f)})
    return sorted(out, key=lambda r: r["path"])


def git_commit(path: str | Path | None = None) -> dict[str, Any] | None:
    """Git commit (and whether the tree has local changes) of the checkout holding ``path``.

    Parameters
    ----------
    path : path, optional
        A path inside the repository; default the folder of this package.

    Returns
    -------
    dict or None
        ``{"commit": sha, "dirty": bool}``, ``None`` outside a git repository or without git.

    Examples
    --------
    >>> git_commit()  # doctest: +SKIP
    {'commit': 'b006ee6…', 'dirty': False}
    """
    where = Path(path) if path is not None else Path(__file__).resolve().parent
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, timeout=10
        )
        if sha.returncode != 0:
            return None
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=where, capture_output=True, text=True, timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return {"commit": sha.stdout.strip(), "dirty": bool(status.stdout.strip())}


def _version(dist: str) -> str | None:
    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return None


def environment_info(dependencies: Iterable[str] = DEPENDENCIES) -> dict[str, Any]:
    """Versions of tkpk_lib, Python and the report's dependencies, plus the git commit.

    Parameters
    ----------
    dependencies : iterable of str
        Distribution names to record (missing ones are recorded as ``None``).

    Returns
    -------
    dict
        ``tkpk_lib`` (version, ``"0+unknown"`` when not installed), ``git``, ``python``,
        ``platform`` and ``dependencies``.

    Examples
    --------
    >>> environment_info(["pandas"])["dependencies"]["pandas"]  # doctest: +SKIP
    '3.1.1'
    """
    return {
        "tkpk_lib": _version("tkpk-workbench") or "0+unknown",
        "git": git_commit(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "dependencies": {d: _version(d) for d in dependencies},
    }


def write_manifest(path: str | Path, manifest: dict[str, Any]) -> Path:
    """Write a manifest as sorted, indented JSON, atomically (temp file + ``os.replace``).

    Parameters
    ----------
    path : path
        Usually ``reports/<run_id>/manifest.json``.
    manifest : dict
        JSON-serialisable content (paths and other objects are written with ``str``).

    Returns
    -------
    pathlib.Path
        The manifest path.

    Examples
    --------
    >>> write_manifest("reports/r1/manifest.json", {"run_id": "r1"})  # doctest: +SKIP
    """
    from tkpk_lib.batch.export import atomic_path

    path = Path(path)
    text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def read_manifest(path: str | Path) -> dict[str, Any]:
    """Read a manifest written by :func:`write_manifest`.

    Parameters
    ----------
    path : path
        Manifest file or the run folder holding ``manifest.json``.

    Returns
    -------
    dict
        The manifest.

    Raises
    ------
    ReportError
        The manifest is missing or not valid JSON.

    Examples
    --------
    >>> read_manifest("reports/r1")["run_id"]  # doctest: +SKIP
    'r1'
    """
    path = Path(path)
    if path.is_dir():
        path = path / "manifest.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReportError(f"{path}: cannot read run manifest ({exc})") from exc
