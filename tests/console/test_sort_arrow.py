"""The sort arrow points the way the values go down the column: newest first (the default,
Job ID descending) shows a chevron pointing down. Qt drew an up arrow for it, which a person
reads as ascending (Windows and macOS show descending pointing down)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.console.helpers import click_header, wait_loaded


def arrow_points(header, column: int) -> str:  # type: ignore[no-untyped-def]
    """'down' or 'up': the drawn chevron's widest row is at its top or at its bottom."""
    image = header.grab().toImage()
    right = header.sectionViewportPosition(column) + header.sectionSize(column) - 3  # inside its border
    background = image.pixelColor(right, 3)
    rows: dict[int, list[int]] = {}
    for y in range(3, image.height() - 3):  # inside the bottom border
        for x in range(right - 12, right + 2):  # the arrow, right of the title
            c = image.pixelColor(x, y)
            if abs(c.lightness() - background.lightness()) > 60:
                rows.setdefault(y, []).append(x)
    assert rows, "no arrow drawn"
    top, bottom = min(rows), max(rows)
    width = {y: max(xs) - min(xs) for y, xs in rows.items()}
    return "down" if width[top] > width[bottom] else "up"


def test_newest_first_shows_an_arrow_pointing_down(make_window, qtbot) -> None:
    window = make_window()
    page = window.show_page("batch_jobs")
    wait_loaded(qtbot, page)
    header = page.table.horizontalHeader()
    column = header.sortIndicatorSection()
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    first = page.model.index(0, 0).data()
    assert arrow_points(header, column) == "down"
    click_header(qtbot, page.table, column)  # oldest first
    qtbot.waitUntil(lambda: page.model.index(0, 0).data() not in (None, "…", first))
    assert int(page.model.index(0, 0).data()) < int(first)
    assert arrow_points(header, column) == "up"
