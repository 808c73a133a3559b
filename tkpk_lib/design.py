"""Deprecated location: use :mod:`tkpk_lib.estimation.design` (moved in the layout of issue 14)."""

import importlib
import sys

# import_module (not ``from package import name``): it loads the module again when a test has
# removed it from sys.modules, instead of returning the package attribute left from before
sys.modules[__name__] = importlib.import_module("tkpk_lib.estimation.design")
