"""Deprecated location: use :mod:`tkpk_lib.analysis.trends` (moved in the layout of issue 14)."""

import sys

from tkpk_lib.analysis import trends as _module

sys.modules[__name__] = _module
