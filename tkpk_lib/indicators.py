"""Deprecated location: use :mod:`tkpk_lib.analysis.indicators` (moved in the layout of issue 14)."""

import sys

from tkpk_lib.analysis import indicators as _module

sys.modules[__name__] = _module
