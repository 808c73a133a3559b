"""tkpk-workbench: analytics for TKPK poverty-reduction coordination teams."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tkpk-workbench")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"
