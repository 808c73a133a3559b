"""Benchmark of the registry follow-up engine (tkpk_lib.analysis.registry) at demo and province scale.

Synthesises a canonical ``registry`` table (with synthetic NIK, KK number, name and address)
over the real Bengkulu desa codes, then times, each in a fresh process so that the peak
resident memory (ru_maxrss) belongs to that step alone:

* 600,000 households in memory (pandas DataFrame): registry_summary by desa,
  follow_up_list (pseudonymised), follow_up_by_desa, registry_combinations;
* 6,000,000 households written to Parquet (in 1M-row parts), queried from the files with a
  DuckDB memory limit of 1 GB: registry_summary by desa, and follow_up_list streamed to a
  Parquet file.

Run: ``.venv/bin/python benchmarks/bench_registry.py [--big 6000000] [--small 600000]``.
Use ``--big 0`` to skip the Parquet run. Nothing is written outside a temporary folder.

Measured 2026-11-28 on the shared 2-core machine (load average 5-8 from other jobs, so wall
times are 2-4x the CPU times; duckdb 2.0.1, pandas 3.1):

=====================================  ========  =======  ==========
step                                   wall (s)  CPU (s)  rows out
=====================================  ========  =======  ==========
600k in memory: registry_summary desa      2.3      0.6      12,104
600k: follow_up_list (pseudonymised)       6.0      2.2     904,090
600k: follow_up_by_desa                    4.0      0.8      10,591
600k: registry_combinations by kab         2.0      0.4       1,280
600k: eligibility (wide)                   2.0      0.4     600,000
6M Parquet: registry_summary desa         11.4      7.5      12,104
6M Parquet: follow_up_list -> Parquet     82.1     32.4   9,018,947
=====================================  ========  =======  ==========

Peak RSS: 666 MB for the 600k process (of which ~610 MB is the synthetic frame with names
and addresses); 1,271 MB for the 6M Parquet run with ``memory_limit="1GB"`` (205 MB of
Parquet on disk).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tkpk_lib.analysis import registry as R  # noqa: E402
from tkpk_lib.data.reference_data import regions  # noqa: E402
from tkpk_lib.data.schemas import PROGRAMMES  # noqa: E402

KEY = b"benchmark-key-not-secret-0123456789abcdef"
FIRST = np.array(["Siti", "Budi", "Rahmat", "Dewi", "Yusuf", "Nur", "Agus", "Sri", "Andi", "Rina"])
LAST = np.array(["Aminah", "Santoso", "Hidayat", "Lestari", "Maulana", "Aisyah", "Saputra", "Wahyuni"])


def synth_registry(n: int, seed: int = 0, start_row: int = 1) -> pd.DataFrame:
    """Synthetic canonical registry: deciles skewed to the bottom, plausible member counts."""
    rng = np.random.default_rng(seed)
    desa = regions("desa")["code"].astype(str).to_numpy()
    d = rng.choice(desa, n)
    decile = np.minimum(rng.geometric(0.18, n), 10)
    kec = pd.Series(d).str[:6].astype("int64").to_numpy()
    nik = (kec * 10**10 + rng.integers(1, 29, n) * 10**8 + rng.integers(1, 13, n) * 10**6
           + rng.integers(50, 99, n) * 10**4 + rng.integers(0, 10**4, n)).astype(str)
    df = pd.DataFrame({
        "row_no": np.arange(start_row, start_row + n, dtype=np.int64),
        "nik": nik,
        "kk_no": (kec * 10**10 + rng.integers(10**9, 10**10, n)).astype(str),
        "name": np.char.add(np.char.add(rng.choice(FIRST, n), " "), rng.choice(LAST, n)),
        "address": np.char.add("Jl. Merdeka No. ", rng.integers(1, 300, n).astype(str)),
        "desa_code": d, "kec_code": pd.Series(d).str[:6].to_numpy(), "kab_code": pd.Series(d).str[:4].to_numpy(),
        "decile": decile.astype(np.int64),
        "n_members": rng.integers(1, 9, n),
        "n_children_0_6": rng.poisson(0.5, n), "n_children_7_18": rng.poisson(0.9, n),
        "n_elderly": rng.binomial(1, 0.2, n), "n_disabled": rng.binomial(1, 0.05, n),
        "head_female": rng.binomial(1, 0.15, n).astype(np.int8),
    })
    p_rcv = np.clip(0.75 - 0.07 * decile, 0.03, None)
    for i, code in enumerate(PROGRAMMES):
        df[f"rcv_{code}"] = (rng.random(n) < p_rcv * (0.6 + 0.05 * i)).astype(np.int8)
    return df


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _run_small(n: int, q: mp.Queue) -> None:
    t0 = time.perf_counter()
    reg = synth_registry(n)
    res = {"synthesise_s": time.perf_counter() - t0, "base_mb": _peak_mb()}
    for name, fn in (
        ("registry_summary_by_desa", lambda: R.registry_summary(reg)),
        ("follow_up_list", lambda: R.follow_up_list(reg, key=KEY)),
        ("follow_up_by_desa", lambda: R.follow_up_by_desa(reg)),
        ("registry_combinations_by_kab", lambda: R.registry_combinations(reg)),
        ("eligibility_wide", lambda: R.eligibility(reg)),
    ):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        res[name] = (time.perf_counter() - t0, time.process_time() - c0, len(out))
    res["peak_mb"] = _peak_mb()
    q.put(res)


def _write_big(n: int, folder: Path, q: mp.Queue) -> None:
    t0 = time.perf_counter()
    part, start = 1_000_000, 1
    for i in range(0, n, part):
        m = min(part, n - i)
        synth_registry(m, seed=100 + i // part, start_row=start).to_parquet(folder / f"part{i // part:03d}.parquet",
                                                                            index=False)
        start += m
    q.put({"write_s": time.perf_counter() - t0, "peak_mb": _peak_mb(),
           "size_mb": sum(f.stat().st_size for f in folder.glob("*.parquet")) / 2**20})


def _run_big(folder: Path, q: mp.Queue) -> None:
    import pyarrow.parquet as pq

    res = {}
    t0, c0 = time.perf_counter(), time.process_time()
    s = R.registry_summary(folder)
    res["registry_summary_by_desa"] = (time.perf_counter() - t0, time.process_time() - c0, len(s))
    t0, c0 = time.perf_counter(), time.process_time()
    s = R.registry_summary(folder, by="kab_code")
    res["registry_summary_by_kab"] = (time.perf_counter() - t0, time.process_time() - c0, len(s))
    t0, c0 = time.perf_counter(), time.process_time()
    out = R.follow_up_list(folder, key=KEY, out=folder.parent / "follow_up.parquet", memory_limit="1GB")
    res["follow_up_list_to_parquet"] = (time.perf_counter() - t0, time.process_time() - c0,
                                        pq.ParquetFile(out).metadata.num_rows)
    res["peak_mb"] = _peak_mb()
    q.put(res)


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
    ap.add_argument("--small", type=int, default=600_000)
    ap.add_argument("--big", type=int, default=6_000_000)
    a = ap.parse_args()
    print(f"registry benchmark (duckdb, {mp.cpu_count()} cores; CPU = process time over all threads)")
    r = _in_process(_run_small, a.small)
    print(f"\n{a.small:,} households in memory (synthesised in {r['synthesise_s']:.1f} s, "
          f"frame process RSS {r['base_mb']:.0f} MB)")
    for k, v in r.items():
        if isinstance(v, tuple):
            print(f"  {k:32s} {v[0]:7.2f} s wall {v[1]:7.2f} s CPU   {v[2]:>10,} rows out")
    print(f"  peak RSS of the process         {r['peak_mb']:7.0f} MB")
    if a.big:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "registry"
            folder.mkdir()
            w = _in_process(_write_big, a.big, folder)
            print(f"\n{a.big:,} households as Parquet ({w['size_mb']:.0f} MB on disk, written in "
                  f"{w['write_s']:.0f} s), DuckDB memory_limit 1GB for the follow-up list")
            r = _in_process(_run_big, folder)
            for k, v in r.items():
                if isinstance(v, tuple):
                    print(f"  {k:32s} {v[0]:7.2f} s wall {v[1]:7.2f} s CPU   {v[2]:>10,} rows out")
            print(f"  peak RSS of the process         {r['peak_mb']:7.0f} MB")


if __name__ == "__main__":
    main()
