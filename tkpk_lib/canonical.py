"""Deprecated location: use :mod:`tkpk_lib.data.canonical` (moved in the layout of issue 14)."""

import sys

from tkpk_lib.data import canonical as _module

sys.modules[__name__] = _module
