"""Deprecated location: use :mod:`tkpk_lib.data.reference_data` (moved in the layout of issue 14)."""

import sys

from tkpk_lib.data import reference_data as _module

sys.modules[__name__] = _module
