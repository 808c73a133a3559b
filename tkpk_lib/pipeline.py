"""Deprecated location: use :mod:`tkpk_lib.batch.pipeline` (moved in the layout of issue 14)."""
import sys

from tkpk_lib.batch import pipeline as _module

sys.modules[__name__] = _module
