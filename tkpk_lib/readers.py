"""Deprecated location: use :mod:`tkpk_lib.data.readers` (moved in the layout of issue 14)."""

import sys

from tkpk_lib.data import readers as _module

sys.modules[__name__] = _module
