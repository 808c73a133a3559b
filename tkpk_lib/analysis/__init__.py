"""Analyses built on the canonical tables and the estimators.

Modules
-------
indicators
    Facade re-exporting the indicator modules below (the old ``tkpk_lib.analysis.indicators``).
poverty, inequality, labour, services, disaggregation
    Monitoring indicators: FGT and extreme poverty; Gini, bottom 40%, quintiles; Sakernas
    labour; basic services; the total and by each dimension.
catalogue, indicator_base
    Indicator catalogue, labels and display formatting; shared input checks and result layout.
trends
    Changes between survey years, series and targets.
coverage, targets, programme_overlap, coverage_figures, coverage_base
    Programme coverage and targeting errors from the survey; target groups; combinations and
    overlaps; the UpSet figure; shared helpers.
registry, registry_rules, registry_source, registry_summary, registry_package
    The welfare registry: eligibility and follow-up lists; needs rules; DuckDB access; counts;
    households receiving the complementary package together (guideline 3.2.1.a).
programmes
    The programme map: budget tables, convergence, complaints.
small_area_p0, pockets
    Kecamatan P0 by small-area estimation; the poverty-pocket list.
hotspots
    Spatial hot spots (local Moran / Getis-Ord) and their stability under sampling error.
deprivation, typology
    Village deprivation from Podes and registry counts by desa; the village typology.
followup
    Writing the follow-up lists for the offices (privacy-scanned).
"""
