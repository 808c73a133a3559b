"""Deprecated location: use :mod:`tkpk_lib.reporting.narrative` (moved in the layout of issue 14)."""

import sys

from tkpk_lib.reporting import narrative as _module

sys.modules[__name__] = _module
