"""The filter bar above the history: type, status, module, date range, user, workspace and
free text (file names, parameters, errors). It only builds a RunFilter; SQL does the rest."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate, QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QStyleOptionComboBox,
    QVBoxLayout,
    QWidget,
)

from app.api.history import FilterChoices, day_range
from app.engine.history import RunFilter
from app.engine.status import RunStatus
from ui.theme import icon

TEXT_DELAY_MS = 250
COMBO_MAX_WIDTH = 200
DATE_PRESETS = [("Any time", None), ("Today", 0), ("Last 7 days", 6), ("Last 30 days", 29), ("Custom range…", -1)]


def _combo(name: str, placeholder: str) -> QComboBox:
    """As wide as its longest entry (up to a limit) when there is room; narrower windows
    shrink it, but never below what shows its placeholder ("All statuses") whole."""
    box = QComboBox()
    box.setObjectName(name)
    box.addItem(placeholder, None)
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    box.setMaximumWidth(COMBO_MAX_WIDTH)
    fit_placeholder(box, placeholder)
    return box


def fit_placeholder(box: QComboBox, text: str) -> None:
    """Minimum width = the text plus what the style (and its sheet) adds: padding, arrow, frame."""
    option = QStyleOptionComboBox()
    box.initStyleOption(option)
    content = QSize(box.fontMetrics().horizontalAdvance(text) + 4, box.fontMetrics().height())
    size = box.style().sizeFromContents(QStyle.ContentsType.CT_ComboBox, option, content, box)
    box.setMinimumWidth(size.width())


class FilterBar(QWidget):
    changed = Signal(object)  # RunFilter

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = QLineEdit()
        self.text.setObjectName("filter-text")
        self.text.setPlaceholderText("Search file names, parameters, errors…  (Ctrl+F)")
        self.text.setClearButtonEnabled(True)
        self.text.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.text.setMinimumWidth(160)  # beside the count's and the bulk buttons' steady widths, the header fits 1000 px
        self.type = _combo("filter-type", "All types")
        self.status = _combo("filter-status", "All statuses")
        for status in RunStatus:
            self.status.addItem(status.label, status)
        self.module = _combo("filter-module", "All modules")
        self.user = _combo("filter-user", "All users")
        self.workspace = _combo("filter-workspace", "All workspaces")
        self.dates = _combo("filter-dates", "")
        self.dates.clear()
        for title, days in DATE_PRESETS:
            self.dates.addItem(title, days)
        fit_placeholder(self.dates, "Custom range…")
        today = QDate.currentDate()
        self.date_from = QDateEdit(today.addDays(-7))
        self.date_to = QDateEdit(today)
        for edit, name in ((self.date_from, "filter-from"), (self.date_to, "filter-to")):
            edit.setObjectName(name)
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.dateChanged.connect(self._emit)
        self.dash = QLabel("–")
        self.clear_button = QPushButton(icon("clear"), "Clear")
        self.clear_button.setObjectName("filter-clear")
        self.clear_button.setToolTip("Clear all filters")
        self.clear_button.clicked.connect(self.clear)

        # The search field and Clear are placed by the page (in its header, where there is
        # room); the boxes make one row that fits a 1024-pixel screen beside the sidebar, and a
        # custom date range opens a second row below them instead of widening the window.
        boxes = QHBoxLayout()
        boxes.setSpacing(6)
        for widget in (self.type, self.status, self.module, self.user, self.workspace, self.dates):
            boxes.addWidget(widget)
        boxes.addStretch(1)
        self.range_row = QWidget()
        self.range_row.setObjectName("filter-range")
        span = QHBoxLayout(self.range_row)
        span.setContentsMargins(0, 0, 0, 0)
        span.setSpacing(6)
        span.addWidget(QLabel("From"))
        for widget in (self.date_from, self.dash, self.date_to):
            span.addWidget(widget)
        span.addStretch(1)
        self.range_row.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(boxes)
        layout.addWidget(self.range_row)

        self._text_timer = QTimer(self)
        self._text_timer.setSingleShot(True)
        self._text_timer.setInterval(TEXT_DELAY_MS)
        self._text_timer.timeout.connect(self._emit)
        self.text.textChanged.connect(lambda _t: self._text_timer.start())
        for box in (self.type, self.status, self.module, self.user, self.workspace):
            box.currentIndexChanged.connect(self._emit)
        self.dates.currentIndexChanged.connect(self._dates_changed)
        self.text.textChanged.connect(self._update_clear)
        for box in (self.type, self.status, self.module, self.user, self.workspace, self.dates):
            box.currentIndexChanged.connect(self._update_clear)
        self._quiet = False
        self._update_clear()

    # ------------------------------------------------------------ choices
    def set_choices(self, choices: FilterChoices) -> None:
        """Fill the boxes, keeping what is selected."""
        self._quiet = True
        try:
            self._fill(self.type, choices.types)
            self._fill(self.module, choices.modules)
            self._fill(self.user, [(u, u) for u in choices.users])
            self._fill(self.workspace, choices.workspaces)
        finally:
            self._quiet = False

    @staticmethod
    def _fill(box: QComboBox, items: list[tuple[Any, str]]) -> None:
        current = box.currentData()
        while box.count() > 1:
            box.removeItem(1)
        for value, title in items:
            box.addItem(title, value)
        found = box.findData(current)
        box.setCurrentIndex(max(0, found))

    # ------------------------------------------------------------ the filter
    def _dates_changed(self) -> None:
        self.range_row.setVisible(self.dates.currentData() == -1)
        self._emit()

    def date_span(self) -> tuple[dt.date | None, dt.date | None]:
        days = self.dates.currentData()
        if days is None:
            return None, None
        if days == -1:
            return self.date_from.date().toPython(), self.date_to.date().toPython()  # type: ignore[return-value]
        today = dt.date.today()
        return today - dt.timedelta(days=days), today

    def run_filter(self) -> RunFilter:
        def picked(box: QComboBox) -> list[Any]:
            value = box.currentData()
            return [] if value is None else [value]

        start, end = self.date_span()
        since, until = day_range(start, end)
        # Dates are the user's days; stored times are UTC.
        offset = dt.datetime.now().astimezone().utcoffset() or dt.timedelta()
        return RunFilter(
            types=picked(self.type), statuses=[RunStatus(v) for v in picked(self.status)], modules=picked(self.module),
            users=picked(self.user), workspace_ids=picked(self.workspace),
            since=since - offset if since else None, until=until - offset if until else None,
            text=self.text.text().strip(),
        )

    def _emit(self) -> None:
        if not self._quiet:
            self._text_timer.stop()
            self.changed.emit(self.run_filter())

    def is_filtered(self) -> bool:
        """Anything typed or chosen: the history shown is not the whole of it."""
        boxes = (self.type, self.status, self.module, self.user, self.workspace, self.dates)
        return bool(self.text.text().strip()) or any(box.currentIndex() > 0 for box in boxes)

    def _update_clear(self) -> None:
        """Clear is enabled only when there is something to clear."""
        self.clear_button.setEnabled(self.is_filtered())

    def clear(self) -> None:
        self._quiet = True
        try:
            self.text.clear()
            for box in (self.type, self.status, self.module, self.user, self.workspace, self.dates):
                box.setCurrentIndex(0)
        finally:
            self._quiet = False
        self._emit()

    def focus_text(self) -> None:
        self.text.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.text.selectAll()
