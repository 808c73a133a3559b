"""Deprecated location: use :mod:`tkpk_lib.estimation.design` (moved in the layout of issue 14)."""

import sys

from tkpk_lib.estimation import design as _module

sys.modules[__name__] = _module
