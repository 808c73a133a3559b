"""Registry identifiers (NIK, KK number): evidence that a column went through Excel as numbers."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from tkpk_lib.data.column_checks import _fullmatch_text
from tkpk_lib.errors import Problem

_SCI_TEXT = re.compile(r"^[+-]?\d+([.,]\d*)?[eE][+-]?\d+$")

REEXPORT_AS_TEXT = (
    "the digits lost cannot be recovered from this file: export the column again from the "
    "source system as text (in Excel: format the column as Text before pasting, or import the "
    "CSV with Data > From Text/CSV and set the column type to Text; in SPSS/Stata: make it a "
    "string variable, e.g. SPSS ALTER TYPE to A16, Stata export from the original string)"
)
"""How to re-export an identifier column as text (the end of every identifier message)."""


class IdentifierCheck:
    r"""Evidence that a NIK/KK column went through Excel as numbers, gathered over batches.

    Excel keeps 15 significant digits of a number: a 16-digit NIK or KK number typed or pasted
    into a cell formatted as a number loses its last digit (it becomes 0), and the cell shows
    ``1.70101E+15``. The damaged numbers still have 16 digits, so the ``\d{16}`` pattern
    passes them, and every pseudonym made from them is wrong. Three signs are checked:

    * the file stores the column as numbers (numeric Excel cells, numeric Parquet column);
    * text in scientific notation (``1.70101E+15``, also with a decimal comma);
    * most 16-digit values end in 0: the last four digits of a NIK/KK are a serial number,
      so about one in ten real values ends in 0. The column fails when at least 3 values,
      and more than half of its 16-digit values, end in 0.

    The decision needs the whole column, so values are added batch by batch (:meth:`add`)
    and :meth:`problems` is asked at the end; one batch of the whole file gives the same
    problems as many batches of it.

    Parameters
    ----------
    source : str
        File name used in messages.
    column : str
        Canonical column name (``"nik"`` or ``"kk_no"``).
    user_column : str, optional
        The column's name in the user's file (shown first, the canonical name beside it).

    Examples
    --------
    >>> c = IdentifierCheck("dtks.csv", "nik", "NIK")
    >>> c.add(pd.Series(["1701011234567890", "1701011234567820", "1701019234567800"]),
    ...       np.array([1, 2, 3]))
    >>> print(str(c.problems()[0])[:45])
    dtks.csv, column 'NIK' (nik): 3 of 3 16-digit
    """

    def __init__(self, source: str, column: str, user_column: str | None = None):
        self.source = source
        self.column = column
        self.user = user_column or column
        self._numeric: list[np.ndarray] = []
        self._sci: list[np.ndarray] = []
        self._zero: list[np.ndarray] = []
        self._n16 = 0

    def add(
        self, text: pd.Series, rows: np.ndarray, numeric: np.ndarray | None = None
    ) -> None:
        """Add one batch: the column as text, its file rows and where the file held numbers.

        Parameters
        ----------
        text : Series
            The identifier as text (stripped, ``.0`` of whole floats removed).
        rows : ndarray of int
            The file's data row of each value.
        numeric : ndarray of bool, optional
            True where the file stored the cell as a number.
        """
        rows = np.asarray(rows, dtype=np.int64)
        st = text.astype("string").fillna("")
        if numeric is not None:
            m = np.asarray(numeric, dtype=bool) & st.ne("").to_numpy(dtype=bool)
            self._numeric.append(rows[m])
        if st.str.contains("e", case=False, regex=False).any():
            sci = st.str.fullmatch(_SCI_TEXT.pattern).fillna(False).to_numpy(dtype=bool)
            self._sci.append(rows[sci])
        is16 = _fullmatch_text(st, r"\d{16}")
        self._n16 += int(is16.sum())
        zero = is16 & st.str.endswith("0").fillna(False).to_numpy(dtype=bool)
        self._zero.append(rows[zero])

    def problems(self) -> list[Problem]:
        """The problems found in all batches added so far (empty when the column is fine)."""
        out: list[Problem] = []
        numeric = np.concatenate(self._numeric) if self._numeric else np.empty(0, np.int64)
        if len(numeric):
            out.append(Problem(
                self.source, self.user,
                "identifiers stored as numbers, not text: Excel keeps only 15 significant "
                "digits, so the 16th digit of a NIK/KK number is lost (it becomes 0) and every "
                f"pseudonym made from it is wrong; {REEXPORT_AS_TEXT}",
                numeric.tolist(),
                canonical=self.column,
            ))
        sci = np.concatenate(self._sci) if self._sci else np.empty(0, np.int64)
        if len(sci):
            out.append(Problem(
                self.source, self.user,
                "numbers stored in scientific notation by Excel (e.g. 1.70101E+15: digits are "
                f"lost); {REEXPORT_AS_TEXT}",
                sci.tolist(),
                canonical=self.column,
            ))
        zero = np.concatenate(self._zero) if self._zero else np.empty(0, np.int64)
        if len(zero) >= 3 and 2 * len(zero) > self._n16:
            out.append(Problem(
                self.source, self.user,
                f"{len(zero):,} of {self._n16:,} 16-digit numbers end in 0 (about 1 in 10 "
                "real NIK/KK numbers do): the column went through Excel as numbers, which keep "
                f"15 significant digits, and the last digit was lost; {REEXPORT_AS_TEXT}",
                zero.tolist(),
                canonical=self.column,
            ))
        return out
