"""Source lines of a report: under each table and figure, and the closing note.

The source of a table follows its section heading (:data:`SECTION_SOURCES`) or, where a subsection draws
on another input, its subsection heading (:data:`SUBSECTION_SOURCES`); on synthetic inputs every line says
the data are synthetic. :mod:`tkpk_lib.reporting.document` writes them while numbering the tables.
"""

from __future__ import annotations

import re

#: The mark every page of a report on synthetic inputs carries.
SYNTHETIC_MARK = "DATA SINTETIS - BUKAN STATISTIK RESMI"

#: Source line of the tables and figures of a section, by a word of its heading.
SECTION_SOURCES: tuple[tuple[str, str], ...] = (
    (r"kantong|L\.4", "Susenas Maret dan Podes (BPS), pendugaan area kecil Fay-Herriot; diolah TKPK"),
    (r"peta program|anggaran|L\.2|L\.3", "peta program perangkat daerah; diolah TKPK"),
    (r"pengaduan|L\.6", "log pengaduan daerah; diolah TKPK"),
    (r"tindak lanjut|data terpadu|L\.5", "data terpadu kesejahteraan sosial (DTKS/P3KE); diolah TKPK"),
    (r"cakupan", "Susenas Maret (BPS) dan peta program; diolah TKPK"),
    (r"mekanisme", "log kegiatan TKPK, peta program, data terpadu dan log pengaduan; diolah TKPK"),
    (r"papan harmonisasi|L\.7", "Susenas Maret, Sakernas Agustus dan Podes (BPS), target daerah, peta program dan "
                                "log kegiatan TKPK; diolah TKPK"),
    (r"bahan RPKD|L\.8", "Susenas Maret, Sakernas Agustus dan Podes (BPS), target daerah dan peta program; "
                         "diolah TKPK"),
    (r"", "Susenas Maret dan Sakernas Agustus (BPS); diolah TKPK"),
)
#: Source line of the tables under a subsection heading that names its own source (first match; before
#: :data:`SECTION_SOURCES`): a section such as "8. Mekanisme pelaksanaan" draws on several inputs.
SUBSECTION_SOURCES: tuple[tuple[str, str], ...] = (
    (r"paket program komplementer", "data terpadu kesejahteraan sosial (DTKS/P3KE); diolah TKPK"),
    (r"draf permasalahan|prioritas masalah", "Susenas, Sakernas, Podes, data terpadu, peta program, log kegiatan "
                                             "TKPK dan rencana tindak lanjut (bukti di tabel laporan ini); diolah TKPK"),
    (r"tindak lanjut rekomendasi", "rencana tindak lanjut yang diisi sekretariat TKPK; diolah TKPK"),
    (r"lokasi prioritas", "Susenas Maret dan Podes (BPS), pendugaan area kecil Fay-Herriot, peta program; "
                          "diolah TKPK"),
)


def source_line(section: str, synthetic: bool, sub: str = "") -> str:
    """The source line under a table or figure of a section (or of a subsection naming its own source).

    Examples
    --------
    >>> source_line("6. Pengaduan", False)
    'Sumber: log pengaduan daerah; diolah TKPK.'
    >>> source_line("6. Pengaduan", True).startswith("Sumber: data sintetis")
    True
    >>> source_line("8. Mekanisme pelaksanaan", False, "Paket program komplementer")[:26]
    'Sumber: data terpadu kesej'
    >>> source_line("8. Mekanisme pelaksanaan", False)
    'Sumber: log kegiatan TKPK, peta program, data terpadu dan log pengaduan; diolah TKPK.'
    >>> source_line("8. Mekanisme pelaksanaan", False, "Tindak lanjut rekomendasi tahun 2023")
    'Sumber: rencana tindak lanjut yang diisi sekretariat TKPK; diolah TKPK.'
    >>> source_line("10. Bahan RPKD dan rencana aksi", False, "Bab 3. Lokasi prioritas")[:30]
    'Sumber: Susenas Maret dan Pode'
    """
    text = next((src for pat, src in SUBSECTION_SOURCES if sub and re.search(pat, sub, re.IGNORECASE)), None) \
        or next(src for pat, src in SECTION_SOURCES if re.search(pat, section, re.IGNORECASE))
    if synthetic:
        return f"Sumber: data sintetis (demo, bukan statistik resmi) dalam format {text.split(';')[0]}."
    return f"Sumber: {text}."


#: The closing source note of a report on official inputs.
SOURCES_NOTE = ("Sumber: BPS (Susenas Maret, Sakernas Agustus, Podes), data terpadu kesejahteraan sosial, "
                "peta program, log pengaduan daerah, log kegiatan TKPK, target daerah dan rencana tindak lanjut; "
                "diolah TKPK dengan `tkpk_lib`.")


def sources_markdown(data_root: str | None = None) -> str:
    """The closing source note of a report; for the synthetic demo it says the data are synthetic.

    Parameters
    ----------
    data_root : str, optional
        The data root of the report (default :func:`tkpk_lib.paths.data_root`).

    Returns
    -------
    str
        Markdown.

    Examples
    --------
    >>> sources_markdown("/nonexistent").startswith("---")
    True
    """
    from tkpk_lib import paths

    root = data_root or str(paths.data_root())
    if paths.is_demo_folder(root) or paths.is_demo_root(root):
        return (f"---\n**{SYNTHETIC_MARK}.** Sumber: data sintetis yang dibangkitkan generator demo `tkpk_lib` "
                "dalam format berkas BPS (Susenas, Sakernas, Podes), data terpadu, peta program, log "
                "pengaduan, log kegiatan TKPK, target daerah dan rencana tindak lanjut; angka dalam laporan ini "
                "bukan statistik resmi.")
    return "---\n" + SOURCES_NOTE
