"""The Batch Jobs header keeps its widgets where they are while the selection changes: the
bulk buttons name how many runs they act on, in a width kept for such counts, so the search
box beside them neither narrows nor moves (it lost 28 px to "Replay Selected (12)")."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelection, QItemSelectionModel

from tests.console.helpers import wait_loaded


def header_geometry(window, page) -> list[tuple[int, int, int, int]]:  # type: ignore[no-untyped-def]
    window.layout().activate()  # lay the window out now, as the next paint would
    page.layout().activate()
    widgets = (page.count_label, page.filters.text, page.filters.clear_button, page.cancel_button, page.replay_button)
    return [(w.x(), w.y(), w.width(), w.height()) for w in widgets] + [(0, 0, window.width(), window.height())]


def select_rows(page, count: int) -> None:  # type: ignore[no-untyped-def]
    model = page.model
    chosen = QItemSelection(model.index(0, 0), model.index(count - 1, model.columnCount() - 1))
    page.table.selectionModel().select(chosen, QItemSelectionModel.SelectionFlag.ClearAndSelect)


@pytest.mark.parametrize("size", [(1400, 860), (1000, 700)])
def test_selection_counts_leave_the_search_box_and_buttons_in_place(make_window, qtbot, size) -> None:
    window = make_window(workers=0)
    window.resize(*size)
    page = window.show_page("batch_jobs")
    wait_loaded(qtbot, page)
    rows = page.model.rowCount()  # the small demo's 40 runs, every one loaded with the first page
    assert rows >= 12 and page.model.index(rows - 1, 0).data() is not None
    select_rows(page, 1)
    steady = header_geometry(window, page)
    assert steady[-1][2] == size[0], "the header fits the window"
    seen = set()
    for count in (2, 12, rows):
        select_rows(page, count)
        seen.add((page.cancel_button.text(), page.replay_button.text()))
        assert header_geometry(window, page) == steady, (count, page.replay_button.text())
    assert any(r.startswith("Replay 12 ") for _c, r in seen) or any("(12)" in r for _c, r in seen), seen
    page.table.clearSelection()
    assert header_geometry(window, page) == steady
    assert page.cancel_button.text() == "Cancel Selected" and not page.cancel_button.isEnabled()


@pytest.mark.parametrize("size", [(1400, 860), (1000, 700)])
def test_the_search_box_stays_put_while_a_search_counts(make_window, qtbot, size) -> None:
    """The count beside the box reads "40 runs", "Searching…", "Counting…", "0 runs" in turn while
    a person types: the box they type in keeps its place and width."""
    window = make_window(workers=0)
    window.resize(*size)
    page = window.show_page("batch_jobs")
    wait_loaded(qtbot, page)
    steady = header_geometry(window, page)[1:]
    for text in ("Searching…", "Counting…", "0 runs", "1 run", "12,345 runs"):
        page.count_label.setText(text)
        assert header_geometry(window, page)[1:] == steady, text
