"""Interrupts and kills of a report run (issue 11): nothing left running, nothing that looks
finished.

A ``tkpk run`` is driven in a subprocess through :func:`tkpk_lib.cli.main`, with the heavy
data steps replaced by a run of ``tests/data/warm_probe.ipynb`` (each notebook sleeps), so
that a signal arrives while workers, kernels and (when installed) a headless browser run.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from tkpk_lib.batch.export import find_browser
from tkpk_lib.batch.run import run_reports, unit_slug

ROOT = Path(__file__).resolve().parents[1]
PROBE = ROOT / "tests" / "data" / "warm_probe.ipynb"
HAVE_BROWSER = find_browser() is not None
FORMATS = ("html", "pdf") if HAVE_BROWSER else ("html",)
CODES = ["1701", "1702", "1703", "1704", "1705", "1706", "1707", "1708", "1709"]

DRIVER = """
import sys
from tkpk_lib import cli
from tkpk_lib.batch import pipeline, run

def fake_run_province(*, config):  # tkpk run passes the run configuration it built
    scheduler = None
    if {dask!r}:  # an in-process dask cluster: the run's kernels are this process's children
        import logging

        from distributed import LocalCluster

        # the cluster's own worker warns about the cancelled tasks as it closes; `tkpk run
        # --scheduler ADDR` uses a cluster elsewhere, whose log is not this console
        logging.getLogger("distributed").setLevel(logging.ERROR)

        scheduler = LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                 dashboard_address=None)
    res = run.run_reports(
        [{probe!r}], {codes!r}, config.year, run_id=config.run_id, out_root=config.out_root, jobs=2,
        formats={formats!r}, progress=False, params={{"sleep": 1.5}}, scheduler=scheduler,
    )
    return res, {{"demo": 0.0, "canonical": 0.0, "prepare": 0.0, "notebooks": 0.0, "total": 0.0}}

if __name__ == "__main__":  # spawned workers import this file too
    pipeline.run_province = fake_run_province
    sys.exit(cli.main(["run", "--year", "2024", "--out", {out!r}, "--run-id", "r1"]))
"""


def _alive(procs: list[psutil.Process]) -> list[str]:
    left = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                left.append(f"{p.pid} {' '.join(p.cmdline())[:80]}")
        except psutil.NoSuchProcess:
            continue
    return left


def _start(tmp_path: Path, dask: bool = False) -> tuple[subprocess.Popen, Path]:
    out = tmp_path / "reports"
    script = tmp_path / "driver.py"
    script.write_text(
        textwrap.dedent(DRIVER).format(
            probe=str(PROBE), codes=CODES, formats=FORMATS, out=str(out), dask=dask
        ),
        encoding="utf-8",
    )
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp)}
    # files, not pipes: a process left running must not keep the test waiting for EOF
    with open(tmp_path / "stdout.txt", "wb") as so, open(tmp_path / "stderr.txt", "wb") as se:
        proc = subprocess.Popen(
            [sys.executable, str(script)], cwd=tmp_path, env=env, stdout=so, stderr=se,
            start_new_session=True,
        )
    return proc, out / "r1"


def _stderr(proc: subprocess.Popen) -> str:
    return (Path(proc.args[1]).parent / "stderr.txt").read_text(encoding="utf-8", errors="replace")


@pytest.fixture
def reap():
    """Kill whatever a failing test leaves running (only processes the test started)."""
    procs: list[psutil.Process] = []
    yield procs
    for p in procs:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass


def _wait_first_unit(proc: subprocess.Popen, run_dir: Path) -> list[psutil.Process]:
    """Wait until one unit is complete and the next ones run; return the descendants."""
    first = run_dir / unit_slug("1701") / "warm_probe.html"
    stop = time.monotonic() + 90
    while not first.exists():
        assert proc.poll() is None, _stderr(proc)[-3000:]
        assert time.monotonic() < stop, "the run did not finish its first unit in 90 s"
        time.sleep(0.1)
    time.sleep(0.5)  # the two workers are inside their next notebooks
    procs = psutil.Process(proc.pid).children(recursive=True)
    kinds = " ".join(" ".join(p.cmdline()) for p in procs)
    assert "ipykernel" in kinds  # the signal reaches a run with kernels running
    if HAVE_BROWSER:
        assert "chromium" in kinds
    return procs


def _finish(proc: subprocess.Popen, timeout: float) -> tuple[int | None, str]:
    try:
        proc.wait(timeout=timeout)
        return proc.returncode, _stderr(proc)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return None, _stderr(proc)


def _profiles_of(procs: list[psutil.Process]) -> list[str]:
    """Browser profiles (tkpk_lib.batch.export) still on disk that belong to the given processes."""
    from tkpk_lib.batch.export import _profile_root

    pids = {str(p.pid) for p in procs}
    roots = {_profile_root(), Path("/tmp") / "tkpk-chromium"}
    return [str(e) for r in roots if r.is_dir() for e in r.iterdir() if e.name.split("-")[0] in pids]


def _files(run_dir: Path) -> dict[str, float]:
    return {
        str(p.relative_to(run_dir)): p.stat().st_mtime
        for p in run_dir.rglob("*") if p.is_file()
    }


def _assert_nothing_looks_finished(run_dir: Path) -> None:
    """Every visible unit folder is complete and recorded; the run says it is incomplete."""
    assert (run_dir / "RUN_INCOMPLETE").is_file()
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "incomplete"
    ok = {j["folder"] for j in manifest["jobs"] if j["status"] == "ok"}
    units = sorted(p.name for p in run_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
    assert units and len(units) < len(CODES)  # some finished, not all
    assert set(units) <= ok
    expected = sorted(f"warm_probe.{f}" for f in ("ipynb", *FORMATS))
    for unit in units:
        assert sorted(p.name for p in (run_dir / unit).iterdir()) == expected, unit
    top = sorted(p.name for p in run_dir.iterdir() if p.is_file())
    assert top == ["RUN_INCOMPLETE", "manifest.json"]
    statuses = {j["folder"]: j["status"] for j in manifest["jobs"]}
    assert set(statuses) == {unit_slug(c) for c in CODES}  # every unit listed
    assert "cancelled" in statuses.values()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sig", "dask"), [(signal.SIGINT, False), (signal.SIGTERM, False), (signal.SIGINT, True)],
    ids=["sigint", "sigterm", "sigint-dask"],
)
def test_interrupt_stops_run_quickly_and_cleanly(tmp_path, sig, dask, reap):
    proc, run_dir = _start(tmp_path, dask)
    reap.append(psutil.Process(proc.pid))
    procs = _wait_first_unit(proc, run_dir)
    reap.extend(procs)
    t0 = time.monotonic()
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)  # Ctrl-C in a terminal: the whole foreground process group
    else:
        os.kill(proc.pid, sig)  # `kill PID`: the parent only
    rc, err = _finish(proc, timeout=10)
    took = time.monotonic() - t0
    assert rc == 130, (rc, err[-2000:])
    assert took < 8, took
    lines = [s for s in err.splitlines() if s.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err[-2000:]
    assert "dihentikan" in lines[0] and str(run_dir) in lines[0]
    stop = time.monotonic() + 3
    while _alive(procs) and time.monotonic() < stop:
        time.sleep(0.1)
    assert _alive(procs) == []
    _assert_nothing_looks_finished(run_dir)
    assert _profiles_of(procs) == []  # browser profiles removed
    left = [p.name for p in (tmp_path / "tmp").iterdir() if p.name != "dask-scratch-space"]
    assert left == []  # kernel connection files too


@pytest.mark.slow
def test_sigkill_of_parent_stops_workers_kernels_browsers(tmp_path, reap):
    proc, run_dir = _start(tmp_path)
    reap.append(psutil.Process(proc.pid))
    procs = _wait_first_unit(proc, run_dir)
    reap.extend(procs)
    os.kill(proc.pid, signal.SIGKILL)
    killed = time.time()
    proc.wait()
    stop = time.monotonic() + 10
    while _alive(procs) and time.monotonic() < stop:
        time.sleep(0.1)
    assert _alive(procs) == []
    late = {f: m for f, m in _files(run_dir).items() if m > killed + 1.0}
    assert late == {}  # nothing written after the kill
    visible = [p.name for p in run_dir.iterdir() if not p.name.startswith(".")]
    assert "RUN_INCOMPLETE" in visible
    assert _profiles_of(procs) == []  # the dying workers removed their browser profiles
    assert list((tmp_path / "tmp").iterdir()) == []  # and their kernels' connection files


@pytest.mark.slow
def test_rerun_same_id_replaces_unit_folders_and_lists_every_unit(tmp_path):
    kw = dict(run_id="r", out_root=tmp_path, jobs=1, formats=("html",), progress=False)
    first = run_reports([PROBE], ["1701", "1703"], 2024, **kw)
    assert first.ok and first.manifest["status"] == "complete"
    assert not (first.run_dir / "RUN_INCOMPLETE").exists()
    unit = first.run_dir / unit_slug("1701")
    (unit / "warm_probe.pdf").write_bytes(b"%PDF-1.4 stale")  # from an earlier run with PDF
    (unit / "catatan_lama.xlsx").write_bytes(b"stale")
    again = run_reports([PROBE], ["1701", "1702"], 2024, **kw)
    assert again.ok
    assert sorted(p.name for p in unit.iterdir()) == ["warm_probe.html", "warm_probe.ipynb"]
    jobs = {j["folder"]: j for j in again.manifest["jobs"]}
    # every unit folder of the run is in the manifest: 1703 from the first run, marked so
    assert sorted(jobs) == [unit_slug(c) for c in ("1701", "1702", "1703")]
    assert jobs[unit_slug("1703")]["status"] == "ok"
    assert jobs[unit_slug("1703")]["from_earlier_run"] == first.manifest["started_utc"]
    assert "from_earlier_run" not in jobs[unit_slug("1701")]
    assert sorted(p.name for p in again.run_dir.iterdir()) == sorted(
        ["manifest.json", *(unit_slug(c) for c in ("1701", "1702", "1703"))]
    )
