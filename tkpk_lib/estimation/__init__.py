"""Design-based estimation: the survey design, the estimators and small-area estimation.

Modules
-------
design
    :class:`~tkpk_lib.estimation.design.SurveyDesign` and the prepared (integer-coded) design.
variance
    The linearisation variance of weighted totals (ultimate cluster, two stages).
domains
    Domain codes of the ``by`` columns and per-unit x domain sums.
results
    The result frame: BPS reliability classes, confidence intervals, design effects.
estimators
    Survey totals, means, ratios and quantiles with design-based standard errors by domain.
fgt
    The FGT block (P0, P1, P2) with design-based SEs in one pass over the rows.
sae
    Area-level small-area estimation (Fay-Herriot EBLUP, MSE, diagnostics).
sae_arcsin
    Fay-Herriot on the arcsine scale for proportions: back-transformation, bootstrap MSE,
    intervals built on the arcsine scale.
benchmark
    Ratio benchmarking of small-area estimates to a given level.
"""
