"""Build the canonical registry Parquet file batch by batch, in bounded memory.

:func:`tkpk_lib.data.readers.read_registry` holds the whole registry (and its text, and the
validated copy) in memory: ~5.5 GB at 6 million households. :func:`write_registry_parquet`
reads a CSV or Parquet registry in batches (pyarrow's streaming CSV reader where
:func:`tkpk_lib.data.readers._read_plain_csv` would use pyarrow, else pandas' chunked parser),
converts and validates each batch exactly as :func:`~tkpk_lib.data.readers.read_registry` does,
and appends it to the Parquet file with a ``ParquetWriter``. Only what needs the whole file
is kept across batches: the NIK column (for the duplicate-key check, ~20 bytes a household)
and the identifier evidence (:class:`tkpk_lib.data.validate.IdentifierCheck`).

The result is the table :func:`~tkpk_lib.data.readers.read_registry` returns (same columns,
types and values; only the Parquet row groups differ), and a bad file raises the same
:class:`~tkpk_lib.errors.SchemaError`: the problems of all batches are merged per column and
message, in the order :func:`~tkpk_lib.data.validate.validate_table` reports them, with the rows
of the user's file. Workbooks (``.xlsx``/``.xls``, at most 1,048,576 rows) are read whole.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from tkpk_lib.data import readers
from tkpk_lib.data.schemas import SCHEMAS
from tkpk_lib.data.validate import validate_table
from tkpk_lib.errors import Problem, SchemaError, TkpkError

__all__ = ["validate_registry", "write_registry_parquet"]

BATCH_ROWS = 250_000
"""Default number of registry rows per batch (~150-300 MB of working memory)."""

_SCAN_BYTES = 1 << 24
_HEAD_CHARS = 200_000  # as much of the text as readers._read_text_table searches for the header
_BLOCK_BYTES = 1 << 22  # pyarrow CSV block (a row must fit in one)

# the order in which validate_table reports the checks of one column
_KINDS = (
    "missing values",
    "values that are not numbers",
    "values that are not whole numbers",
    "must be greater than 0",
    "values below the minimum",
    "values above the maximum",
    "values outside the allowed codes",
    "values that are not dates",
    "values not of the form",
    "values outside the allowed list",
    "codes that are not",
)


def _scan(p: Path) -> tuple[bool, bool, str]:
    """(UTF-8?, any double quote?, the first 200,000 characters) of a text file, in blocks."""
    dec = codecs.getincrementaldecoder("utf-8")()
    utf8, quote, head = True, False, ""
    with open(p, "rb") as fh:
        first = True
        while True:
            block = fh.read(_SCAN_BYTES)
            if first and block.startswith(b"\xef\xbb\xbf"):
                block = block[3:]
            first = False
            quote = quote or b'"' in block
            if utf8:
                try:
                    text = dec.decode(block, final=not block)
                except UnicodeDecodeError:
                    utf8 = False
                    text = ""
                if len(head) < _HEAD_CHARS:
                    head += text[: _HEAD_CHARS - len(head)]
            if not block:
                break
    if not utf8:
        with open(p, "rb") as fh:
            head = fh.read(_HEAD_CHARS).decode("cp1252", errors="replace")
    return utf8, quote, head


def _sep(head: str) -> str:
    """The delimiter, sniffed as :func:`tkpk_lib.data.readers._read_text_table` does."""
    try:
        head = head[:20000]
        return csv.Sniffer().sniff(head.splitlines()[0] if head else ",", delimiters=";,\t|").delimiter
    except csv.Error:
        return ","


def _plain_names(head: str, sep: str) -> list[str] | None:
    """The header of a file the pyarrow fast path may read (see ``readers._read_plain_csv``)."""
    start = 0
    while start < len(head) and head[start] in "\r\n":
        start += 1
    end = head.find("\n", start)
    if end < 0:
        return None  # header longer than the head: leave it to pandas
    names = head[start:end].rstrip("\r").split(sep)
    if len(names) < 2 or len(set(names)) != len(names) or not all(n for n in names):
        return None
    return names


def _arrow_batches(p: Path, sep: str, names: list[str], rows: int) -> Iterator[pd.DataFrame]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    with open(p, "rb") as fh:
        if fh.read(3) != b"\xef\xbb\xbf":
            fh.seek(0)
        reader = pacsv.open_csv(
            fh,
            read_options=pacsv.ReadOptions(use_threads=False, block_size=_BLOCK_BYTES),
            parse_options=pacsv.ParseOptions(delimiter=sep, quote_char=False),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        if reader.schema.names != names:
            raise _Fallback
        # small blocks keep the reader's own buffers small (~280 MB of RSS with 4 MB blocks,
        # ~700 MB with 16 MB); they are gathered into batches of ``rows`` rows
        pending: list = []
        count = 0
        for block in reader:
            pending.append(block)
            count += block.num_rows
            while count >= rows:
                t = pa.Table.from_batches(pending, schema=reader.schema)
                yield t.slice(0, rows).to_pandas()
                rest = t.slice(rows)
                pending, count = rest.to_batches(), rest.num_rows
        if count:
            yield pa.Table.from_batches(pending, schema=reader.schema).to_pandas()


class _Fallback(Exception):
    """The pyarrow reader cannot give pandas' frame for this file: use pandas."""


def _pandas_batches(p: Path, sep: str, utf8: bool, rows: int) -> Iterator[pd.DataFrame]:
    with pd.read_csv(
        p,
        sep=sep,
        dtype=str,
        keep_default_na=False,
        encoding="utf-8-sig" if utf8 else "cp1252",
        encoding_errors="strict" if utf8 else "replace",
        chunksize=rows,
    ) as it:
        yield from it


def _csv_batches(p: Path, rows: int, scan: tuple[bool, bool, str]) -> Iterator[pd.DataFrame]:
    """Batches of a CSV registry as text frames: what ``read_raw(..., as_text=True)`` gives."""
    utf8, quote, head = scan
    sep = _sep(head)
    names = _plain_names(head, sep) if utf8 and not quote and len(sep) == 1 else None
    if names is not None:
        import pyarrow as pa

        gen = _arrow_batches(p, sep, names, rows)
        first: list[pd.DataFrame] = []
        try:
            first.append(next(gen))
        except StopIteration:
            pass
        except (_Fallback, pa.ArrowInvalid, pa.ArrowTypeError, ValueError):
            names = None
        if names is not None:
            try:
                yield from first
                yield from gen
                return
            except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
                # a ragged row further down: pandas pads it; the caller starts again
                raise _Restart from exc
    yield from _pandas_batches(p, sep, utf8, rows)


class _Restart(Exception):
    """The fast reader failed after some batches were used: read again with pandas."""


def _batches(
    p: Path, rows: int, scan: tuple[bool, bool, str] | None, *, force_pandas: bool = False
) -> Iterator[pd.DataFrame]:
    """Text batches of a registry file with the file's column names (stripped)."""
    if p.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(p)
        for batch in pf.iter_batches(batch_size=rows):
            yield _parquet_frame(batch)
        return
    assert scan is not None
    if force_pandas:
        utf8, _, head = scan
        gen = _pandas_batches(p, _sep(head), utf8, rows)
    else:
        gen = _csv_batches(p, rows, scan)
    for df in gen:
        df.columns = [str(c).strip() for c in df.columns]
        yield df


def _parquet_frame(batch) -> pd.DataFrame:
    """One Parquet record batch as ``pd.read_parquet`` would give it."""
    import pyarrow as pa

    table = pa.Table.from_batches([batch])
    # pd.read_parquet's conversion (string columns as pandas' default text dtype)
    from pandas.io._util import arrow_table_to_pandas

    return arrow_table_to_pandas(table).reset_index(drop=True)


class _KeyRows:
    """The NIK of every row seen, compactly, for the duplicate-key check over all batches.

    A 16-digit NIK is kept as an int64 (8 bytes instead of a ~40-byte text cell; two
    16-digit texts are equal exactly when their numbers are), anything else (missing,
    malformed) as text. Gives the rows :func:`tkpk_lib.data.validate._duplicated_keys` marks on
    the whole column (missing values count as one key, as pandas' ``duplicated`` does).
    """

    def __init__(self) -> None:
        self._num: list[np.ndarray] = []
        self._num_rows: list[np.ndarray] = []
        self._other: list[tuple[object, int]] = []

    def add(self, nik: pd.Series, rows: np.ndarray) -> None:
        """Add one batch: stripped NIK text and the file rows."""
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pa.array(nik.array)
        ok = pc.and_(pc.ascii_is_decimal(arr), pc.equal(pc.binary_length(arr), 16)).fill_null(False)
        is16 = np.asarray(ok.to_numpy(zero_copy_only=False), dtype=bool)
        if is16.any():
            self._num.append(pc.cast(arr.filter(ok), pa.int64()).to_numpy(zero_copy_only=False))
            self._num_rows.append(np.asarray(rows)[is16])
        for v, r in zip(nik[~is16].tolist(), np.asarray(rows)[~is16].tolist(), strict=True):
            self._other.append((None if v is pd.NA or v is None else v, int(r)))

    def duplicated_rows(self) -> np.ndarray:
        """Sorted rows whose NIK occurs more than once."""
        out: list[np.ndarray] = []
        if self._num:
            v = np.concatenate(self._num)
            r = np.concatenate(self._num_rows)
            o = np.argsort(v, kind="stable")
            vs = v[o]
            same = vs[1:] == vs[:-1]
            dup = np.zeros(len(vs), dtype=bool)
            dup[1:] |= same
            dup[:-1] |= same
            out.append(r[o][dup])
        if self._other:
            count: dict[object, int] = {}
            for v, _ in self._other:
                count[v] = count.get(v, 0) + 1
            out.append(np.asarray([r for v, r in self._other if count[v] > 1], dtype=np.int64))
        return np.sort(np.concatenate(out)) if out else np.empty(0, np.int64)


def _text_plain(p: Path, head: str, expected: list[str]) -> bool:
    """Whether the column names are on the first line (:func:`readers.read_raw`'s test).

    The same search as ``readers._read_text_table``: a file without the expected names in
    its first lines raises the same :class:`SchemaError`.
    """
    lines = head.splitlines(keepends=True)[: readers.HEADER_SCAN_ROWS + 5]
    grid = [[c.strip().strip('"') for c in re.split(r"[;,\t|]", ln)] for ln in lines]
    return readers.find_header({None: grid}, expected, p.name).plain


def _rank(pr: Problem, order: dict[str, int]) -> tuple[int, int, int]:
    col = pr.canonical or pr.column
    if pr.message.startswith("required column is missing"):
        return (0, order.get(str(col), len(order)), 0)
    kind = next((i for i, k in enumerate(_KINDS) if pr.message.startswith(k)), len(_KINDS))
    if col in order:
        return (1, order[str(col)], kind)
    return (2, 0, 0)


def validate_registry(
    path: str | Path, *, columns: dict[str, str] | None = None, batch_rows: int = BATCH_ROWS
) -> tuple[int, str | None]:
    """Check a registry export as the build does, batch by batch, writing nothing.

    Returns
    -------
    tuple
        Number of households and the layout (sheet, header row) when it is not the plain
        one (``None`` else), as ``read_registry(...).attrs["layout"]``.

    Raises
    ------
    SchemaError
        As :func:`write_registry_parquet`.
    """
    return _run(Path(path), None, columns, batch_rows)


def _run(
    p: Path, tmp: Path | None, columns: dict[str, str] | None, batch_rows: int
) -> tuple[int, str | None]:
    """Stream ``p`` (or read it whole where it must be) into ``tmp``, or only check it."""
    suffix = p.suffix.lower()
    if not p.exists():
        raise TkpkError(f"{p}: file not found")
    if suffix not in readers.TABLE_SUFFIXES:
        raise TkpkError(
            f"{p}: wrong file type '{suffix or '(none)'}'; expected one of "
            f"{', '.join(readers.TABLE_SUFFIXES)}"
        )
    if p.stat().st_size == 0:
        raise SchemaError([Problem(str(p), None, "the file is empty")])
    scan = None
    whole = suffix in (".xlsx", ".xls")
    if suffix not in (".xlsx", ".xls", ".parquet"):
        scan = _scan(p)
        cols = columns or readers.REGISTRY_COLUMNS
        # a title above the header (rare in a registry export): read whole, as read_raw does
        whole = not _text_plain(p, scan[2], [*cols, *cols.values()])
    if whole:
        df = readers.read_registry(p, columns=columns)
        if tmp is not None:
            df.drop(columns="_row").to_parquet(tmp, index=False)
        return len(df), df.attrs.get("layout")
    try:
        return _stream(p, tmp, columns, batch_rows, scan, force_pandas=False), None
    except _Restart:
        return _stream(p, tmp, columns, batch_rows, scan, force_pandas=True), None


def write_registry_parquet(
    path: str | Path,
    out: str | Path,
    *,
    columns: dict[str, str] | None = None,
    batch_rows: int = BATCH_ROWS,
) -> int:
    r"""Read, validate and write a registry export to the canonical Parquet file in batches.

    Parameters
    ----------
    path : path-like
        The registry export (``.csv``/``.txt``/``.parquet`` streamed; ``.xlsx``/``.xls``
        read whole).
    out : path-like
        The Parquet file to write; written under a temporary name and renamed when the
        whole file has passed, so a failed run leaves no (partial) file behind
        (:func:`validate_registry` only checks).
    columns : dict, optional
        Mapping of the file's column names to canonical names (default
        :data:`tkpk_lib.data.readers.REGISTRY_COLUMNS`).
    batch_rows : int
        Rows per batch.

    Returns
    -------
    int
        Number of households written.

    Raises
    ------
    SchemaError
        Every problem of the file, as :func:`tkpk_lib.data.readers.read_registry` reports them
        (file, column, the rows of the user's file).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "r.csv").write_text("NIK;KODE_DESA\n1701012001000001;1701012001\n")
    >>> try:
    ...     write_registry_parquet(d / "r.csv", d / "registry.parquet")
    ... except SchemaError as e:
    ...     print(e.problems[0].column, e.problems[0].canonical)
    NO_KK kk_no
    """
    out = Path(out)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        n, _ = _run(Path(path), tmp, columns, batch_rows)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return n


def _stream(  # noqa: C901 - pyarrow and pandas batch readers with the short-row fallback
    p: Path,
    tmp: Path | None,
    columns: dict[str, str] | None,
    batch_rows: int,
    scan: tuple[bool, bool, str] | None,
    *,
    force_pandas: bool,
) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = SCHEMAS["registry"]
    batch_schema = dataclasses.replace(schema, key=())  # the key is checked over all batches
    order = {c.name: i for i, c in enumerate(schema.columns)}
    source = p.name
    merged: dict[tuple[str | None, str | None, str], Problem] = {}
    ren: dict[str, str] | None = None
    names: dict[str, str] = {}
    checks: dict = {}
    keys = _KeyRows()
    writer = None
    arrow_schema = None
    first_attrs: dict = {}
    warnings: list[str] = []
    n = 0
    try:
        try:
            for raw in _batches(p, batch_rows, scan, force_pandas=force_pandas):
                if len(raw) == 0:
                    continue
                raw = raw.reset_index(drop=True)
                raw["_row"] = np.arange(n + 1, n + len(raw) + 1)
                n += len(raw)
                if ren is None:
                    ren = readers._registry_columns(raw, columns)
                    checks = readers._identifier_checks(ren, source)
                    names = readers._registry_names(ren, columns)
                df = readers._registry_batch(raw, ren, checks)
                del raw
                if "nik" in df.columns:
                    keys.add(df["nik"].astype("string").str.strip(), df["_row"].to_numpy())
                try:
                    valid = validate_table(df, batch_schema, source=source, names=names)
                except SchemaError as e:
                    for pr in e.problems:
                        k = (pr.column, pr.canonical, pr.message)
                        if k in merged:
                            merged[k].rows = [*merged[k].rows, *pr.rows]
                        else:
                            merged[k] = dataclasses.replace(pr, rows=list(pr.rows))
                    if writer is not None and tmp is not None:
                        writer.close()
                        writer = None
                        tmp.unlink(missing_ok=True)
                    continue
                if merged or tmp is None:
                    continue  # the file has failed (check the rest, write nothing), or no output
                warnings += list(valid.attrs.get("warnings", []))
                table = pa.Table.from_pandas(valid.drop(columns="_row"), preserve_index=False)
                if writer is None:
                    # DataFrame.to_parquet keeps the frame's attrs (validate_table's warnings)
                    # in the schema metadata: so does the streamed file
                    first_attrs = dict(valid.attrs)
                    meta = dict(table.schema.metadata or {})
                    if first_attrs:
                        meta[b"PANDAS_ATTRS"] = json.dumps(first_attrs).encode()
                    arrow_schema = table.schema.with_metadata(meta)
                    writer = pq.ParquetWriter(tmp, arrow_schema)
                writer.write_table(table.cast(arrow_schema))
        except (TkpkError, _Restart):
            raise
        except (pa.ArrowException, pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
            raise TkpkError(
                f"{p}: cannot be read as a {p.suffix.lower()} file ({type(exc).__name__}: {exc})"
            ) from None
        if writer is not None and warnings != list(first_attrs.get("warnings", [])):
            # warnings of later batches (the registry has no cross-field rules today)
            writer.add_key_value_metadata(
                {"PANDAS_ATTRS": json.dumps({**first_attrs, "warnings": warnings})}
            )
    finally:
        if writer is not None:
            writer.close()
    if n == 0:
        raise SchemaError([Problem(str(p), None, "the file has no data rows")])
    problems = [pr for c in readers.ID_COLUMNS if c in checks for pr in checks[c].problems()]
    seen = list(merged.values())
    problems += sorted(seen, key=lambda pr: _rank(pr, order))  # stable: first seen breaks ties
    if schema.key == ("nik",) and "nik" in (ren or {}).values():
        dup = keys.duplicated_rows()
        if len(dup):
            user = names.get("nik", "nik")
            problems.append(Problem(source, user, "duplicate keys", dup.tolist(),
                                    canonical="nik" if "nik" in names else None))
    if problems:
        raise SchemaError(problems)
    return n
