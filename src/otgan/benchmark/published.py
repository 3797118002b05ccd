"""The published rows the benchmarks are set beside, read from ``published.json`` (numbers as
printed in the papers' tables, each with its paper and table; never computed here)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

FILE = Path(__file__).with_name("published.json")


@lru_cache(maxsize=1)
def _all() -> dict:
    return json.loads(FILE.read_text())


def published(benchmark: str) -> list[dict]:
    """The rows of ``benchmark`` ("mixtures" or "stacked-mnist"), each a dict with ``method``,
    ``paper``, ``table`` and its numbers."""
    return [dict(r) for r in _all()[benchmark]]
