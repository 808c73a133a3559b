"""Reference tables shipped with the package.

Regions, crosswalk, recodes, indicators, targets and poverty lines; their sources are in
``SOURCES.md``.
"""
