"""Deprecated location: use :mod:`tkpk_lib.batch.kernels` (moved in the layout of issue 14)."""
import sys

from tkpk_lib.batch import kernels as _module

sys.modules[__name__] = _module
