"""Susenas (March), Sakernas (August) and Podes raw files drawn from the population model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import expit, ndtr

from . import _io
from ._world import (
    SIGMA_BLOCK,
    World,
    decile_cuts,
    draw_types,
    household_expenditure,
    members,
    welfare_score,
)

HH_PER_PSU = 10
SUSENAS_PSUS = 600  # ~6,000 households a year for the province
SAKERNAS_PSUS = 540  # ~15,000 persons aged 10+ a year
MEAN_SIZE = {0: 4.0, 1: 3.79}  # expected household size (rural, urban) of household_types()


# ------------------------------------------------------------------------- sample design
def sample_blocks(world: World, gen: np.random.Generator, year: int, n_psu: int) -> pd.DataFrame:
    """Two-stage probability sample: census blocks by PPS within kabupaten x urban strata.

    The frame is every desa split into blocks of ~100 households. Kabupaten get PSUs
    proportional to the square root of their population; urban/rural strata within a
    kabupaten proportional to households (at least 3 PSUs). Within a stratum ``n_h`` blocks are
    selected with probability proportional to their household count (systematic PPS on a
    randomly ordered frame, i.e. random-order PPS without replacement; no sorting by welfare,
    so there is no implicit stratification that the usual with-replacement variance estimator
    would not see). Selected blocks then yield ``HH_PER_PSU`` households each by simple random
    sampling. Inclusion probability of a household: ``pi = n_h M_b / M_h x 10 / M_b =
    10 n_h / M_h``, so the base weight (``base_weight``) is its inverse ``M_h / (10 n_h)``
    (``M_b`` block households, ``M_h`` stratum households): the design is self-weighting
    within a stratum. Susenas/Sakernas then ratio-adjust the base weights to the model
    population of each stratum (as BPS calibrates to population projections).
    """
    d = world.desa
    pop = world.desa_pop(year)
    urban = d["urban"].to_numpy()
    n_hh = pop / np.where(urban == 1, MEAN_SIZE[1], MEAN_SIZE[0])
    nb = np.maximum(1, np.rint(n_hh / 100)).astype(int)
    b_desa = np.repeat(np.arange(len(d)), nb)
    b_size = (n_hh / nb)[b_desa]
    kab = d["kab_code"].to_numpy(dtype=object)
    kab_pop = {k: pop[kab == k].sum() for k in world.kab_codes}
    root = np.sqrt(np.array([kab_pop[k] for k in world.kab_codes]))
    n_kab = np.maximum(20, np.rint(n_psu * root / root.sum())).astype(int)
    rows = []
    for k, nk in zip(world.kab_codes, n_kab, strict=True):
        in_k = kab[b_desa] == k
        hh_u = {u: b_size[in_k & (urban[b_desa] == u)].sum() for u in (1, 0)}
        n_u = (
            0
            if hh_u[1] == 0
            else (nk if hh_u[0] == 0 else max(3, round(nk * hh_u[1] / (hh_u[0] + hh_u[1]))))
        )
        alloc = {1: n_u, 0: nk - n_u}
        seq = 0
        for u in (1, 0):
            n_h = alloc[u]
            if n_h == 0:
                continue
            idx = np.where(in_k & (urban[b_desa] == u))[0]
            idx = idx[gen.permutation(len(idx))]
            cum = np.cumsum(b_size[idx])
            step = cum[-1] / n_h
            picks = gen.uniform(0, step) + step * np.arange(n_h)
            sel = idx[np.searchsorted(cum, picks, side="right").clip(0, len(idx) - 1)]
            for b in sel:
                seq += 1
                rows.append(
                    (
                        k,
                        u,
                        int(k) * 10 + (1 if u else 2),
                        int(k) * 10_000 + seq,
                        b_desa[b],
                        b_size[b],
                        cum[-1] / (n_h * HH_PER_PSU),
                        cum[-1],
                    )
                )
    return pd.DataFrame(
        rows,
        columns=[
            "kab_code",
            "urban",
            "stratum",
            "psu",
            "desa_idx",
            "block_hh",
            "base_weight",
            "stratum_hh",
        ],
    )


def _stratum_persons(world: World, year: int) -> dict[tuple[str, int], float]:
    d = world.desa
    pop = world.desa_pop(year)
    s = pd.Series(pop).groupby([d["kab_code"].to_numpy(dtype=object), d["urban"].to_numpy()]).sum()
    return {(k, int(u)): float(v) for (k, u), v in s.items()}


def _households(
    world: World, gen: np.random.Generator, year: int, blocks: pd.DataFrame
) -> pd.DataFrame:
    """Households of the selected blocks with type, expenditure and composition flags."""
    n = len(blocks) * HH_PER_PSU
    b = np.repeat(np.arange(len(blocks)), HH_PER_PSU)
    desa_idx = blocks["desa_idx"].to_numpy()[b]
    urban = blocks["urban"].to_numpy()[b]
    # independent draws (ordinary sampling): households are a simple random sample of the
    # block's households, each drawn from the population model
    t_idx = draw_types(gen, world.types, urban, u=gen.random(n))
    t = world.types.iloc[t_idx]
    block_eff = SIGMA_BLOCK * gen.standard_normal(len(blocks))[b]
    z = gen.standard_normal(n)
    x = household_expenditure(world, gen, year, desa_idx, t_idx, block_effect=block_eff, z=z)
    hh = pd.DataFrame(
        {
            "kab_code": blocks["kab_code"].to_numpy()[b],
            "urban": urban,
            "stratum": blocks["stratum"].to_numpy()[b],
            "psu": blocks["psu"].to_numpy()[b],
            "hh_no": np.tile(np.arange(1, HH_PER_PSU + 1), len(blocks)),
            "desa_idx": desa_idx,
            "weight": blocks["base_weight"].to_numpy()[b],
            "size": t["size"].to_numpy(),
            "female": t["female"].to_numpy(),
            "elderly": t["elderly"].to_numpy(),
            "disabled": t["disabled"].to_numpy(),
            "exp_pc": x,
        }
    )
    assert len(hh) == n
    return hh


def _ratio_adjust(
    hh: pd.DataFrame, target: dict[tuple[str, int], float], size_col: str
) -> np.ndarray:
    """Scale weights so that sum(weight x size) hits the stratum population exactly."""
    tot = (hh["weight"] * hh[size_col]).groupby([hh["kab_code"], hh["urban"]]).transform("sum")
    tgt = np.array([target[(k, int(u))] for k, u in zip(hh["kab_code"], hh["urban"], strict=True)])
    return hh["weight"].to_numpy() * tgt / tot.to_numpy()


def _ordered(
    gen: np.random.Generator,
    z: np.ndarray,
    codes: list[int],
    probs: list[float],
    rho: float = 0.55,
    shift: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Draw an ordered category (codes listed worst -> best) correlated with welfare ``z``."""
    lat = rho * z + np.sqrt(1 - rho**2) * gen.normal(0, 1, len(z)) + shift
    u = ndtr(lat)
    cum = np.cumsum(probs) / np.sum(probs)
    return np.asarray(codes)[np.searchsorted(cum, u, side="right").clip(0, len(codes) - 1)]


# ------------------------------------------------------------------------- Susenas
def susenas(world: World, root: Path, year: int) -> dict[str, int]:
    """Write the three Susenas March files of ``year``; return rows per file."""
    return write_susenas(root, year, *draw_susenas(world, year))


def draw_susenas(
    world: World, year: int, draw: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Draw one Susenas March sample of ``year`` from the fixed population model.

    Parameters
    ----------
    world : World
        The population model (:func:`tkpk_lib.synthetic._world.build_world`).
    year : int
        Survey year.
    draw : int
        Sample number: 0 is the demo's own sample; other values give independent samples of
        the same design from the same population (the coverage study redraws with them).

    Returns
    -------
    tuple of DataFrame
        ``(rt, ind, kp)``: household, person and expenditure (KP blok 43) tables with the
        raw variable names that :func:`write_susenas` writes.

    Examples
    --------
    >>> from tkpk_lib.synthetic._world import build_world
    >>> w = build_world(2024, (2024,), geometry=False)  # doctest: +SKIP
    >>> rt, ind, kp = draw_susenas(w, 2024, draw=1)  # doctest: +SKIP
    >>> len(rt) == len(kp)  # doctest: +SKIP
    True
    """
    gen = _io.rng(world.seed, _io.SUSENAS, year, draw)
    d = world.desa
    blocks = sample_blocks(world, gen, year, SUSENAS_PSUS)
    hh = _households(world, gen, year, blocks)
    hh["weight"] = _ratio_adjust(hh, _stratum_persons(world, year), "size")
    n = len(hh)
    urban = hh["urban"].to_numpy()
    line = hh["kab_code"].map({k: world.line(k, year) for k in world.kab_codes}).to_numpy(dtype=float)
    q = np.log(hh["exp_pc"].to_numpy() / line)
    z = (q - q.mean()) / q.std()
    poor = q < 0
    per = members(
        gen,
        hh["size"].to_numpy(),
        hh["female"].to_numpy(),
        hh["elderly"].to_numpy(),
        hh["disabled"].to_numpy(),
    )
    ph = per["hh"].to_numpy()
    age = per["age"].to_numpy()
    n_0_6 = np.bincount(ph, weights=age <= 6, minlength=n)
    n_7_18 = np.bincount(ph, weights=(age >= 7) & (age <= 18), minlength=n)
    needs = (
        (n_0_6 + n_7_18 > 0) | (hh["elderly"].to_numpy() == 1) | (hh["disabled"].to_numpy() == 1)
    )
    # registry-style decile and programme receipt (targeting on a noisy PMT score)
    score = welfare_score(gen, hh["exp_pc"].to_numpy(), urban)
    dec = 1 + np.searchsorted(decile_cuts(world, year), score)
    r = gen.random((n, 8))
    pkh = np.where(needs & (dec <= 2), r[:, 0] < 0.60, r[:, 0] < 0.01)
    bpnt = np.where(dec <= 3, r[:, 1] < 0.52, r[:, 1] < 0.02)
    kks = np.where(pkh | bpnt, r[:, 2] < 0.85, r[:, 2] < 0.01)
    kel = d["kelurahan"].to_numpy()[hh["desa_idx"].to_numpy()] == 1
    blt = ~kel & (urban == 0) & np.where(dec <= 3, r[:, 3] < 0.22, r[:, 3] < 0.01)
    kur = r[:, 4] < np.where((dec >= 4) & (dec <= 8), 0.04, 0.015)
    linked = r[:, 5] < 0.60
    shift = 0.4 * urban
    roof = _ordered(
        gen,
        z,
        [7, 5, 8, 6, 3, 4, 2, 1],
        [0.01, 0.005, 0.005, 0.03, 0.04, 0.80, 0.07, 0.04],
        shift=shift,
    )
    wall = _ordered(
        gen, z, [7, 6, 5, 4, 3, 2, 1], [0.005, 0.01, 0.01, 0.03, 0.22, 0.04, 0.685], shift=shift
    )
    floor = _ordered(
        gen,
        z,
        [8, 7, 9, 5, 6, 4, 3, 2, 1],
        [0.03, 0.01, 0.005, 0.12, 0.38, 0.05, 0.005, 0.39, 0.01],
        shift=shift,
    )
    san = 0.85 * z + np.sqrt(1 - 0.85**2) * gen.normal(0, 1, n) + shift
    toilet = _ordered(gen, san, [5, 4, 3, 2, 1], [0.06, 0.02, 0.02, 0.06, 0.84], rho=0.9)
    closet = _ordered(gen, san, [4, 3, 2, 1], [0.05, 0.03, 0.04, 0.88], rho=0.9).astype(float)
    disposal = _ordered(
        gen, san, [6, 4, 3, 7, 5, 2, 1], [0.01, 0.06, 0.02, 0.01, 0.11, 0.01, 0.78], rho=0.9
    ).astype(float)
    none = toilet == 5
    closet[none] = np.nan
    disposal[none] = np.where(r[none, 6] < 0.5, 4, np.where(r[none, 6] < 0.8, 5, 6))
    water = _ordered(
        gen,
        z,
        [10, 9, 7, 12, 11, 8, 6, 5, 4, 3, 2, 1],
        [0.03, 0.03, 0.06, 0.005, 0.02, 0.06, 0.22, 0.18, 0.03, 0.08, 0.28, 0.015],
        rho=0.45,
        shift=shift,
    )
    lighting = _ordered(gen, z, [4, 3, 2, 1], [0.012, 0.01, 0.02, 0.958], rho=0.4, shift=shift)
    va = _ordered(
        gen,
        z,
        [450, 900, 1300, 2200, 3500, 5500],
        [0.22, 0.14, 0.37, 0.19, 0.05, 0.03],
        shift=shift,
    )
    va = np.where(lighting == 1, va, 0)
    fuel = _ordered(
        gen,
        z,
        [7, 5, 6, 8, 3, 4, 2, 1],
        [0.12, 0.005, 0.005, 0.005, 0.72, 0.005, 0.12, 0.02],
        shift=shift,
    )
    lpg = (fuel == 3) | (r[:, 7] < 0.03)
    area = np.clip(
        np.rint(hh["size"].to_numpy() * np.exp(np.log(13) + 0.25 * z + gen.normal(0, 0.35, n))),
        12,
        400,
    )
    kec_map = dict(zip(world.kec["code"], world.kec["code_bps"], strict=True))
    desa_code = d["desa_code"].to_numpy(dtype=object)[hh["desa_idx"].to_numpy()]
    kec_bps = np.array([int(kec_map[c[:6]][-3:]) for c in desa_code])
    urut = (hh["psu"].astype(str) + hh["hh_no"].map("{:02d}".format)).to_numpy(dtype=object)
    yn = lambda a: np.where(a, 1, 2).astype(np.int8)  # noqa: E731
    rt = pd.DataFrame(
        {
            "prov": np.full(n, int(world.province.code), np.int16),
            "kab": hh["kab_code"].str[2:].astype(int).to_numpy(dtype=np.int16),
            "kec_bps": kec_bps.astype(np.int16),
            "R104": np.array([int(c[6:]) for c in desa_code], dtype=np.int16),
            "urban": np.where(urban == 1, 1, 2).astype(np.int8),
            "hh_id": urut,
            "psu": hh["psu"].to_numpy(dtype=np.int32),
            "stratum": hh["stratum"].to_numpy(dtype=np.int32),
            "weight": hh["weight"].to_numpy(),
            "hh_size": hh["size"].to_numpy(dtype=np.int8),
            "floor_area": area.astype(np.int16),
            "roof": roof.astype(np.int8),
            "wall": wall.astype(np.int8),
            "floor": floor.astype(np.int8),
            "toilet": toilet.astype(np.int8),
            "closet": closet,
            "disposal": disposal,
            "water": water.astype(np.int8),
            "lighting": lighting.astype(np.int8),
            "elec_va": va.astype(np.int16),
            "cooking_fuel": fuel.astype(np.int8),
            "kks": yn(kks),
            "pkh": yn(pkh),
            "bpnt": yn(bpnt),
            "blt_dd": yn(blt),
            "lpg_subsidy": yn(lpg),
            "kur": yn(kur),
            "registry_decile": np.where(linked, dec, np.nan),
        }
    )
    # persons
    dec_p = dec[ph]
    poor_p = poor[ph]
    rp = gen.random((len(per), 5))
    p_att = np.select(
        [age < 5, age <= 6, age <= 12, age <= 15, age <= 18, age <= 24],
        [
            0.0,
            0.45,
            np.where(poor_p, 0.985, 0.995),
            np.where(poor_p, 0.84, 0.92),
            np.where(poor_p, 0.58, 0.74),
            np.where(poor_p, 0.12, 0.28),
        ],
        0.0,
    )
    p_never = np.select([age < 5, age <= 6, age <= 24, age < 60], [1.0, 1.0, 0.02, 0.04], 0.12)
    attending = rp[:, 0] < p_att
    school = np.where(attending, 2, np.where(rp[:, 1] < p_never, 1, 3))
    zp = z[ph]
    educ = _ordered(gen, zp, [0, 1, 2, 3, 4], [0.06, 0.30, 0.20, 0.32, 0.12], rho=0.5)
    cap = np.select([age < 7, age < 13, age < 16, age < 19], [0, 1, 2, 3], 4)
    educ = np.where(school == 1, 0, np.minimum(educ, cap))
    p_apbn = np.select([dec_p <= 2, dec_p <= 4, dec_p <= 6], [0.62, 0.45, 0.22], 0.06)
    p_apbd = np.where(dec_p <= 5, 0.08, 0.02)
    p_non = np.select([dec_p <= 4, dec_p <= 6], [0.12, 0.42], 0.72)
    hh_u = gen.random(n)[ph]  # one draw per household: members share the scheme
    jkn = np.where(
        hh_u < p_apbn,
        1,
        np.where(hh_u < p_apbn + p_apbd, 2, np.where(hh_u < p_apbn + p_apbd + p_non, 3, 4)),
    )
    jkn = np.where(rp[:, 2] < 0.03, 4, jkn)
    in_pip_age = attending & (age >= 6) & (age <= 21)
    p_pip = np.select([dec_p <= 3, dec_p <= 5], [0.45, 0.12], 0.03)
    pip = np.where(in_pip_age, np.where(rp[:, 3] < p_pip, 1, 2), np.nan)
    ind = pd.DataFrame(
        {
            "R101": np.full(len(per), int(world.province.code), np.int16),
            "R102": rt["kab"].to_numpy()[ph],
            "R105": rt["urban"].to_numpy()[ph],
            "PSU": rt["psu"].to_numpy()[ph],
            "STRATA": rt["stratum"].to_numpy()[ph],
            "FWT": rt["weight"].to_numpy()[ph],
            "hh_id": urut[ph],
            "person_no": per["line"].to_numpy(dtype=np.int8),
            "relation": per["relation"].to_numpy(dtype=np.int8),
            "sex": per["sex"].to_numpy(dtype=np.int8),
            "age": age.astype(np.int16),
            "school": school.astype(np.int8),
            "educ": educ.astype(np.int8),
            "difficulty": per["difficulty"].to_numpy(dtype=np.int8),
            "jkn": jkn.astype(np.int8),
            "pip": pip,
        }
    )
    w_name = _io.raw_names("susenas_rt", year)["weight"]
    ind = ind.rename(columns={"FWT": w_name})
    kp = pd.DataFrame(
        {
            "hh_id": urut,
            "R101": rt["prov"],
            "R102": rt["kab"],
            "R301": rt["hh_size"],
            "exp_pc": hh["exp_pc"].to_numpy(),
        }
    )
    return rt, ind, kp


def write_susenas(
    root: Path, year: int, rt: pd.DataFrame, ind: pd.DataFrame, kp: pd.DataFrame
) -> dict[str, int]:
    """Write the Susenas tables of :func:`draw_susenas` in the raw formats; return rows per file."""
    w_name = _io.raw_names("susenas_rt", year)["weight"]
    yy = f"{year % 100:02d}"
    base = root / "raw" / "susenas" / str(year)
    _io.write_labelled(
        rt,
        base / f"ssn{yy}03_kor_rt.dta",
        "susenas_rt",
        year,
        extra_labels={"R104": "desa/kelurahan: last 4 digits of the Kemendagri code (demo)"},
        file_label=f"Susenas Maret {year} KOR rumah tangga - DATA SINTETIS (demo)",
    )
    _io.write_labelled(
        ind,
        base / f"ssn{yy}03_kor_ind.sav",
        "susenas_ind",
        year,
        extra_labels={
            "R101": "provinsi",
            "R102": "kabupaten/kota",
            "R105": "1 urban; 2 rural",
            "PSU": "census block id",
            "STRATA": "stratum",
            w_name: "household weight",
        },
        extra_value_labels={"R105": {1: "Perkotaan", 2: "Perdesaan"}},
        file_label=f"Susenas Maret {year} KOR individu - DATA SINTETIS (demo)",
    )
    _io.write_labelled(
        kp,
        base / f"ssn{yy}03_kp_blok43.dta",
        "susenas_kp",
        year,
        extra_labels={"R101": "provinsi", "R102": "kabupaten/kota", "R301": "household size"},
        file_label=f"Susenas Maret {year} KP blok 43 - DATA SINTETIS (demo)",
    )
    return {
        f"raw/susenas/{year}/ssn{yy}03_kor_rt.dta": len(rt),
        f"raw/susenas/{year}/ssn{yy}03_kor_ind.sav": len(ind),
        f"raw/susenas/{year}/ssn{yy}03_kp_blok43.dta": len(kp),
    }


# ------------------------------------------------------------------------- Sakernas
_LF_PROFILE = [(15, -1.6), (20, -0.1), (25, 1.0), (30, 1.5), (55, 1.0), (60, 0.4), (65, -0.6)]


def _age_effect(age: np.ndarray, table: list[tuple[int, float]]) -> np.ndarray:
    lo = np.array([a for a, _ in table])
    val = np.array([v for _, v in table])
    i = np.searchsorted(lo, age, side="right") - 1
    return np.where(i >= 0, val[i.clip(0)], -np.inf)


def _labour_reference(world: World) -> dict[int, pd.DataFrame]:
    """Person counts by (sex, age) per urban class from a large draw of the household model."""
    gen = _io.rng(world.seed, _io.REFERENCE, 0, 2)
    out = {}
    for u in (0, 1):
        t = draw_types(gen, world.types, np.full(40_000, u))
        tt = world.types.iloc[t]
        p = members(
            gen,
            tt["size"].to_numpy(),
            tt["female"].to_numpy(),
            tt["elderly"].to_numpy(),
            tt["disabled"].to_numpy(),
        )
        c = p.groupby(["sex", "age"]).size().rename("n").reset_index()
        c["share"] = c["n"] / c["n"].sum()
        out[u] = c
    return out


def _labour_params(
    world: World, ref: dict[int, pd.DataFrame], kab: str, year: int
) -> tuple[float, float]:
    """Intercepts (participation, unemployment) that reproduce TPAK and TPT of the grid.

    The model population aged 15+ of the kabupaten is the reference age-sex distribution of
    each urban class weighted by the kabupaten's urban/rural population; the intercepts are
    solved by root finding on it (not on the sample).
    """
    g = world.grid.loc[(kab, year)]
    d = world.desa
    pop = world.desa_pop(year)
    m = (d["kab_code"] == kab).to_numpy()
    urb = d["urban"].to_numpy()
    ages, sexes, urbans, ws = [], [], [], []
    for u in (0, 1):
        c = ref[u]
        keep = c["age"].to_numpy() >= 15
        ages.append(c["age"].to_numpy()[keep])
        sexes.append(c["sex"].to_numpy()[keep])
        urbans.append(np.full(int(keep.sum()), u))
        ws.append(c["share"].to_numpy()[keep] * pop[m & (urb == u)].sum() / pop[m].sum())
    age, sex, urban, w = (np.concatenate(x) for x in (ages, sexes, urbans, ws))
    base_lf = _age_effect(age, _LF_PROFILE) - 1.5 * (sex == 2)
    base_un = 1.3 * (age < 25) + 0.5 * ((age >= 25) & (age < 30)) + 0.5 * urban
    tpak, tpt = g["tpak_agustus"] / 100, g["tpt_agustus"] / 100
    a = brentq(lambda a: np.sum(w * expit(a + base_lf)) / w.sum() - tpak, -10, 10)
    lf = w * expit(a + base_lf)
    b = brentq(lambda b: np.sum(lf * expit(b + base_un)) / lf.sum() - tpt, -15, 5)
    return a, b


def sakernas(world: World, root: Path, year: int, ref: dict[int, pd.DataFrame]) -> dict[str, int]:
    """Write the Sakernas August file of ``year`` (persons aged 10+)."""
    gen = _io.rng(world.seed, _io.SAKERNAS, year)
    blocks = sample_blocks(world, gen, year, SAKERNAS_PSUS)
    hh = _households(world, gen, year, blocks)
    per = members(
        gen,
        hh["size"].to_numpy(),
        hh["female"].to_numpy(),
        hh["elderly"].to_numpy(),
        hh["disabled"].to_numpy(),
    )
    ph = per["hh"].to_numpy()
    # weights: sum over persons 10+ equals the stratum population aged 10+ of the model
    share10 = {u: float(ref[u].loc[ref[u]["age"] >= 10, "share"].sum()) for u in (0, 1)}
    target = {k: v * share10[k[1]] for k, v in _stratum_persons(world, year).items()}
    hh["n10"] = np.bincount(ph, weights=per["age"].to_numpy() >= 10, minlength=len(hh))
    hh["weight"] = _ratio_adjust(hh, target, "n10")
    per = per[per["age"] >= 10].reset_index(drop=True)
    ph = per["hh"].to_numpy()
    n = len(per)
    age = per["age"].to_numpy()
    female = per["sex"].to_numpy() == 2
    urban = hh["urban"].to_numpy()[ph]
    kab = hh["kab_code"].to_numpy()[ph]
    params = {k: _labour_params(world, ref, k, year) for k in world.kab_codes}
    a = np.array([params[k][0] for k in kab])
    b = np.array([params[k][1] for k in kab])
    r = gen.random((n, 6))
    adult = age >= 15
    p_lf = np.where(adult, expit(a + _age_effect(age, _LF_PROFILE) - 1.5 * female), 0.0)
    in_lf = r[:, 0] < p_lf
    p_un = expit(b + 1.3 * (age < 25) + 0.5 * ((age >= 25) & (age < 30)) + 0.5 * urban)
    unemployed = in_lf & (r[:, 1] < p_un)
    employed = (in_lf & ~unemployed) | (~adult & (r[:, 2] < 0.02))
    sector = np.where(
        urban == 1,
        np.select([r[:, 3] < 0.10, r[:, 3] < 0.30], [1, 2], 3),
        np.select([r[:, 3] < 0.55, r[:, 3] < 0.65], [1, 2], 3),
    )
    sector = np.where(~adult, 1, sector)
    st_ag = np.array([1, 2, 3, 4, 5, 6, 7])
    p_ag = np.array([0.33, 0.17, 0.02, 0.10, 0.13, 0.02, 0.23])
    p_nag = np.array([0.28, 0.05, 0.04, 0.48, 0.01, 0.06, 0.08])
    cum_ag, cum_nag = np.cumsum(p_ag), np.cumsum(p_nag)
    status = np.where(
        sector == 1,
        st_ag[np.searchsorted(cum_ag, r[:, 4], side="right").clip(0, 6)],
        st_ag[np.searchsorted(cum_nag, r[:, 4], side="right").clip(0, 6)],
    )
    status = np.where(~adult, 7, status)
    hours = np.clip(np.rint(gen.normal(np.where(sector == 1, 33, 42), 13)), 1, 84)
    hours = np.where(~adult, np.clip(hours, 1, 20), hours)
    want = np.where(hours < 35, np.where(r[:, 5] < 0.3, 1, 2), 2)
    nan = np.nan
    df = pd.DataFrame(
        {
            "prov": np.full(n, int(world.province.code), np.int16),
            "kab": np.array([int(k[2:]) for k in kab], dtype=np.int16),
            "urban": np.where(urban == 1, 1, 2).astype(np.int8),
            "psu": hh["psu"].to_numpy(dtype=np.int32)[ph],
            "stratum": hh["stratum"].to_numpy(dtype=np.int32)[ph],
            "hh_no": hh["hh_no"].to_numpy(dtype=np.int8)[ph],
            "person_no": per["line"].to_numpy(dtype=np.int8),
            "weight": hh["weight"].to_numpy()[ph],
            "sex": per["sex"].to_numpy(dtype=np.int8),
            "age": age.astype(np.int16),
            "worked": np.where(employed, 1, 2).astype(np.int8),
            "seeking": np.where(employed, nan, np.where(unemployed, 1, 2)),
            "hours": np.where(employed, hours, nan),
            "sector": np.where(employed, sector, nan),
            "emp_status": np.where(employed, status, nan),
            "want_more": np.where(employed, want, nan),
        }
    )
    yy = f"{year % 100:02d}"
    path = root / "raw" / "sakernas" / str(year) / f"sak{yy}08.sav"
    _io.write_labelled(
        df, path, "sakernas", year, file_label=f"Sakernas Agustus {year} - DATA SINTETIS (demo)"
    )
    return {f"raw/sakernas/{year}/sak{yy}08.sav": len(df)}


# ------------------------------------------------------------------------- Podes
def _km(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    """Great-circle distance in km (haversine)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dl = np.radians(lon2 - lon1)
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(h))


def podes(world: World, root: Path, podes_year: int, p0_desa: np.ndarray) -> dict[str, int]:
    """Write the Podes file of ``podes_year`` (one row per desa/kelurahan).

    ``p0_desa`` is the model P0 of every desa; service access worsens with it.
    """
    gen = _io.rng(world.seed, _io.PODES, podes_year)
    d = world.desa
    n = len(d)
    names_year = 2019 if podes_year < 2019 else podes_year
    pop = np.rint(world.desa_pop(podes_year)).astype(int)
    lg = np.log(np.clip(p0_desa, 1e-4, 0.999) / (1 - np.clip(p0_desa, 1e-4, 0.999)))
    zp = (lg - lg.mean()) / lg.std()  # + = poorer
    kel = d["kelurahan"].to_numpy() == 1
    male = np.rint(pop * gen.uniform(0.500, 0.515, n)).astype(int)
    families = np.maximum(1, np.rint(pop / gen.uniform(3.4, 3.9, n))).astype(int)
    elec_share = np.where(
        kel, 1 - gen.uniform(0, 0.01, n), 1 - expit(-4.0 + 0.9 * zp + gen.normal(0, 0.6, n))
    )
    kec = world.kec.set_index("code")
    slon = d["kec_code"].map(kec["seat_lon"]).to_numpy(dtype=float)
    slat = d["kec_code"].map(kec["seat_lat"]).to_numpy(dtype=float)
    km_seat = _km(d["lon"].to_numpy(dtype=float), d["lat"].to_numpy(dtype=float), slon, slat)
    has_sd = gen.random(n) < np.where(kel, 0.9, expit(1.0 - 0.8 * zp))
    dist_school = np.where(has_sd, 0.0, np.round(gen.lognormal(0.3 + 0.4 * zp, 0.6), 1))
    near_seat = km_seat < 1.0
    dist_health = np.where(
        near_seat, 0.0, np.round(km_seat * 1.4 * np.exp(0.15 * zp) + gen.uniform(0, 1, n), 1)
    )
    dist_market = np.round(
        np.where(
            kel, gen.uniform(0, 3, n), km_seat * 1.3 * np.exp(0.2 * zp) + gen.lognormal(0.5, 0.5, n)
        ),
        1,
    )
    lat_road = -0.9 * zp + 1.2 * kel + gen.normal(0, 1, n)
    road = np.select([lat_road > -0.3, lat_road > -1.3, lat_road > -2.3], [1, 2, 3], 4)
    lat_sig = -0.7 * zp + 1.5 * kel + gen.normal(0, 1, n)
    signal = np.select([lat_sig > -0.4, lat_sig > -1.5], [1, 2], 3)
    lat_w = -0.8 * zp + 1.5 * kel + gen.normal(0, 1, n)
    water = np.select([lat_w > 1.2, lat_w > -0.6, lat_w > -1.1, lat_w > -1.7], [1, 2, 3, 4], 5)
    lat_t = -0.8 * zp + 1.2 * kel + gen.normal(0, 1, n)
    toilet = np.select([lat_t > -0.9, lat_t > -1.6, lat_t > -2.1], [1, 2, 3], 4)
    malnut = gen.poisson(pop / 1000 * 0.25 * np.exp(0.5 * zp))
    disasters = gen.poisson(0.7, n)
    df = pd.DataFrame(
        {
            "desa": d["desa_code"].to_numpy(dtype=object),
            "desa_name": d["desa_name"].str.upper().to_numpy(dtype=object),
            "status": np.where(kel, 2, 1).astype(np.int8),
            "pop_male": male.astype(np.int32),
            "pop_female": (pop - male).astype(np.int32),
            "families": families.astype(np.int32),
            "families_electric": np.rint(families * elec_share).astype(np.int32),
            "water": water.astype(np.int8),
            "toilet": toilet.astype(np.int8),
            "disasters": disasters.astype(np.int8),
            "dist_school": dist_school,
            "dist_health": dist_health,
            "malnutrition": malnut.astype(np.int16),
            "road": road.astype(np.int8),
            "signal": signal.astype(np.int8),
            "dist_market": dist_market,
            "lat": np.round(d["lat"].to_numpy(dtype=float), 6),
            "lon": np.round(d["lon"].to_numpy(dtype=float), 6),
        }
    )
    path = root / "raw" / "podes" / str(podes_year) / f"podes{podes_year}_desa.dta"
    _io.write_labelled(
        df, path, "podes", names_year, file_label=f"Podes {podes_year} desa - DATA SINTETIS (demo)"
    )
    return {f"raw/podes/{podes_year}/podes{podes_year}_desa.dta": len(df)}
