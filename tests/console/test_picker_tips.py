"""A searchable picker's pop-up lists cut a long name short: hovering it shows the whole name
as a tooltip, and a name that fits shows none (the list says it already)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip, QWidget

from app.api.pickers import Choice
from ui.forms.elided import ElidingComboBox
from ui.forms.picker import PickerEditor
from ui.forms.spec import FieldSpec

LONG = "Marketing › Demand Generation, Field Marketing and Partner Events for Enterprise Accounts · Americas Sales"
SHORT = "Marketing › Events"
CHOICES = [Choice(1, LONG), Choice(2, SHORT)]


class ListSource:
    """Answers at once, on the GUI thread, as the console's query thread would later."""

    def search(self, kind: str, text: str, workspace_id: int | None,
               done: Callable[[list[Choice]], None], failed: Callable[[Exception], None], *, key: str = "") -> None:
        done([c for c in CHOICES if c.matches(text)] if text else CHOICES)

    def lookup(self, kind: str, ids: list[int], done: Callable[[dict[int, Choice]], None],
               failed: Callable[[Exception], None]) -> None:
        done({c.id: c for c in CHOICES if c.id in ids})


def _tip_over(qtbot, view, row: int) -> str:  # type: ignore[no-untyped-def]
    """Hover row `row` of a list view until Qt asks for its tooltip; what shows then ('' for none)."""
    QToolTip.hideText()
    qtbot.waitUntil(lambda: not QToolTip.isVisible())  # Qt hides a tooltip after a short delay
    rect = view.visualRect(view.model().index(row, 0)).intersected(view.viewport().rect())
    assert rect.isValid()
    pos = rect.center()
    event = QHelpEvent(QEvent.Type.ToolTip, pos, view.viewport().mapToGlobal(pos))
    QApplication.sendEvent(view.viewport(), event)
    return QToolTip.text() if QToolTip.isVisible() else ""


def _picker(qtbot) -> tuple[QWidget, PickerEditor]:  # type: ignore[no-untyped-def]
    host = QWidget()
    qtbot.addWidget(host)
    editor = PickerEditor(FieldSpec(name="org_unit_id", kind="picker", title="Org unit", picker="org_unit"),
                          ListSource(), host)
    host.resize(420, 60)
    editor.resize(400, 40)
    host.show()
    qtbot.waitExposed(host)
    return host, editor


def test_the_search_list_shows_a_cut_long_name_whole_as_a_tooltip(qtbot) -> None:
    _host, editor = _picker(qtbot)
    line = editor.combo.lineEdit()
    line.setFocus()
    qtbot.keyClicks(line, "marketing")
    popup = editor.completer.popup()
    qtbot.waitUntil(popup.isVisible)
    assert popup.model().rowCount() == 2
    rows = {popup.model().index(r, 0).data(): r for r in range(2)}
    assert popup.fontMetrics().horizontalAdvance(LONG) > popup.viewport().width()  # it is cut off
    assert _tip_over(qtbot, popup, rows[LONG]) == LONG
    assert _tip_over(qtbot, popup, rows[SHORT]) == ""  # fits: no tooltip
    popup.hide()


def test_the_drop_down_list_shows_a_cut_long_name_whole_as_a_tooltip(qtbot) -> None:
    _host, editor = _picker(qtbot)
    qtbot.waitUntil(lambda: editor.combo.count() == 2)
    editor.combo.showPopup()
    view = editor.combo.view()
    qtbot.waitUntil(view.isVisible)
    assert view.fontMetrics().horizontalAdvance(LONG) > view.viewport().width()
    assert _tip_over(qtbot, view, editor.combo.findData(1)) == LONG
    assert _tip_over(qtbot, view, editor.combo.findData(2)) == ""
    editor.combo.hidePopup()


def test_the_workspace_drop_down_tips_only_the_names_it_cuts(qtbot) -> None:
    """Its list widens to its names up to the screen's width: a name wider still is cut."""
    longest = " · ".join([LONG] * 4)
    combo = ElidingComboBox()
    qtbot.addWidget(combo)
    combo.addItem(SHORT, 2)
    combo.addItem(longest, 1)
    combo.setMinimumContentsLength(20)
    combo.setSizeAdjustPolicy(ElidingComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.show()
    qtbot.waitExposed(combo)
    combo.showPopup()
    view = combo.view()
    qtbot.waitUntil(view.isVisible)
    assert view.fontMetrics().horizontalAdvance(longest) > view.viewport().width()
    assert _tip_over(qtbot, view, 1) == longest
    assert _tip_over(qtbot, view, 0) == ""
    combo.hidePopup()
