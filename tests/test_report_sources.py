"""Every table's source line names the inputs of its section or subsection (issue 13: sections 8-10 draw on
the TKPK activity log, the programme map, the registry and the follow-up plan, not on Susenas and Sakernas)."""

from __future__ import annotations

import re

from tkpk_lib.reporting.document import source_line

_SOURCE = re.compile(r'<h([23])[^>]*>(.*?)</h\1>|<p class="tkpk-source">(.*?)</p>', re.S)


def _sources(html: str) -> list[tuple[str, str, str]]:
    """(section heading, subsection heading, source line) for every source line of a report."""
    out, section, sub = [], "", ""
    for m in _SOURCE.finditer(html):
        text = re.sub(r"<[^>]+>|¶", "", m.group(2) or m.group(3) or "").strip()
        if m.group(1) == "2":
            section, sub = text, ""
        elif m.group(1) == "3":
            sub = text
        else:
            out.append((section, sub, text))
    return out


def test_source_lines_by_hand():
    assert source_line("8. Mekanisme pelaksanaan", False) == (
        "Sumber: log kegiatan TKPK, peta program, data terpadu dan log pengaduan; diolah TKPK.")
    assert source_line("9. Papan harmonisasi kabupaten/kota", True) == (
        "Sumber: data sintetis (demo, bukan statistik resmi) dalam format Susenas Maret, Sakernas Agustus dan "
        "Podes (BPS), target daerah, peta program dan log kegiatan TKPK.")
    assert "Fay-Herriot" in source_line("9. Bahan RPKD dan rencana aksi", False, "Bab 3. Lokasi prioritas")
    assert "rencana tindak lanjut" in source_line("8. Mekanisme pelaksanaan", False, "Draf permasalahan, rekomendasi")


def test_mechanism_and_later_sections_do_not_cite_susenas_alone(shared_run):
    susenas_only = "Susenas Maret dan Sakernas Agustus (BPS)."
    for unit, folder in shared_run["folders"].items():
        rows = _sources((folder / "evaluasi_tahunan.html").read_text(encoding="utf-8"))
        late = [(s, sub, src) for s, sub, src in rows if re.match(r"(8|9|10)\. ", s)]
        assert late, unit
        assert not [r for r in late if r[2].endswith(susenas_only)], (unit, late)
        by_sub = {sub: src for _, sub, src in late}
        follow = next(src for sub, src in by_sub.items() if sub.startswith("Tindak lanjut rekomendasi"))
        assert "rencana tindak lanjut yang diisi sekretariat TKPK" in follow, unit
        package = next(src for sub, src in by_sub.items() if sub.startswith("Paket program komplementer"))
        assert "data terpadu" in package, unit
        mech = [src for s, sub, src in late if s.startswith("8.") and not sub]
        assert mech and all("log kegiatan TKPK" in src for src in mech), unit
