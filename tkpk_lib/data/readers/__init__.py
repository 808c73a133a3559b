"""Readers: raw files as BPS and offices ship them -> validated canonical tables.

Survey files (Susenas KOR/KP, Sakernas, Podes) come as Stata ``.dta`` or SPSS ``.sav`` (read
with pyreadstat, value labels kept in ``df.attrs["value_labels"]``), CSV or Parquet. Their
variable names change between years: the per-year names live in
``tkpk_lib/reference/crosswalk.csv`` (one column per year), so a new year is a new column in that
table, not new code. Registry, programme map and complaints come as ``.xlsx`` or ``.csv`` as
offices export them (semicolon or comma separators, comma decimals, Latin-1 or UTF-8, NIK as
text or mangled into a float by Excel). Boundaries come as ``.shp``, ``.gpkg`` or ``.geojson``.

Every reader returns a frame validated by :func:`tkpk_lib.data.validate.validate_table`, or raises
one :class:`~tkpk_lib.errors.SchemaError` naming file, column and rows.

This package is split by job; this module re-exports every name of its parts, so
``tkpk_lib.data.readers.read_susenas`` (and the old ``tkpk_lib.data.readers``) keep working:

- :mod:`~tkpk_lib.data.readers.tabular`: file formats, header/layout detection, ``read_raw``;
- :mod:`~tkpk_lib.data.readers.values`: numbers, identifier text and region codes of raw cells;
- :mod:`~tkpk_lib.data.readers.codes`: the crosswalk of BPS names, coded variables and their checks;
- :mod:`~tkpk_lib.data.readers.recodes`: BPS recodes as data (``reference/recodes.csv``);
- :mod:`~tkpk_lib.data.readers.susenas`, :mod:`~tkpk_lib.data.readers.sakernas`,
  :mod:`~tkpk_lib.data.readers.podes`: the BPS surveys;
- :mod:`~tkpk_lib.data.readers.admin`: registry, programme map and complaints;
- :mod:`~tkpk_lib.data.readers.boundaries`: boundary polygons (read, check, repair), with
  :mod:`~tkpk_lib.data.readers.boundary_crs` for their coordinate systems;
- :mod:`~tkpk_lib.data.readers.messages`: row-number note and warnings beside the tables.

A test that replaces a helper with ``monkeypatch`` patches it in the part that uses it
(e.g. ``tkpk_lib.data.readers.tabular._read_plain_csv``): names here are references.
"""

from tkpk_lib.data.readers.admin import (  # noqa: F401
    _DERIVED_FROM,
    COMPLAINT_COLUMNS,
    ID_COLUMNS,
    PROGRAMME_COLUMNS,
    REGISTRY_COLUMNS,
    _excel_numeric_cells,
    _fix_id,
    _identifier_checks,
    _read_office_table,
    _registry_batch,
    _registry_columns,
    _registry_names,
    read_complaints,
    read_programmes,
    read_registry,
)
from tkpk_lib.data.readers.boundaries import (  # noqa: F401
    _CODE_COLUMNS,
    _NAME_COLUMNS,
    BOUNDARY_SUFFIXES,
    _boundary_frame,
    _load_boundaries,
    _polygonal,
    _repair_head,
    _rows_text,
    check_boundaries,
    read_boundaries,
    repair_boundaries,
)
from tkpk_lib.data.readers.boundary_crs import (  # noqa: F401
    _USUAL_CRS,
    _crs_name,
    _lonlat_bounds_ok,
    _metres_message,
    _same_crs,
    _to_lonlat,
)
from tkpk_lib.data.readers.codes import (  # noqa: F401
    _LABEL_KINDS,
    _REQUIRED_CODED,
    _UNUSED_CODED,
    _check_codes,
    _classify,
    _crosswalk,
    _name_problems,
    _raw_names,
    _take,
    coded_variables,
    crosswalk,
)
from tkpk_lib.data.readers.messages import (  # noqa: F401
    ROWS_NOTE,
    missing_kabupaten,
    table_warnings,
    year_in_name,
)
from tkpk_lib.data.readers.podes import (  # noqa: F401
    read_podes,
)
from tkpk_lib.data.readers.recodes import (  # noqa: F401
    ANY_OTHER,
    RECODES_FILE,
    _recode_table,
    flag,
    read_recode_table,
    recode,
    recode_map,
)
from tkpk_lib.data.readers.sakernas import (  # noqa: F401
    read_sakernas,
)
from tkpk_lib.data.readers.susenas import (  # noqa: F401
    _default_poverty_lines,
    _find,
    default_poverty_lines,
    read_susenas,
)
from tkpk_lib.data.readers.tabular import (  # noqa: F401
    _NUM_DOT,
    _NUM_ID,
    HEADER_SCAN_ROWS,
    SURVEY_SUFFIXES,
    TABLE_SUFFIXES,
    TableLayout,
    _norm_header,
    _pop_attrs,
    _read_plain_csv,
    _read_text_table,
    _read_workbook,
    _sheet_grids,
    _to_number_if_numeric,
    find_header,
    locate_table,
    parse_number_id,
    read_raw,
    read_user_table,
    source_label,
)
from tkpk_lib.data.readers.values import (  # noqa: F401
    _bps_kec_map,
    _code_text,
    _digit_text_to_int,
    _id_text,
    _kab_code,
    _num,
    _whole_number_text,
)
