"""Docstring examples of the library run as tests (``--doctest-modules`` over ``tkpk_lib``).

An example whose every line is marked ``+SKIP`` (it needs the demo data or a browser and
documents a call rather than checking one) is not a test: it is left out of the collection
and counted in the header instead of being reported as a skipped test.
"""

from __future__ import annotations

import doctest

import pytest


def _runnable(item: pytest.Item) -> bool:
    test = getattr(item, "dtest", None)
    if not isinstance(test, doctest.DocTest):
        return True
    return any(not ex.options.get(doctest.SKIP, False) for ex in test.examples)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the doctests whose every example is marked ``+SKIP``."""
    keep = [it for it in items if _runnable(it)]
    dropped = [it for it in items if not _runnable(it)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
