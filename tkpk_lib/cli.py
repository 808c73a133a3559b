"""The ``tkpk`` command: the single entry point of the workbench.

Heavy modules are imported inside each command so ``tkpk --help`` stays instant.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tkpk_lib.errors import TkpkError

SOURCES = ("susenas", "sakernas", "podes", "registry", "programmes", "complaints", "kegiatan", "boundaries", "targets",
           "tindak-lanjut")


def _ensure_data(root: Path, *, small: bool = False, quiet: bool = False) -> None:
    """Make sure ``root`` has a Susenas folder: generate the demo only in the demo root.

    Any other root lacking it (a user's data) is never written: a :class:`TkpkError` names the
    folder looked for.
    """
    from tkpk_lib.data.canonical import missing_susenas_message, raw_dir
    from tkpk_lib.paths import is_demo_root

    if raw_dir(root, "susenas").is_dir():
        return
    if not is_demo_root(root):
        raise TkpkError(missing_susenas_message(root))
    from tkpk_lib.synthetic import generate_demo

    if not quiet:
        print(f"Demo data not found: generating synthetic demo data in {root} ...", flush=True)
    generate_demo(root, small=small)


def _add_cache_dir(s: argparse.ArgumentParser) -> None:
    s.add_argument(
        "--cache-dir",
        default=None,
        metavar="DIR",
        help="folder for the derived tables (canonical/, derived/) when the data root is "
        "read-only (default: $TKPK_CACHE_DIR, else the data root)",
    )


def _use_root(root: Path) -> None:
    """Make the province of ``root`` the process's (printed when read from the files)."""
    from tkpk_lib.data.region_root import use_root

    use_root(root, announce=True)


def _use_province(a: argparse.Namespace) -> None:
    """``tkpk validate --province NN``: the files must belong to that province."""
    if getattr(a, "province", None):
        from tkpk_lib.data.region import use_region

        use_region(a.province)


def cmd_demo_data(a: argparse.Namespace) -> int:
    """Generate the synthetic demo data in the real BPS file formats (``tkpk demo-data``)."""
    from tkpk_lib.synthetic import generate_demo

    root = Path(a.root)
    extra = {"province": a.province} if getattr(a, "province", None) else {}
    info = generate_demo(root, seed=a.seed, small=a.small, **extra)
    print(f"Synthetic demo data written to {root}")
    if info.get("assumed"):
        from tkpk_lib.synthetic import demo_assumed_note

        print(f"  {demo_assumed_note(root)}")
    for k, v in (info or {}).items():
        if k != "assumptions":
            print(f"  {k}: {v}")
    return 0


def _read_table_source(a: argparse.Namespace, p: Path) -> tuple[Any, dict[str, int], str | None]:
    """Programme map, complaints log, TKPK activity log or own targets for ``tkpk validate``: table, row counts, layout."""
    from tkpk_lib.data import readers

    if a.source == "targets":
        from tkpk_lib.data.targets_input import read_targets

        t = read_targets(p)
    elif a.source == "kegiatan":  # TKPK activity log (issue 13)
        from tkpk_lib.data.readers.activities import read_activities

        t = read_activities(p, year=a.year or readers.year_in_name(p))
    elif a.source == "tindak-lanjut":  # the filled follow-up plan (rencana tindak lanjut)
        from tkpk_lib.data.readers.action_plan import read_action_plan

        t = read_action_plan(p)
    else:
        fn = readers.read_programmes if a.source == "programmes" else readers.read_complaints
        t = fn(p, year=a.year or readers.year_in_name(p))
    return t, {a.source: len(t)}, t.attrs.get("layout")


def cmd_validate(a: argparse.Namespace) -> int:
    """Check the user's own raw files before any analysis (``tkpk validate``)."""
    from tkpk_lib.data import readers

    if (a.crs or a.repair) and a.source != "boundaries":
        print("--crs and --repair apply to --source boundaries only", file=sys.stderr)
        return 2
    if a.repair and len(a.files) > 1:
        print("--repair takes one boundary file at a time", file=sys.stderr)
        return 2
    if a.repair:
        from tkpk_lib.paths import require_writable

        require_writable(Path(a.repair).absolute().parent, "choose another file with --repair")
    _use_province(a)
    bad, warned = 0, False
    for f in a.files:
        p = Path(f)
        layout = None
        t = None
        try:
            if a.source == "susenas":
                if a.year is None:
                    raise TkpkError("--year is needed for Susenas (variable names change by year)")
                t = readers.read_susenas(p if p.is_dir() else p.parent, a.year)
                n = {k: len(v) for k, v in t.items()}
            elif a.source in ("sakernas", "podes"):
                if a.year is None:
                    raise TkpkError(
                        f"--year is needed for {a.source} (variable names change by year)"
                    )
                fn = readers.read_sakernas if a.source == "sakernas" else readers.read_podes
                t = fn(p, a.year)
                n = {a.source: len(t)}
            elif a.source == "registry":
                from tkpk_lib.data.registry_stream import validate_registry

                rows, layout = validate_registry(p)  # streamed: any size, as the build reads it
                n = {"registry": rows}
            elif a.source in ("programmes", "complaints", "kegiatan", "targets", "tindak-lanjut"):
                t, n, layout = _read_table_source(a, p)
            else:
                level = a.level or next(
                    (lv for lv in ("kabupaten", "kecamatan", "desa") if lv in p.name), "desa"
                )
                n_poly, notes = readers.check_boundaries(p, level, crs=a.crs, repair_to=a.repair)
                for line in notes:
                    print(line)
                n = {f"{level} polygons": n_poly}
            for w in readers.table_warnings(t):
                warned = True
                print(f"WARNING {w}", file=sys.stderr)
            where = f" ({layout})" if layout else ""
            print(f"OK {p}: " + ", ".join(f"{k} {v:,} rows" for k, v in n.items()) + where)
        except TkpkError as e:
            bad += 1
            print(f"FAILED {p}:\n{e}", file=sys.stderr)
    if (bad or warned) and a.source != "boundaries":
        print(readers.ROWS_NOTE, file=sys.stderr)
    return 1 if bad else 0


def cmd_build(a: argparse.Namespace) -> int:
    """Read the raw files and write the validated canonical tables (``tkpk build``)."""
    from tkpk_lib.data.canonical import (
        available_years,
        build_canonical,
        missing_susenas_message,
        report_inputs,
    )
    from tkpk_lib.paths import canonical_dir, writable_cache_root

    root = Path(a.root)
    _ensure_data(root)
    _use_root(root)
    writable_cache_root(root, a.cache_dir)
    years = a.year or available_years(root)
    if not years:
        raise TkpkError(missing_susenas_message(root))
    # all years built: the programme map and complaints are named for the latest year only
    report_inputs(root, years, admin_year=None if a.year else max(years))
    for y in years:
        paths = build_canonical(root, y, force=a.force, cache_dir=a.cache_dir)
        print(f"{y}: " + ", ".join(sorted(paths)))
    print(f"Canonical tables: {canonical_dir(root, a.cache_dir)}")
    return 0


def cmd_summary(a: argparse.Namespace) -> int:
    """Print a summary of the canonical tables (``tkpk summary``)."""
    from tkpk_lib.data.canonical import report_inputs
    from tkpk_lib.data.summary import demo_summary
    from tkpk_lib.paths import writable_cache_root

    root = Path(a.root)
    _ensure_data(root)
    _use_root(root)
    writable_cache_root(root, a.cache_dir)
    report_inputs(root, a.year)
    print(demo_summary(root, a.year, cache_dir=a.cache_dir))
    return 0


def cmd_follow_up(a: argparse.Namespace) -> int:
    """Write the pseudonymised follow-up lists per desa and office (``tkpk follow-up``)."""
    from tkpk_lib.analysis.followup import demo_key, write_follow_up_lists
    from tkpk_lib.batch.pipeline import registry_names
    from tkpk_lib.data.canonical import build_registry
    from tkpk_lib.paths import followup_dir, is_demo_root, require_writable, writable_cache_root
    from tkpk_lib.privacy import load_key

    root = Path(a.root)
    is_demo = is_demo_root(root)
    if is_demo:
        _ensure_data(root)
    _use_root(root)
    # every folder written is checked before any work starts
    out = Path(a.out) if a.out else followup_dir(root, a.year, a.cache_dir)
    if a.out:
        require_writable(out, "choose another folder with --out")
    writable_cache_root(root, a.cache_dir)
    if a.key or not is_demo:
        key = load_key(a.key)
    else:
        key = demo_key(root)
        print(
            f"Demo data: pseudonyms use the demo key {root / 'demo_pseudonym.key'} (never use it for real data)"
        )
    registry = build_registry(root, cache_dir=a.cache_dir)
    files = write_follow_up_lists(
        registry, out, key, kab_codes=a.kab,
        scan_names=registry_names(root, cache_dir=a.cache_dir),
    )
    print(f"Daftar tindak lanjut ({len(files)} file, tanpa NIK/nama/alamat): {out}")
    for f in files:
        print(f"  {f.name}")
    return 0


def cmd_dictionary(a: argparse.Namespace) -> int:
    """Write the data dictionary generated from the schemas (``tkpk dictionary``)."""
    from tkpk_lib.data.schemas import data_dictionary_markdown
    from tkpk_lib.paths import require_writable

    out = Path(a.output)
    require_writable(out.parent, "choose another file with --output")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(data_dictionary_markdown() + "\n", encoding="utf-8")
    print(f"Data dictionary written to {out}")
    return 0


def cmd_template(a: argparse.Namespace) -> int:
    """Write the follow-up plan template of each unit (``tkpk template tindak-lanjut``)."""
    from tkpk_lib.reporting.action_plan_template import write_templates

    root = Path(a.root)
    _ensure_data(root)
    _use_root(root)
    files = write_templates(root, a.year, a.kab, a.out)
    print(f"Templat rencana tindak lanjut {a.year} ({len(files)} berkas; isi, lalu simpan di raw/tindak_lanjut/):")
    for f in files:
        print(f"  {f}")
    return 0


def cmd_run(a: argparse.Namespace) -> int:
    """Run the report notebooks per kabupaten/kota: HTML, PDF, Excel annex (``tkpk run``)."""
    from tkpk_lib.batch.pipeline import run_cli

    return run_cli(a)


def lab_notebook(folder: str | Path) -> Path:
    """The exploration notebook to open in ``folder``: a copy of the shipped one, made once.

    The shipped ``explore.ipynb`` is package data (read-only in site-packages and committed
    without outputs in a checkout), so ``tkpk lab`` works on a copy in the user's folder and
    never overwrites a copy that is already there (it may hold the user's edits).

    Parameters
    ----------
    folder : path
        Working folder (``tkpk lab --dir``; default the current directory).

    Returns
    -------
    pathlib.Path
        ``<folder>/explore.ipynb``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     lab_notebook(d).name, lab_notebook(d).stat().st_size > 1000
    ('explore.ipynb', True)
    """
    import shutil

    from tkpk_lib.paths import NOTEBOOKS

    target = Path(folder) / "explore.ipynb"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(NOTEBOOKS / "explore.ipynb", target)
    return target


def cmd_lab(a: argparse.Namespace) -> int:
    """Open JupyterLab on a copy of the exploration notebook (``tkpk lab``)."""
    import shutil
    import subprocess

    exe = shutil.which("jupyter")
    if exe is None:
        raise TkpkError("JupyterLab is not installed: pip install 'tkpk-workbench[lab]'")
    nb = lab_notebook(a.dir)
    print(f"Opening {nb} (a copy of the shipped exploration notebook)", flush=True)
    return subprocess.call([exe, "lab", nb.name], cwd=nb.parent)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``tkpk`` command and its subcommands."""
    from tkpk_lib.paths import data_root

    p = argparse.ArgumentParser(
        prog="tkpk", description="TKPK poverty analysis workbench (the province of the data root)."
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser(
        "demo-data", help="generate the synthetic demo data in the real BPS file formats"
    )
    s.add_argument("--root", default=str(data_root()), help="output folder (default: %(default)s)")
    s.add_argument("--seed", type=int, default=2024)
    s.add_argument(
        "--small", action="store_true", help="small registry (~6,000 households) for tests"
    )
    s.add_argument(
        "--province",
        default=None,
        metavar="NN",
        help="two-digit province code of the national region reference (default: the demo's "
        "province, which has published figures; any other gets synthetic geometry and assumed "
        "figures, marked as such)",
    )
    s.set_defaults(func=cmd_demo_data)

    s = sub.add_parser(
        "validate", help="check your own raw files before any analysis (non-zero exit on a problem)"
    )
    s.add_argument("--source", required=True, choices=SOURCES)
    s.add_argument("--year", type=int, help="survey year (needed for susenas, sakernas, podes)")
    s.add_argument("--level", choices=("kabupaten", "kecamatan", "desa"), help="boundary level")
    s.add_argument(
        "--crs",
        help="boundaries: coordinate system of a file that declares none (e.g. EPSG:32748)",
    )
    s.add_argument(
        "--repair",
        metavar="NEW_FILE",
        help="boundaries: write a repaired copy (valid polygons, lon/lat) to this new file",
    )
    s.add_argument(
        "--province",
        metavar="NN",
        help="two-digit province code the files must belong to (default: the province of "
        "$TKPK_DATA_ROOT, from its tkpk.toml or its files)",
    )
    s.add_argument(
        "files", nargs="+", help="files (for susenas: the folder or any file of the year)"
    )
    s.set_defaults(func=cmd_validate)

    s = sub.add_parser(
        "build", help="read raw files and write the validated canonical tables (parquet)"
    )
    s.add_argument("--root", default=str(data_root()))
    s.add_argument("--year", type=int, action="append", help="year (repeatable; default all)")
    s.add_argument("--force", action="store_true")
    s.add_argument(
        "--demo",
        action="store_true",
        help="kept for old scripts: the demo root is generated when absent anyway, and no other",
    )
    _add_cache_dir(s)
    s.set_defaults(func=cmd_build)

    s = sub.add_parser(
        "summary", help="print a summary of the canonical tables (demo root generated when absent)"
    )
    s.add_argument("--root", default=str(data_root()))
    s.add_argument("--year", type=int, default=2024)
    _add_cache_dir(s)
    s.set_defaults(func=cmd_summary)

    s = sub.add_parser(
        "run", help="run the report notebooks per kabupaten: HTML, PDF and the Excel annex"
    )
    s.add_argument("--year", type=int, default=2024)
    s.add_argument("--comparison-year", type=int, default=None)
    s.add_argument(
        "--kab",
        action="extend",
        nargs="+",
        metavar="CODE",
        help="kabupaten/kota codes of the data root's province, or its two-digit code for the province "
        "roll-up (default: every kabupaten/kota and the province)",
    )
    s.add_argument("--jobs", type=int, default=2)
    s.add_argument("--scheduler", default=None, help="address of a Dask distributed scheduler")
    s.add_argument("--root", default=str(data_root()), help="data root (default: %(default)s)")
    s.add_argument("--out", default=None, help="reports folder (default: reports/)")
    _add_cache_dir(s)
    s.add_argument("--run-id", default=None)
    s.add_argument(
        "--target",
        default="poor",
        choices=("poor", "b40", "registry"),
        help="target definition for coverage",
    )
    s.add_argument("--no-pdf", action="store_true", help="HTML only")
    s.add_argument("--annex-pdf", action="store_true", help="also print the annex notebook to PDF")
    s.add_argument(
        "--partial",
        action="store_true",
        help="write reports even when a section cannot be computed: the section carries a "
        "'Bagian ini tidak lengkap' banner and the unit is marked 'partial' (default: the unit fails)",
    )
    s.add_argument(
        "--fresh-kernels",
        action="store_true",
        help="start a new Jupyter kernel for every notebook (default: each worker keeps one)",
    )
    s.add_argument(
        "--min-sample",
        type=int,
        default=None,
        help="suppress estimates from fewer sample households than this (small-cell rule)",
    )
    s.add_argument(
        "--poverty-lines",
        default=None,
        metavar="CSV",
        help="poverty-line table (kab_code, year, poverty_line[, urban]) replacing the reference one",
    )
    s.add_argument(
        "--targets",
        default=None,
        metavar="CSV",
        help="target table (indicator, kab_code, year, target[, status, source]) replacing the reference one",
    )
    s.add_argument(
        "--small", action="store_true", help="small demo registry when generating demo data"
    )
    s.set_defaults(func=cmd_run)

    s = sub.add_parser(
        "follow-up",
        help="follow-up lists per desa and office from the registry (pseudonymised, no NIK/names)",
    )
    s.add_argument("--year", type=int, default=2024)
    s.add_argument("--root", default=str(data_root()))
    s.add_argument(
        "--kab",
        action="extend",
        nargs="+",
        metavar="CODE",
        help="kabupaten/kota codes (default all)",
    )
    s.add_argument(
        "--key",
        default=None,
        help="pseudonym key file (default $TKPK_PSEUDONYM_KEY; demo: a demo key)",
    )
    s.add_argument(
        "--out",
        default=None,
        help="output folder (default <root or cache folder>/tindak_lanjut/<year>)",
    )
    _add_cache_dir(s)
    s.set_defaults(func=cmd_follow_up)

    s = sub.add_parser("template", help="write an input template (tindak-lanjut: the follow-up plan per unit)")
    s.add_argument("kind", choices=("tindak-lanjut",))
    s.add_argument("--year", type=int, default=2024, help="report year whose draft problems prefill it")
    s.add_argument("--root", default=str(data_root()))
    s.add_argument("--kab", action="extend", nargs="+", metavar="CODE", help="unit codes (default all)")
    s.add_argument("--out", default=".", help="output folder (default: %(default)s)")
    s.set_defaults(func=cmd_template)

    s = sub.add_parser("dictionary", help="write the data dictionary generated from the schemas")
    s.add_argument("--output", default="references/data_dictionary.md")
    s.set_defaults(func=cmd_dictionary)

    s = sub.add_parser("lab", help="open JupyterLab on the exploration notebook")
    s.add_argument(
        "--dir", default=".",
        help="folder for your copy of explore.ipynb (made once, never overwritten; default: %(default)s)",
    )
    s.set_defaults(func=cmd_lab)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``tkpk`` console script."""
    from tkpk_lib.batch.run import RunInterrupted, terminate_as_interrupt

    args = build_parser().parse_args(argv)
    try:
        with terminate_as_interrupt():  # SIGTERM stops a command as Ctrl-C does
            return int(args.func(args) or 0)
    except TkpkError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as e:  # Ctrl-C or SIGTERM: one line, no traceback, exit 130
        stop = e if isinstance(e, RunInterrupted) else RunInterrupted("SIGINT")
        text = stop.message() if stop.run_dir else f"dihentikan ({stop.signal_name})"
        print(f"tkpk {args.command}: {text}", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
