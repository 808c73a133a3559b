"""Reports and prepared tables get ordinary permissions, so colleagues sharing a folder can read them.

Files written through :mod:`tempfile` (the atomic writes of reports, notebooks and the cache
entries) used to be moved into place with owner-only modes (0600 files, 0700 folders).
"""

from __future__ import annotations

import os
import stat

import pandas as pd
import pytest

from tkpk_lib.batch.files import atomic_path
from tkpk_lib.reporting.sections import _write_cache


@pytest.fixture(params=[0o022, 0o002])
def umask(request):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_atomic_write_gives_an_ordinary_file_mode(tmp_path, umask):
    target = tmp_path / "r" / "evaluasi_tahunan.pdf"
    with atomic_path(target) as tmp:
        tmp.write_bytes(b"%PDF-1.4")
    assert _mode(target) == 0o666 & ~umask  # 0644 with umask 022, 0664 with 002


def test_cache_entry_folder_is_readable_by_the_group(tmp_path, umask):
    entry = _write_cache(tmp_path / "derived" / "2024" / "k", {"indicators": pd.DataFrame({"x": [1]})},
                         {"sections": {}}, {})
    assert _mode(entry) == 0o777 & ~umask
    assert _mode(entry / "indicators.parquet") == 0o666 & ~umask
