"""Golden table: every headline indicator of one kabupaten of the demo data.

The demo generator is seeded, so the estimates for Kabupaten Seluma (1705), 2024, are fixed
numbers. Any change to the generator, the readers or the estimators that moves one of them
shows up here. After a deliberate change, regenerate with
``TKPK_REGEN_GOLDEN=1 pytest tests/test_golden.py`` and explain the change in the commit.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tkpk_lib.data.canonical import load_tables
from tkpk_lib.reporting.report import year_indicators
from tkpk_lib.synthetic import generate_demo

GOLDEN = Path(__file__).resolve().parent / "data" / "golden_indicators_1705_2024.csv"
COLUMNS = ["indicator", "estimate", "se", "ci_low", "ci_high", "n", "reliability"]


@pytest.fixture(scope="module")
def seluma_2024(tmp_path_factory) -> pd.DataFrame:
    root = tmp_path_factory.mktemp("golden")
    generate_demo(root, years=(2024,), seed=2024, small=True, registry_households=500)
    t = load_tables(root, 2024, ("households", "persons", "labour"))
    ind = year_indicators(t, 2024)
    out = ind[ind["kab_code"] == "1705"][COLUMNS].sort_values("indicator").reset_index(drop=True)
    return out


def test_every_indicator_of_seluma_2024_matches_the_golden_table(seluma_2024):
    got = seluma_2024
    if os.environ.get("TKPK_REGEN_GOLDEN"):
        got.to_csv(GOLDEN, index=False, float_format="%.12g")
    want = pd.read_csv(GOLDEN)
    assert got["indicator"].tolist() == want["indicator"].tolist()
    for c in ("estimate", "se", "ci_low", "ci_high"):
        np.testing.assert_allclose(got[c].to_numpy(float), want[c].to_numpy(float), rtol=1e-8, atol=1e-12,
                                   err_msg=c)
    assert got["n"].tolist() == want["n"].tolist()
    assert got["reliability"].tolist() == want["reliability"].tolist()


def test_golden_values_are_plausible_for_seluma(seluma_2024):
    """Sanity of the golden numbers themselves against the published level (P0 17.23% in 2024)."""
    g = seluma_2024.set_index("indicator")["estimate"]
    p0 = [k for k in g.index if k.lower().startswith("p0")]
    assert p0, g.index.tolist()
    assert abs(g[p0[0]] - 0.1723) < 0.05
