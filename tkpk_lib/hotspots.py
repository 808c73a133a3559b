"""Deprecated location: use :mod:`tkpk_lib.analysis.hotspots` (moved in the layout of issue 14)."""

import sys

from tkpk_lib.analysis import hotspots as _module

sys.modules[__name__] = _module
