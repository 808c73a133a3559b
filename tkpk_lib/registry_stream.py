"""Deprecated location: use :mod:`tkpk_lib.data.registry_stream` (moved in the layout of issue 14)."""

import sys

from tkpk_lib.data import registry_stream as _module

sys.modules[__name__] = _module
