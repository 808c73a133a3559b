"""The rule that makes a unit a poverty pocket, and which pockets stay pockets across draws of the estimates.

:func:`tkpk_lib.analysis.pockets.pocket_list` flags the top ``POCKET_TOP`` of each kabupaten/kota
by rate and by number and, for kecamatan, computes ``p_top_rate``: the share of ``POCKET_DRAWS``
normal draws around the model P0 (with its SE) in which the kecamatan is in the top by rate.
This module states that rule in the reports' words and classes ``p_top_rate`` into pockets that
stay pockets, units that stay out and those the data cannot decide.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

POCKET_TOP: float = 0.2
"""Default share of units flagged in each ranking (top 20% of the kabupaten/kota, rounded up)."""

POCKET_DRAWS: int = 1000
"""Default number of draws of the estimates behind ``p_top_rate``."""

STABLE_SHARE: float = 0.8
"""Share of draws from which a kecamatan counts as a pocket that stays a pocket (and, mirrored,
at most ``1 - STABLE_SHARE`` for one that stays out); the hot-spot stability threshold too."""


def pocket_rule(top: float | int = POCKET_TOP, draws: int = POCKET_DRAWS,
                stable: float = STABLE_SHARE) -> str:
    """The rule that makes a unit a pocket and a stable pocket, in Indonesian (for the reports).

    Examples
    --------
    >>> pocket_rule().split(". ")[0]
    'Sebuah kecamatan atau desa disebut kantong kemiskinan bila termasuk 20% teratas di kabupaten/kotanya \
menurut tingkat kemiskinan atau menurut jumlah penduduk miskin (dibulatkan ke atas)'
    """
    share = isinstance(top, float) and 0 < top < 1
    cut = f"{round(top * 100):d}% teratas" if share else f"{int(top)} teratas"
    return (f"Sebuah kecamatan atau desa disebut kantong kemiskinan bila termasuk {cut} di kabupaten/kotanya "
            "menurut tingkat kemiskinan atau menurut jumlah penduduk miskin"
            + (" (dibulatkan ke atas)" if share else "") + ". "
            "Karena P0 kecamatan adalah dugaan dengan galat baku, peringkat diulang pada "
            + f"{draws:,d}".replace(",", ".") + " tarikan acak dari sebaran dugaan (normal dengan rata-rata P0 model dan galat bakunya): "
            f"kecamatan yang masuk {cut} menurut tingkat pada sedikitnya {round(stable * 100):d}% tarikan "
            f"disebut kantong tetap, yang masuk pada paling banyak {round((1 - stable) * 100):d}% tarikan "
            "tetap di luar, dan di antaranya belum dapat disimpulkan.")


def pocket_stability(p_top: pd.Series | np.ndarray | Sequence[float],
                     stable: float = STABLE_SHARE) -> np.ndarray:
    """Stability class of a kecamatan from ``p_top_rate`` (share of draws in the top).

    Examples
    --------
    >>> pocket_stability([0.95, 0.5, 0.05, float("nan")]).tolist()
    ['kantong tetap', 'belum dapat disimpulkan', 'tetap di luar', '']
    """
    p = np.asarray(p_top, dtype=float)
    return np.select([np.isnan(p), p >= stable, p <= 1 - stable],
                     ["", "kantong tetap", "tetap di luar"], default="belum dapat disimpulkan").astype(object)
