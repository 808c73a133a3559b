"""Design-based estimation: the survey design, the estimators and small-area estimation.

Modules
-------
design
    :class:`~tkpk_lib.estimation.design.SurveyDesign`, the prepared design and the linearised variance.
estimators
    Survey totals, means, ratios and quantiles with design-based standard errors by domain.
sae
    Area-level small-area estimation (Fay-Herriot) and benchmarking.
"""
