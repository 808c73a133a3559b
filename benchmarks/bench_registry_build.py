"""Peak memory and time of building the canonical registry and writing the follow-up lists.

Job (issue 11, "Scale within memory"): a registry CSV ``--scale`` times the demo registry
(the demo's ~610,000 households repeated with fresh, unique NIK and KK numbers: 10x gives
~6.1 million rows, ~870 MB), then, each step in a fresh process so that its peak resident
memory (``ru_maxrss``) belongs to that step alone:

* ``build``: ``canonical._build_registry`` (read, validate, write ``registry.parquet``);
* ``follow-up``: ``followup.write_follow_up_lists`` over that Parquet file for every
  kabupaten/kota, with the registry names for the privacy scan
  (``pipeline.registry_names``), as ``tkpk follow-up`` does.

Run: ``.venv/bin/python benchmarks/bench_registry_build.py [--scale 10] [--keep DIR]``.
The tkpk_lib imported is the one on ``PYTHONPATH`` (run it with another checkout's
``PYTHONPATH`` to measure that code). Everything is written to a temporary folder (or
``--keep DIR``, reused when it already holds the CSV). Results: benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def make_registry(src: Path, dst: Path, scale: int) -> int:
    """Write ``scale`` copies of the demo registry CSV ``src`` to ``dst`` with unique NIK/KK.

    Copy k keeps every column but numbers its households from ``k * n``: NIK and KK are the
    kecamatan prefix and the demo generator's 10-digit serial of that position (a bijection
    modulo 1e10, so no two households share a NIK). Streams one copy at a time.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from tkpk_lib.synthetic._admin import _kecamatan_serial

    table = pacsv.read_csv(
        src,
        parse_options=pacsv.ParseOptions(delimiter=";", quote_char=False),
        convert_options=pacsv.ConvertOptions(
            column_types={c: pa.string() for c in src.open().readline().strip().split(";")}
        ),
    )
    n = table.num_rows
    desa = table["KODE_DESA"].to_pylist()
    codes = sorted(set(desa))
    didx = np.searchsorted(np.asarray(codes), np.asarray(desa))
    opts = pacsv.WriteOptions(delimiter=";", quoting_style="none", include_header=False)
    with open(dst, "wb") as fh:
        fh.write((";".join(table.column_names) + "\n").encode("latin-1"))
        for k in range(scale):
            i = np.arange(k * n, (k + 1) * n, dtype=np.int64)
            nik = _kecamatan_serial(codes, didx, (7_380_249_137 * i + 1_234_567_891) % 10**10)
            kk = _kecamatan_serial(codes, didx, (2_918_374_651 * i + 8_765_432_109) % 10**10)
            t = table.set_column(0, "NIK", nik).set_column(1, "NO_KK", kk)
            pacsv.write_csv(t, fh, write_options=opts)
    return n * scale


def _build(raw: Path, can: Path, q: mp.Queue) -> None:
    from tkpk_lib.data import canonical

    t0, c0 = time.perf_counter(), time.process_time()
    out = canonical._build_registry(can, raw, force=True)
    import pyarrow.parquet as pq

    q.put({"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0,
           "rows": pq.ParquetFile(out).metadata.num_rows, "peak_mb": _peak_mb(),
           "size_mb": out.stat().st_size / 2**20})


def _follow_up(root: Path, out: Path, q: mp.Queue) -> None:
    from tkpk_lib.analysis.followup import write_follow_up_lists
    from tkpk_lib.batch.pipeline import registry_names

    t0, c0 = time.perf_counter(), time.process_time()
    names = registry_names(root)
    files = write_follow_up_lists(root / "canonical" / "registry.parquet", out,
                                  b"benchmark-key-not-secret-0123456789abcdef", scan_names=names)
    q.put({"wall": time.perf_counter() - t0, "cpu": time.process_time() - c0,
           "rows": len(files), "peak_mb": _peak_mb()})


def _in_process(target, *args) -> dict:
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=target, args=(*args, q))
    p.start()
    res = q.get()
    p.join()
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=int, default=10)
    ap.add_argument("--keep", type=Path, default=None, help="work folder to keep (reused)")
    ap.add_argument("--steps", default="build,follow-up")
    a = ap.parse_args()
    from tkpk_lib.paths import demo_root
    from tkpk_lib.synthetic import generate_demo

    demo = demo_root()
    if not (demo / "raw" / "registry").is_dir():
        generate_demo(demo)
    src = sorted((demo / "raw" / "registry").glob("*.csv"))[-1]
    tmp = None
    if a.keep is None:
        tmp = tempfile.mkdtemp(prefix="tkpk_bench_reg_")
        root = Path(tmp)
    else:
        root = a.keep
    try:
        raw = root / "raw" / "registry" / "dtks_17_2024.csv"
        raw.parent.mkdir(parents=True, exist_ok=True)
        (root / "canonical").mkdir(exist_ok=True)
        if not raw.exists():
            t0 = time.perf_counter()
            n = make_registry(src, raw, a.scale)
            print(f"registry CSV: {n:,} rows, {raw.stat().st_size / 2**20:.0f} MB "
                  f"(written in {time.perf_counter() - t0:.0f} s)")
        import tkpk_lib

        print(f"tkpk_lib from {Path(tkpk_lib.__file__).parent}")
        steps = a.steps.split(",")
        if "build" in steps:
            r = _in_process(_build, raw, root / "canonical")
            print(f"build registry.parquet: {r['rows']:,} rows ({r['size_mb']:.0f} MB), "
                  f"{r['wall']:.1f} s wall, {r['cpu']:.1f} s CPU, peak RSS {r['peak_mb']:.0f} MB")
        if "follow-up" in steps:
            out = root / "tindak_lanjut"
            shutil.rmtree(out, ignore_errors=True)
            r = _in_process(_follow_up, root, out)
            print(f"follow-up lists: {r['rows']} files, {r['wall']:.1f} s wall, "
                  f"{r['cpu']:.1f} s CPU, peak RSS {r['peak_mb']:.0f} MB")
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
