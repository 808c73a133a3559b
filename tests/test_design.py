"""Tests of tkpk_lib.estimation.design: validation messages, single-PSU strata, fpc forms."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tkpk_lib.errors import DesignError, TkpkError
from tkpk_lib.estimation.design import SurveyDesign, linearized_variance, prepare_design
from tkpk_lib.estimation.estimators import survey_mean, survey_total


def frame() -> pd.DataFrame:
    """3 strata: A with PSUs 1, 2; B with PSUs 3, 4; C with the single PSU 5."""
    return pd.DataFrame(
        {
            "h": ["A", "A", "A", "B", "B", "C", "C"],
            "psu": [1, 1, 2, 3, 4, 5, 5],
            "w": [1.0, 1.0, 2.0, 1.0, 1.0, 3.0, 1.0],
            "y": [1.0, 2.0, 3.0, 4.0, 2.0, 1.0, 5.0],
        }
    )


# PSU totals of w*y: A1 = 3, A2 = 6, B3 = 4, B4 = 2, C5 = 8
V_AB = 2 * (1.5**2 + 1.5**2) + 2 * (1.0**2 + 1.0**2)  # 9 + 4


def test_single_psu_error_names_the_stratum():
    d = SurveyDesign("w", strata="h", psu="psu")
    with pytest.raises(DesignError) as err:
        d.check(frame(), source="susenas.csv")
    msg = str(err.value)
    assert "susenas.csv" in msg and "'h'" in msg and "C" in msg and "only one PSU" in msg
    assert "rows 6, 7" in msg
    assert isinstance(err.value, TkpkError)


@pytest.mark.parametrize("option", ["skip", "certainty"])
def test_single_psu_contributes_zero(option):
    d = SurveyDesign("w", strata="h", psu="psu", single_psu=option)
    v = linearized_variance(frame(), d, frame()["y"].to_numpy())
    assert v[0] == pytest.approx(V_AB)


def test_single_psu_center_uses_grand_mean():
    """R's lonely.psu = "adjust": the lonely PSU total is measured from the grand mean."""
    d = SurveyDesign("w", strata="h", psu="psu", single_psu="center")
    v = linearized_variance(frame(), d, frame()["y"].to_numpy())
    grand = (3 + 6 + 4 + 2 + 8) / 5
    assert v[0] == pytest.approx(V_AB + (8 - grand) ** 2)


def test_single_psu_with_full_sampling_is_certainty_without_error():
    df = frame().assign(N=[10, 10, 10, 20, 20, 1, 1])  # C: its only PSU is the whole stratum
    d = SurveyDesign("w", strata="h", psu="psu", fpc="N")
    v = linearized_variance(df, d, df["y"].to_numpy())
    assert v[0] == pytest.approx(9 * (1 - 2 / 10) + 4 * (1 - 2 / 20))


def test_fpc_as_population_count_or_fraction_agree():
    df = frame().assign(N=[10, 10, 10, 20, 20, 1, 1], f=[0.2, 0.2, 0.2, 0.1, 0.1, 1.0, 1.0])
    a = linearized_variance(df, SurveyDesign("w", "h", "psu", fpc="N"), df["y"].to_numpy())
    b = linearized_variance(df, SurveyDesign("w", "h", "psu", fpc="f"), df["y"].to_numpy())
    assert a[0] == pytest.approx(b[0], rel=1e-14)


def test_fpc_errors():
    df = frame().assign(N=[10, 11, 10, 20, 20, 1, 1])
    with pytest.raises(DesignError, match=r"constant within each stratum \[rows 2"):
        prepare_design(df, SurveyDesign("w", "h", "psu", fpc="N"))
    df = frame().assign(N=[1, 1, 1, 20, 20, 1, 1])  # A: 2 PSUs sampled out of 1
    with pytest.raises(DesignError, match="more than 100%"):
        prepare_design(df, SurveyDesign("w", "h", "psu", fpc="N"))
    df = frame().assign(N=[0.5, 0.5, 0.5, 20, 20, 1, 1])
    with pytest.raises(DesignError, match="mixes population sizes"):
        prepare_design(df, SurveyDesign("w", "h", "psu", fpc="N"))


@pytest.mark.parametrize(
    "weights,expect",
    [
        ([1.0, np.nan, 2.0, 1.0, 1.0, 3.0, 1.0], r"missing or infinite weights \[rows 2;"),
        ([1.0, 1.0, 0.0, 1.0, -1.0, 3.0, 1.0], r"weights must be > 0 \[rows 3, 5;"),
        (["1", "a", "2", "1", "1", "3", "1"], r"not numeric \[rows 2;"),
    ],
)
def test_bad_weights_name_column_and_rows(weights, expect):
    df = frame().assign(w=weights)
    with pytest.raises(DesignError, match=expect) as err:
        SurveyDesign("w", "h", "psu", single_psu="skip").check(df, source="ssn.csv")
    assert "ssn.csv, column 'w'" in str(err.value)


def test_missing_columns_and_ids():
    with pytest.raises(DesignError, match="'stratum' not found"):
        SurveyDesign("w", strata="stratum").check(frame())
    df = frame().astype({"psu": float})
    df.loc[3, "psu"] = np.nan
    with pytest.raises(DesignError, match=r"column 'psu': missing design ids \[rows 4;"):
        SurveyDesign("w", "h", "psu", single_psu="skip").check(df)
    with pytest.raises(DesignError, match="single_psu"):
        SurveyDesign("w", single_psu="drop")  # type: ignore[arg-type]
    with pytest.raises(DesignError, match="ssu"):
        SurveyDesign("w", fpc2="M")
    with pytest.raises(DesignError, match="needs psu"):
        SurveyDesign("w", ssu="hh")


def test_psu_ids_reused_across_strata_are_distinct_psus():
    """PSUs are nested in strata: PSU id 1 in A and id 1 in B are two PSUs."""
    df = frame().assign(psu=[1, 1, 2, 1, 2, 1, 1])
    d = SurveyDesign("w", "h", "psu", single_psu="skip")
    p = prepare_design(df, d)
    assert p.n_psu == 5 and p.n_strata == 3 and p.degf == 2
    v = linearized_variance(df, d, df["y"].to_numpy())
    assert v[0] == pytest.approx(V_AB)


def test_string_ids_and_unstratified_designs():
    df = frame().assign(psu=lambda d: "P" + d["psu"].astype(str))
    d = SurveyDesign("w", psu="psu")  # unstratified cluster sample, 5 PSUs
    v = linearized_variance(df, d, df["y"].to_numpy())
    t = np.array([3, 6, 4, 2, 8.0])
    assert v[0] == pytest.approx(5 / 4 * ((t - t.mean()) ** 2).sum())
    # each row its own PSU
    v1 = linearized_variance(df, SurveyDesign("w"), df["y"].to_numpy())
    wy = (df["w"] * df["y"]).to_numpy()
    assert v1[0] == pytest.approx(7 / 6 * ((wy - wy.mean()) ** 2).sum())


def test_two_stage_fpc_by_hand():
    """R multistage: stage 1 (1 - n/N) term + (n/N) * within-PSU term with (1 - m/M)."""
    df = pd.DataFrame(
        {
            "psu": [1, 1, 1, 2, 2],
            "ssu": [1, 2, 2, 1, 2],
            "w": [1.0, 1.0, 1.0, 1.0, 1.0],
            "y": [1.0, 2.0, 4.0, 3.0, 5.0],
            "N": 10,
            "M": [4, 4, 4, 2, 2],
        }
    )
    d = SurveyDesign("w", psu="psu", fpc="N", ssu="ssu", fpc2="M")
    v = linearized_variance(df, d, df["y"].to_numpy())[0]
    t1, t2 = 7.0, 8.0
    stage1 = (1 - 2 / 10) * 2 * ((t1 - 7.5) ** 2 + (t2 - 7.5) ** 2)
    # PSU 1: SSU totals 1, 6 (m = 2 of M = 4); PSU 2: 3, 5 (m = 2 of M = 2: no variance)
    stage2 = (2 / 10) * (1 - 2 / 4) * 2 * ((1 - 3.5) ** 2 + (6 - 3.5) ** 2)
    assert v == pytest.approx(stage1 + stage2, rel=1e-14)
    # without fpc2 the second stage is with replacement; without fpc1 it vanishes
    v_wr2 = linearized_variance(df, SurveyDesign("w", psu="psu", fpc="N", ssu="ssu"), df["y"])
    stage2_wr = (2 / 10) * 2 * (12.5 + 2 * 1.0)
    assert v_wr2[0] == pytest.approx(stage1 + stage2_wr, rel=1e-14)
    v_uc = linearized_variance(df, SurveyDesign("w", psu="psu", ssu="ssu"), df["y"])
    assert v_uc[0] == pytest.approx(2 * ((t1 - 7.5) ** 2 + (t2 - 7.5) ** 2))


def test_two_stage_single_ssu_error():
    df = pd.DataFrame(
        {"psu": [1, 1, 2], "ssu": [1, 2, 1], "w": 1.0, "y": [1.0, 2, 3], "N": 10, "M": 5}
    )
    with pytest.raises(DesignError, match="single second-stage unit"):
        SurveyDesign("w", psu="psu", fpc="N", ssu="ssu", fpc2="M").check(df)
    ok = SurveyDesign("w", psu="psu", fpc="N", ssu="ssu", fpc2="M", single_psu="skip")
    assert survey_total(df, ok, "y")["se"].iloc[0] > 0


def test_degf_and_frozen():
    d = SurveyDesign("w", "h", "psu", single_psu="skip")
    assert d.degf(frame()) == 5 - 3
    with pytest.raises(AttributeError):
        d.weight = "x"  # type: ignore[misc]
    assert d.columns() == ["w", "h", "psu"]
    assert math.isfinite(survey_total(frame(), d, "y")["se"].iloc[0])


@pytest.mark.parametrize("option", ["center", "skip"])
def test_single_psu_options_match_svy(option):
    """svy 0.35's singleton "center"/"skip" equal ours (also for totals: grand-mean centring)."""
    svy = pytest.importorskip("svy")
    pl = pytest.importorskip("polars")
    rng = np.random.default_rng(5)
    psu = np.repeat(np.arange(40), 6)
    st = (np.arange(40) // 4)[psu]
    st[psu == 39] = 99  # stratum 99 has the single PSU 39
    df = pd.DataFrame(
        {"st": st, "psu": psu, "w": rng.uniform(1, 3, 240), "y": rng.normal(5, 2, 240)}
    )
    ours = SurveyDesign("w", "st", "psu", single_psu=option)
    sample = svy.Sample(
        data=pl.from_pandas(df),
        design=svy.Design(stratum="st", psu="psu", wgt="w", wr=True, singleton=option),
    )
    for name in ("total", "mean"):
        theirs = getattr(sample.estimation, name)("y")
        theirs = theirs[0] if isinstance(theirs, list) else theirs
        mine = {"total": survey_total, "mean": survey_mean}[name](df, ours, "y").iloc[0]
        assert mine["se"] == pytest.approx(theirs.estimates[0].se, rel=1e-12)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("tkpk_lib.estimation.design", "tkpk_lib.estimation.design"),
        ("tkpk_lib.estimation.estimators", "tkpk_lib.estimation.estimators"),
        ("tkpk_lib.estimation.sae", "tkpk_lib.estimation.sae"),
        ("tkpk_lib.analysis.indicators", "tkpk_lib.analysis.indicators"),
        ("tkpk_lib.analysis.trends", "tkpk_lib.analysis.trends"),
        ("tkpk_lib.analysis.coverage", "tkpk_lib.analysis.coverage"),
        ("tkpk_lib.analysis.registry", "tkpk_lib.analysis.registry"),
        ("tkpk_lib.analysis.programmes", "tkpk_lib.analysis.programmes"),
        ("tkpk_lib.analysis.pockets", "tkpk_lib.analysis.pockets"),
        ("tkpk_lib.analysis.hotspots", "tkpk_lib.analysis.hotspots"),
        ("tkpk_lib.analysis.deprivation", "tkpk_lib.analysis.deprivation"),
        ("tkpk_lib.analysis.followup", "tkpk_lib.analysis.followup"),
    ],
)
def test_old_module_paths_are_the_moved_modules(old, new):
    """The deprecated paths of issue 14's layout are the same module objects (monkeypatching works)."""
    import importlib

    assert importlib.import_module(old) is importlib.import_module(new)


def test_variance_functions_still_importable_from_design():
    """linearized_variance moved to estimation.variance; the documented design path still gives it."""
    from tkpk_lib.estimation import variance
    from tkpk_lib.estimation.design import domain_variance, linearized_variance

    assert linearized_variance is variance.linearized_variance
    assert domain_variance is variance.domain_variance
    with pytest.raises(ImportError):
        from tkpk_lib.estimation.design import no_such_name  # noqa: F401
