"""A chart axis for counts: whole numbers with thousands separators, as the counters read."""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg


class CountAxis(pg.AxisItem):  # type: ignore[misc]
    """"350,000" beside a curve, not "350000": the counter tiles above the charts write their
    numbers so, and a six-digit run of zeros has to be counted to be read."""

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802 (pyqtgraph API)
        if spacing * scale < 1:  # fractions (a small rate): pyqtgraph's own decimals
            result: Any = super().tickStrings(values, scale, spacing)
            return list(result)
        return [f"{value * scale:,.0f}" for value in values]
