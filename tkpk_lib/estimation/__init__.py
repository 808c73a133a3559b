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
sae
    Area-level small-area estimation (Fay-Herriot EBLUP, MSE, diagnostics).
benchmark
    Ratio benchmarking of small-area estimates to a given level.
"""
