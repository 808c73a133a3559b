"""Reporting: the report sections and their cache, tables, figures, maps, narrative and Excel annex.

The yearly reports read everything from the section cache that :func:`tkpk_lib.reporting.cache.prepare_year`
writes; the notebooks only call the functions of this subpackage (see :mod:`tkpk_lib.reporting.report`,
the facade that re-exports them under their historical names).
"""
