"""Annex L.5 (registry coverage per desa x programme) names each programme once, not once per row."""

from __future__ import annotations

import pandas as pd

from tkpk_lib.analysis import programme_catalogue
from tkpk_lib.reporting import programme_tables as pt


def test_registry_desa_annex_looks_each_programme_up_once(monkeypatch):
    # three desa x three programmes (+ the "any" rows, dropped): nine annex rows, three programmes
    desa = ["1701012001", "1701012002", "1701012003"]
    d = pd.DataFrame({
        "desa_code": [c for c in desa for _ in range(4)],
        "programme": ["pkh", "pip", "bpnt", "any"] * 3,
        "eligible": [40, 3, 12, 50, 20, 9, 7, 25, 8, 6, 30, 31],
        "covered": [36, 1, 12, 40, 20, 9, 2, 22, 8, 1, 27, 28],
        "missing": [4, 2, 0, 10, 0, 0, 5, 3, 0, 5, 3, 3],
    })
    calls: list[str] = []
    real = programme_catalogue.programme_name

    def counting(code, **kw):
        calls.append(code)
        return real(code, **kw)

    monkeypatch.setattr(pt, "programme_name", counting)
    a = pt.registry_desa_annex(d)
    assert sorted(calls) == ["bpnt", "pip", "pkh"]  # was one catalogue read per row (10,418 for the province)
    assert a["program"].tolist() == ["Program Keluarga Harapan (PKH)", "Program Indonesia Pintar (PIP/KIP)",
                                     "Program Sembako / BPNT"] * 3
    assert a["desa_code"].tolist() == [c for c in desa for _ in range(3)]
    assert a[["sasaran", "menerima", "cakupan_pct", "tindak_lanjut"]].values.tolist() == [
        ["40", "x", "x", "<5"], ["<5", "<5", "x", "<5"], ["12", "12", 1.0, "0"],
        ["20", "20", 1.0, "0"], ["9", "9", 1.0, "0"], ["7", "<5", "x", "x"],  # 5 not shown: it reveals the 2
        ["8", "8", 1.0, "0"], ["6", "<5", "x", "x"], ["30", "x", "x", "<5"]]
