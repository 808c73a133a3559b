"""Analyses built on the canonical tables and the estimators.

Modules
-------
indicators
    Facade over the indicator modules (poverty, inequality, labour, services).
trends
    Changes between survey years and their significance.
coverage
    Programme coverage and targeting from the survey.
registry
    The welfare registry: needs, programme receipt and follow-up lists.
programmes
    The programme catalogue and budget tables.
pockets
    Poverty pockets at kecamatan and desa level.
hotspots
    Spatial hot spots (local Getis-Ord / Moran statistics).
deprivation
    Village deprivation index and typology from Podes.
followup
    Writing the follow-up lists for field offices.
"""
