"""Deprecated location: use :mod:`tkpk_lib.analysis.programmes` (moved in the layout of issue 14)."""

import sys

from tkpk_lib.analysis import programmes as _module

sys.modules[__name__] = _module
