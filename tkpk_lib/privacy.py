"""Keep personal data out of reports: artefact scans and keyed pseudonyms.

* :func:`scan_artifacts` looks through report artefacts (HTML, executed notebooks, PDF,
  Excel, CSV/JSON/text) for 16-digit NIK-like numbers and for given names. The report runner
  calls it as a last guard; tests call it on planted data. Findings are masked, so the scan
  itself never copies a NIK or a name into a log.
* :func:`pseudonymise` replaces identifiers (NIK, KK numbers, names) by HMAC-SHA256 keyed
  pseudonyms. The key comes from :func:`load_key` (a file outside the repository or the
  ``TKPK_PSEUDONYM_KEY`` environment variable) and never lives in the repository.

A NIK (Nomor Induk Kependudukan) has 16 digits: province (2), kabupaten (2), kecamatan (2),
birth date DDMMYY with 40 added to the day for women, and a 4-digit serial (Dukcapil). The
scan counts a 16-digit number as NIK-like when its province code is 11-96, its day is 01-31
or 41-71 and its month is 01-12, which keeps hashes, long decimals and ids out of the findings.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from tkpk_lib.errors import ReportError

__all__ = [
    "is_nik_like",
    "load_key",
    "pseudonymise",
    "redact_notebook",
    "redact_text",
    "scan_artifacts",
    "scan_text",
    "xlsx_text",
]

KEY_ENV = "TKPK_PSEUDONYM_KEY"
# 16 digits, not part of a longer number or a decimal fraction; "….0" (a NIK read as float) counts
_NIK = re.compile(r"(?<![A-Za-z0-9_.])(\d{16})(?!\d)(?!\.\d*[1-9])")
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/]{200,}={0,2}")
_WORD = re.compile(r"\w+")
_LIBRARY_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.IGNORECASE | re.DOTALL)
_TEXT_SUFFIXES = {".html", ".htm", ".ipynb", ".json", ".csv", ".txt", ".md", ".log", ".tsv", ".xml"}
_FINDING_COLUMNS = ["path", "kind", "line", "masked"]


def is_nik_like(digits: str) -> bool:
    """Whether a 16-digit string is structured like a NIK.

    Parameters
    ----------
    digits : str
        Candidate string.

    Returns
    -------
    bool
        True for 16 digits with a plausible province code (11-96), birth day (01-31, or
        41-71 for women) and month (01-12).

    Examples
    --------
    >>> is_nik_like("1701014507900001")
    True
    >>> is_nik_like("0000000000000002")
    False
    """
    if len(digits) != 16 or not digits.isdigit():
        return False
    prov, day, month = int(digits[0:2]), int(digits[6:8]), int(digits[8:10])
    return 11 <= prov <= 96 and (1 <= day <= 31 or 41 <= day <= 71) and 1 <= month <= 12


def _drop_library(m: re.Match[str]) -> str:
    """Blank an inlined JavaScript library (plotly.js): code, not data, and megabytes long."""
    head = m.group(0)[:400]
    return " " if "plotly.js v" in head and len(m.group(0)) > 100_000 else m.group(0)


def _mask(kind: str, value: str) -> str:
    if kind == "nik":
        return value[:4] + "*" * 12
    return value[:1] + "*" * max(len(value) - 1, 2)


def scan_text(text: str, names: Sequence[str] = (), *, source: str = "") -> pd.DataFrame:
    r"""Find NIK-like numbers and given names in a text.

    Long base64 runs (embedded images) and the inlined plotly.js library are skipped. Names
    match case-insensitively as whole-word sequences (``"Siti  Aminah"`` and ``"siti\naminah"``
    both match ``"Siti Aminah"``); names shorter than 3 letters are ignored.

    Parameters
    ----------
    text : str
        Text to scan.
    names : sequence of str
        Names to look for (for example the names in the register that fed the report).
    source : str, default ""
        Value of the ``path`` column.

    Returns
    -------
    pandas.DataFrame
        One row per finding: ``path``, ``kind`` ("nik" or "name"), ``line`` (1-based),
        ``masked`` (the match with all but its first characters starred).

    Examples
    --------
    >>> scan_text("NIK 1701014507900001 milik Siti Aminah", ["siti aminah"])["kind"].tolist()
    ['nik', 'name']
    """
    text = _LIBRARY_SCRIPT.sub(_drop_library, text)
    text = _BASE64_RUN.sub(" ", text)
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line_of(pos: int) -> int:
        lo, hi = 0, len(line_starts)
        while lo + 1 < hi:
            mid = (lo + hi) // 2
            if line_starts[mid] <= pos:
                lo = mid
            else:
                hi = mid
        return lo + 1

    rows: list[dict[str, Any]] = []
    for m in _NIK.finditer(text):
        if is_nik_like(m.group(1)):
            rows.append(
                {"path": source, "kind": "nik", "line": line_of(m.start()),
                 "masked": _mask("nik", m.group(1))}
            )
    # names: compare word sequences (one tokenisation, set look-ups), not one regex per name
    wanted: dict[tuple[str, ...], str] = {}
    for name in names:
        words = tuple(w.casefold() for w in _WORD.findall(str(name)))
        if words and len("".join(words)) >= 3:
            wanted[words] = str(name).strip()
    if wanted:
        lengths = sorted({len(w) for w in wanted})
        tokens = [(m.group(0).casefold(), m.start()) for m in _WORD.finditer(text)]
        words_only = [t for t, _ in tokens]
        for i in range(len(tokens)):
            for k in lengths:
                if i + k > len(tokens):
                    break
                key = tuple(words_only[i:i + k])
                if key in wanted:
                    rows.append(
                        {"path": source, "kind": "name", "line": line_of(tokens[i][1]),
                         "masked": _mask("name", wanted[key])}
                    )
    return pd.DataFrame(rows, columns=_FINDING_COLUMNS)


def _read_for_scan(path: Path) -> str | None:
    suffix = path.suffix.lower()
    if suffix in _TEXT_SUFFIXES:
        return path.read_text(encoding="utf-8", errors="replace")
    if suffix == ".pdf":
        try:
            proc = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True)
        except OSError as exc:
            raise ReportError(f"{path}: cannot scan PDF, pdftotext missing (poppler-utils)") from exc
        return proc.stdout.decode("utf-8", errors="replace")
    if suffix in {".xlsx", ".xlsm"}:
        return xlsx_text(path)
    return None


_XL_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _xl_number(text: str) -> str:
    """A numeric cell as a person would read it: integral floats without ".0" or exponent."""
    if "E" in text or "e" in text or text.endswith(".0"):
        try:
            value = float(text)
        except ValueError:
            return text
        if value.is_integer():
            return str(int(value))
    return text


def xlsx_text(path: str | Path) -> str:
    """Cell values of every sheet of an .xlsx workbook as text, one line per row, tab-separated.

    The workbook's XML parts are read directly with :mod:`xml.etree.ElementTree` (shared
    strings, inline strings, numbers, booleans, formula results): about 20x faster than
    openpyxl's cell objects, which cost ~2 s per annex workbook in every report job. Integral
    numbers are written without ``.0`` or an exponent, so a NIK stored as a number is still
    seen as 16 digits.

    Parameters
    ----------
    path : path
        Workbook (.xlsx/.xlsm).

    Returns
    -------
    str
        Non-empty rows of all sheets in workbook order (empty cells left out).

    Raises
    ------
    ReportError
        The file is not a readable workbook.

    Examples
    --------
    >>> "Jumlah" in xlsx_text("lampiran_lp2kd_1701_2024.xlsx")  # doctest: +SKIP
    True
    """
    import xml.etree.ElementTree as ET
    import zipfile

    path = Path(path)
    ns = _XL_NS
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            shared: list[str] = []
            if "xl/sharedStrings.xml" in names:
                root = ET.fromstring(z.read("xl/sharedStrings.xml"))
                shared = ["".join(t.text or "" for t in si.iter(f"{ns}t")) for si in root.iter(f"{ns}si")]
            sheets = [n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")]
            sheets.sort(key=lambda n: (len(n), n))  # sheet1, sheet2, ..., sheet10
            lines: list[str] = []
            for name in sheets:
                root = ET.fromstring(z.read(name))
                for row in root.iter(f"{ns}row"):
                    values = []
                    for c in row.iter(f"{ns}c"):
                        kind = c.get("t", "n")
                        if kind == "inlineStr":
                            values.append("".join(t.text or "" for t in c.iter(f"{ns}t")))
                            continue
                        v = c.find(f"{ns}v")
                        text = "" if v is None or v.text is None else v.text
                        if not text:
                            continue  # a styled empty cell
                        if kind == "s":
                            values.append(shared[int(text)])
                        elif kind == "n":
                            values.append(_xl_number(text))
                        else:
                            values.append(text)
                    if values:
                        lines.append("\t".join(values))
    except (zipfile.BadZipFile, KeyError, IndexError, ValueError, ET.ParseError) as exc:
        raise ReportError(f"{path}: cannot read the workbook to scan it for personal data ({exc})") from exc
    return "\n".join(lines)


def _name_pattern(names: Sequence[str]) -> re.Pattern[str] | None:
    """One case-insensitive regex for whole-word name sequences (any non-word run between words)."""
    alts = set()
    for name in names:
        words = _WORD.findall(str(name))
        if words and len("".join(words)) >= 3:
            alts.add(r"\W+".join(re.escape(w) for w in words))
    if not alts:
        return None
    body = "|".join(sorted(alts, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


def _redact_plain(text: str, names_re: re.Pattern[str] | None) -> tuple[str, int]:
    count = 0

    def nik(m: re.Match[str]) -> str:
        nonlocal count
        if is_nik_like(m.group(1)):
            count += 1
            return _mask("nik", m.group(1))
        return m.group(0)

    def name(m: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return "[nama disensor]"

    text = _NIK.sub(nik, text)
    if names_re is not None:
        text = names_re.sub(name, text)
    return text, count


def redact_text(text: str, names: Sequence[str] = (), *, _names_re: Any = None) -> tuple[str, int]:
    """Mask NIK-like numbers and given names in a text (what :func:`scan_text` finds).

    A NIK keeps its first four digits (``1701************``), a name becomes
    ``[nama disensor]``. Embedded images (long base64 runs) and the inlined plotly.js library
    are left as they are, as the scan skips them.

    Parameters
    ----------
    text : str
        Text to clean.
    names : sequence of str
        Names to mask (whole words, case-insensitive, any spacing between the words).

    Returns
    -------
    (str, int)
        The cleaned text and the number of replacements.

    Examples
    --------
    >>> redact_text("NIK 1701014507900001 milik Siti  Aminah", ["siti aminah"])
    ('NIK 1701************ milik [nama disensor]', 2)
    """
    names_re = _names_re if _names_re is not None else _name_pattern(names)
    keep = [m.span() for m in _LIBRARY_SCRIPT.finditer(text) if _drop_library(m) == " "]
    keep += [m.span() for m in _BASE64_RUN.finditer(text)]
    keep = sorted(keep)
    parts: list[str] = []
    pos = total = 0
    for a, b in keep:
        if a < pos:  # a base64 run inside a kept library script
            continue
        cleaned, n = _redact_plain(text[pos:a], names_re)
        parts += [cleaned, text[a:b]]
        total += n
        pos = b
    cleaned, n = _redact_plain(text[pos:], names_re)
    parts.append(cleaned)
    return "".join(parts), total + n


def redact_notebook(path: str | Path, names: Sequence[str] = ()) -> int:
    """Mask NIK-like numbers and names in an executed notebook, in place (atomically).

    For notebooks the report run keeps for diagnosis (``*.failed.ipynb``): the traceback and
    the outputs stay readable, the personal data in them does not. Every string of the
    notebook is cleaned except image payloads and plotly's JSON chart data.

    Parameters
    ----------
    path : path
        ``.ipynb`` file.
    names : sequence of str
        Names to mask.

    Returns
    -------
    int
        Number of replacements (0: the file is left untouched).

    Examples
    --------
    >>> redact_notebook("reports/r1/1705_seluma/evaluasi_tahunan.failed.ipynb", ["Siti Aminah"])  # doctest: +SKIP
    2
    """
    import json

    path = Path(path)
    names_re = _name_pattern(names)
    doc = json.loads(path.read_text(encoding="utf-8"))
    total = 0

    def walk(node: Any, key: str = "") -> Any:
        nonlocal total
        if key.startswith("image/") or key == "application/vnd.plotly.v1+json":
            return node
        if isinstance(node, str):
            cleaned, n = redact_text(node, _names_re=names_re)
            total += n
            return cleaned
        if isinstance(node, list):
            return [walk(v, key) for v in node]
        if isinstance(node, dict):
            return {k: walk(v, k) for k, v in node.items()}
        return node

    doc = walk(doc)
    if total:
        tmp = path.with_name(f".{path.name}.redact")
        tmp.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    return total


def scan_artifacts(paths: Iterable[str | Path], names: Sequence[str] = ()) -> pd.DataFrame:
    """Scan report artefacts for NIK-like numbers and given names.

    Parameters
    ----------
    paths : iterable of path
        Files or folders (folders are walked recursively). Text-like files (.html, .ipynb,
        .json, .csv, .txt, .md), PDF (through ``pdftotext``) and Excel (.xlsx) are read;
        other files are skipped.
    names : sequence of str, default ()
        Personal names to look for.

    Returns
    -------
    pandas.DataFrame
        Findings with columns ``path``, ``kind``, ``line``, ``masked``; empty when clean.

    Examples
    --------
    >>> found = scan_artifacts(["reports/r1"], names=["Siti Aminah"])  # doctest: +SKIP
    >>> found.empty  # doctest: +SKIP
    True
    """
    files: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            files.extend(sorted(f for f in p.rglob("*") if f.is_file()))
        elif p.is_file():
            files.append(p)
    frames = []
    for f in files:
        text = _read_for_scan(f)
        if text:
            found = scan_text(text, names, source=str(f))
            if not found.empty:
                frames.append(found)
    if not frames:
        return pd.DataFrame(columns=_FINDING_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def load_key(path: str | Path | None = None) -> bytes:
    """Load the pseudonymisation key.

    Parameters
    ----------
    path : path, optional
        Key file. Without it, ``$TKPK_PSEUDONYM_KEY`` is used: either the path of a key file
        or the key itself. Create a key once with
        ``python -c "import secrets; print(secrets.token_hex(32))" > ~/tkpk_secret.key`` and
        keep it outside the repository (``tkpk_secret.key`` is also git-ignored).

    Returns
    -------
    bytes
        The key (surrounding whitespace stripped).

    Raises
    ------
    ReportError
        No key given, key shorter than 16 bytes, or the key file is tracked by git.

    Examples
    --------
    >>> key = load_key(Path.home() / "tkpk_secret.key")  # doctest: +SKIP
    >>> len(key) >= 16  # doctest: +SKIP
    True
    """
    if path is None:
        value = os.environ.get(KEY_ENV, "").strip()
        if not value:
            raise ReportError(
                f"no pseudonymisation key: pass a key file or set {KEY_ENV} "
                "(keep the key outside the repository)"
            )
        if os.path.isfile(value):
            path = value
        else:
            key = value.encode("utf-8")
            source = f"${KEY_ENV}"
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise ReportError(f"{path}: pseudonymisation key file not found")
        _refuse_tracked(path)
        key = path.read_bytes().strip()
        source = str(path)
    if len(key) < 16:
        raise ReportError(f"{source}: pseudonymisation key too short ({len(key)} bytes, need >= 16)")
    return key


def _refuse_tracked(path: Path) -> None:
    """Raise if ``path`` is tracked by a git repository (the key must never be committed)."""
    try:
        proc = subprocess.run(
            ["git", "ls-files", "--error-unmatch", path.name],
            cwd=path.resolve().parent, capture_output=True, timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return
    if proc.returncode == 0:
        raise ReportError(f"{path}: the pseudonymisation key is tracked by git; move it out of the repository")


def pseudonymise(values: Iterable[Any] | pd.Series, key: bytes) -> list[str | None] | pd.Series:
    """Keyed pseudonyms: HMAC-SHA256 of each value, hex, first 16 characters.

    The same value and key always give the same pseudonym, so tables can still be joined;
    without the key the pseudonym cannot be recomputed from a guessed NIK (a plain hash
    could, because NIKs are structured and enumerable). Values are compared as stripped
    strings; missing values stay missing.

    Parameters
    ----------
    values : iterable or pandas.Series
        Identifiers (NIK, No. KK, names).
    key : bytes
        Secret key from :func:`load_key`.

    Returns
    -------
    list of str or pandas.Series
        Pseudonyms, a Series with the same index when a Series was given.

    Raises
    ------
    ReportError
        Empty key.

    Examples
    --------
    >>> pseudonymise(["1701014507900001"], b"k" * 32)[0] == pseudonymise(["1701014507900001 "], b"k" * 32)[0]
    True
    >>> len(pseudonymise(["x"], b"k" * 32)[0])
    16
    """
    if not key:
        raise ReportError("pseudonymise: empty key")

    def one(v: Any) -> str | None:
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            return None
        return hmac.new(key, str(v).strip().encode("utf-8"), hashlib.sha256).hexdigest()[:16]

    if isinstance(values, pd.Series):
        return pd.Series([one(v) for v in values], index=values.index, name=values.name, dtype="string")
    return [one(v) for v in values]
