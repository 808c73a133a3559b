"""Where data and reports live.

The data root holds ``raw/<source>/<year>/`` files as delivered; the shipped demo lives in
``data/demo`` (generated on first use). ``TKPK_DATA_ROOT`` overrides the default.
Nothing happens at import time.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def demo_root() -> Path:
    """Folder of the synthetic demo data (``data/demo/generated`` in the checkout)."""
    env = os.environ.get("TKPK_DEMO_ROOT")
    return Path(env) if env else PROJECT_ROOT / "data" / "demo" / "generated"


def data_root() -> Path:
    """Folder of the user's data: ``$TKPK_DATA_ROOT`` or the demo folder."""
    env = os.environ.get("TKPK_DATA_ROOT")
    return Path(env) if env else demo_root()


def reports_root() -> Path:
    """Folder where report runs are written (``reports/`` in the checkout)."""
    env = os.environ.get("TKPK_REPORTS_ROOT")
    return Path(env) if env else PROJECT_ROOT / "reports"
