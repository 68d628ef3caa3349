"""The Error Details tab: row number, field, error and the raw row, a page at a time."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableView, QVBoxLayout, QWidget

from ui import format as fmt

ERRORS_PAGE = 200
HEADERS = ("Row", "Field", "Error", "Data")
Index = QModelIndex | QPersistentModelIndex


def raw_text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, dict):
        return ", ".join(f"{k}={v}" for k, v in raw.items())
    if isinstance(raw, list):
        return ", ".join("" if v is None else str(v) for v in raw)
    return raw if isinstance(raw, str) else json.dumps(raw)


class ErrorsModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            col = index.column()
            if col == 0:
                return fmt.row_label(row["row_number"])
            if col == 1:
                return row["field"] or ""
            if col == 2:
                return row["message"]
            return raw_text(row["raw"])
        return None


class ErrorsView(QWidget):
    page_requested = Signal(int)  # offset

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ErrorsModel()
        self.table = QTableView()
        self.table.setObjectName("detail-errors")
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(2, 320)
        header.setStretchLastSection(True)
        self.position = QLabel()
        self.position.setObjectName("errors-position")
        self.prev_button = QPushButton("Previous")
        self.next_button = QPushButton("Next")
        self.prev_button.setObjectName("errors-prev")
        self.next_button.setObjectName("errors-next")
        self.prev_button.clicked.connect(lambda: self.page_requested.emit(max(0, self.offset - ERRORS_PAGE)))
        self.next_button.clicked.connect(lambda: self.page_requested.emit(self.offset + ERRORS_PAGE))
        pager = QHBoxLayout()
        pager.addWidget(self.position, 1)
        pager.addWidget(self.prev_button)
        pager.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.table, 1)
        layout.addLayout(pager)
        self.offset = 0
        self.total = 0

    def show_page(self, offset: int, total: int, rows: list[dict[str, Any]]) -> None:
        self.offset, self.total = offset, total
        self.model.set_rows(rows)
        if total:
            self.position.setText(f"{offset + 1:,}–{offset + len(rows):,} of {total:,} errors")
        else:
            self.position.setText("No row errors")
        self.prev_button.setEnabled(offset > 0)
        self.next_button.setEnabled(offset + len(rows) < total)
