"""Step 1: the file, the module and workspace it goes to, the sheet of a workbook, and a
preview of its first rows (read off the GUI thread by the import engine's own reader)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.api import imports, pickers
from app.records.modules import MODULE_LABELS
from app.transfer.api import Preview, TransferError, preview
from ui.card import muted, say
from ui.console import Console
from ui.empty_state import EmptyState
from ui.thread_task import while_alive

PREVIEW_ROWS = 20
FILE_FILTER = "Spreadsheets (*.csv *.tsv *.txt *.xlsx);;All files (*)"


EMPTY_PREVIEW = ("Drop a CSV or XLSX file here (or on the main window), or choose one with Browse.\n"
                 "Its first rows appear here, and the module is guessed from its columns.")

class FileStep(QWidget):
    previewed = Signal(object)  # Preview, once the file was read
    changed = Signal()

    def __init__(self, console: Console, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.console = console
        self.info: Preview | None = None
        self._module_touched = False
        self._requested: tuple[str, str | None] | None = None
        self.path = QLineEdit()
        self.path.setObjectName("import-path")
        self.path.setPlaceholderText("Drop a CSV or XLSX file on the window, or choose one")
        self.path.editingFinished.connect(lambda: self.load(self.path.text()))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self.browse)
        self.module = QComboBox()
        self.module.setObjectName("import-module")
        for key, label in MODULE_LABELS.items():
            self.module.addItem(label, key)
        self.module.activated.connect(self._module_chosen)
        self.workspace = QComboBox()
        self.workspace.setObjectName("import-workspace")
        for choice in pickers.search(console.engine, "workspace", limit=500):
            self.workspace.addItem(choice.label, choice.id)
        self.workspace.currentIndexChanged.connect(self.changed)
        self.sheet = QComboBox()
        self.sheet.setObjectName("import-sheet")
        self.sheet.activated.connect(lambda _i: self.load(self.path.text(), self.sheet.currentText()))
        self.sheet_label = QLabel("Sheet:")
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.addWidget(QLabel("File:"), 0, 0)
        grid.addWidget(self.path, 0, 1, 1, 5)
        grid.addWidget(browse, 0, 6)
        grid.addWidget(QLabel("Module:"), 1, 0)
        grid.addWidget(self.module, 1, 1)
        grid.addWidget(QLabel("Workspace:"), 1, 2)
        grid.addWidget(self.workspace, 1, 3)
        grid.addWidget(self.sheet_label, 1, 4)
        grid.addWidget(self.sheet, 1, 5)
        grid.setColumnStretch(5, 1)
        self.detected = muted()
        self.detected.setObjectName("import-detected")
        self.error = QLabel()
        self.error.setObjectName("import-file-error")
        self.error.setWordWrap(True)  # a reason such as how to remove a workbook's password is a sentence
        self.table = QTableWidget()
        self.table.setObjectName("import-preview")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(grid)
        layout.addWidget(self.detected)
        layout.addWidget(self.error)
        layout.addWidget(self.table, 1)
        self.empty = EmptyState(self.table)
        self.empty.show_text(EMPTY_PREVIEW)
        self._show_sheets([])
        say(self.error, "")

    # ------------------------------------------------------------------ loading
    def browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import a file", str(Path.home()), FILE_FILTER)
        if path:
            self.load(path)

    def load(self, path: str, sheet: str | None = None) -> None:
        path = path.strip()
        if not path or (path, sheet) == self._requested:
            return
        self._requested = (path, sheet)
        self.path.setText(path)
        self.info = None
        say(self.error, "")
        self.detected.setText("Reading…")
        self.changed.emit()
        self.console.background.submit(lambda: preview(path, sheet=sheet, rows=PREVIEW_ROWS),
                                       while_alive(self, lambda info: self._loaded(path, info)),
                                       while_alive(self, self._failed), key="import-preview")

    def _failed(self, exc: Exception) -> None:
        self.detected.setText("")
        self.table.clear()
        self.table.setRowCount(0)
        self.table.setColumnCount(0)
        self.empty.show_text(EMPTY_PREVIEW)
        message = str(exc) if isinstance(exc, TransferError) else f"{type(exc).__name__}: {exc}"
        say(self.error, f"✖ {message}", False)
        self.changed.emit()

    def _loaded(self, path: str, info: Preview) -> None:
        if path != self.path.text():
            return  # another file was chosen meanwhile
        self.info = info
        self.detected.setText(imports.describe(info))
        self._show_sheets(info.sheets, info.sheet)
        self.table.clear()
        self.empty.show_text("" if info.rows else "The file has a header row but no data rows.")
        self.table.setColumnCount(len(info.headers))
        self.table.setHorizontalHeaderLabels(info.headers)
        self.table.setRowCount(len(info.rows))
        self.table.setVerticalHeaderLabels([str(r + 2) for r in range(len(info.rows))])  # spreadsheet rows
        for r, row in enumerate(info.rows):
            for c, value in enumerate(row[: len(info.headers)]):
                self.table.setItem(r, c, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()
        for c in range(self.table.columnCount()):
            self.table.setColumnWidth(c, min(self.table.columnWidth(c), 260))
        if not self._module_touched:
            guessed = imports.guess_module(info.headers, Path(path).name)
            self.module.setCurrentIndex(self.module.findData(guessed))
        self.previewed.emit(info)
        self.changed.emit()

    def _show_sheets(self, sheets: list[str], current: str | None = None) -> None:
        self.sheet.clear()
        self.sheet.addItems(sheets)
        if current:
            self.sheet.setCurrentText(current)
        for widget in (self.sheet, self.sheet_label):
            widget.setVisible(len(sheets) > 0)

    def _module_chosen(self, _index: int) -> None:
        self._module_touched = True
        self.changed.emit()

    # ------------------------------------------------------------------ state
    def module_key(self) -> str:
        return str(self.module.currentData())

    def workspace_id(self) -> int | None:
        value = self.workspace.currentData()
        return None if value is None else int(value)

    def ready(self) -> bool:
        return self.info is not None and bool(self.info.headers) and self.workspace_id() is not None
