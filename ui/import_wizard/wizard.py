"""The import wizard dialog: three steps (file, mapping, dry run and run) with Back/Next.
A file dropped on the main window opens it at step 1 with the file already read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from app.records.modules import MODULE_LABELS
from ui.console import Console
from ui.import_wizard.file_step import FileStep
from ui.import_wizard.mapping_step import MappingStep
from ui.import_wizard.run_step import RunStep
from ui.screen_fit import fit_to_screen

STEPS = ("① File", "② Mapping", "③ Dry run and run")
SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx")


class ImportWizard(QDialog):
    def __init__(self, console: Console, parent: QWidget | None = None, path: str | None = None) -> None:
        super().__init__(parent)
        self.console = console
        self.setObjectName("ImportWizard")
        self.setWindowTitle("Import")
        self.setAcceptDrops(True)
        self.file = FileStep(console)
        self.mapping = MappingStep(console.engine)
        self.running = RunStep(console, self.request)
        self.stack = QStackedWidget()
        for step in (self.file, self.mapping, self.running):
            self.stack.addWidget(step)
        self.crumbs = [QLabel(title) for title in STEPS]
        crumbs = QHBoxLayout()
        crumbs.setSpacing(10)
        for i, crumb in enumerate(self.crumbs):
            if i:
                crumbs.addWidget(QLabel("›"))
            crumbs.addWidget(crumb)
        crumbs.addStretch(1)
        self.back = QPushButton("Back")
        self.back.setObjectName("import-back")
        self.back.clicked.connect(lambda: self.go(self.stack.currentIndex() - 1))
        self.next = QPushButton("Next")
        self.next.setObjectName("import-next")
        self.next.setProperty("primary", True)
        self.next.setDefault(True)
        self.next.clicked.connect(lambda: self.go(self.stack.currentIndex() + 1))
        close = QPushButton("Close")
        close.setObjectName("import-close")
        close.clicked.connect(self.close)
        nav = QHBoxLayout()
        nav.addStretch(1)
        nav.addWidget(self.back)
        nav.addWidget(self.next)
        nav.addWidget(close)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(12)
        layout.addLayout(crumbs)
        layout.addWidget(self.stack, 1)
        layout.addLayout(nav)
        fit_to_screen(self, QSize(1020, 720))
        self.file.changed.connect(self._update)
        self.mapping.changed.connect(self._update)
        self.go(0)
        if path:
            self.file.load(path)

    # ------------------------------------------------------------------ steps
    def go(self, index: int) -> None:
        index = max(0, min(index, len(STEPS) - 1))
        if index >= 1 and self.file.info is not None:
            self.mapping.show_file(self.file.info, self.file.module_key())
        if index == 2:
            self.running.set_plan(self.plan())
        self.stack.setCurrentIndex(index)
        for i, crumb in enumerate(self.crumbs):
            crumb.setStyleSheet("font-weight: 600; color: palette(highlight);" if i == index else
                                "color: palette(placeholder-text);")
        self._update()

    def _update(self) -> None:
        index = self.stack.currentIndex()
        ready = {0: self.file.ready(), 1: self.mapping.ready(), 2: False}[index]
        self.next.setEnabled(ready)
        self.next.setVisible(index < 2)
        self.back.setEnabled(index > 0)

    def request(self) -> dict[str, Any]:
        """The arguments of `enqueue_import` this wizard has gathered."""
        info = self.file.info
        return {"path": self.file.path.text(), "module": self.file.module_key(),
                "duplicates": self.mapping.duplicate_mode(), "mapping": self.mapping.mapping(),
                "sheet": info.sheet if info is not None else None, "template": self.mapping.template_name(),
                "workspace": self.file.workspace_id()}

    def plan(self) -> str:
        mapping = self.mapping.mapping()
        mapped = sum(1 for v in mapping.values() if v)
        duplicates = {"skip": "skipped", "update": "updated"}.get(self.mapping.duplicate_mode(),
                                                                 self.mapping.duplicate_mode())
        columns = f"all {mapped} columns" if mapped == len(mapping) else f"{mapped} of {len(mapping)} columns"
        return (f"Import {Path(self.file.path.text()).name} into {MODULE_LABELS[self.file.module_key()]} of "
                f"{self.file.workspace.currentText()}: {columns} mapped, duplicates {duplicates}.")

    # ------------------------------------------------------------------ drops
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile() and Path(urls[0].toLocalFile()).suffix.lower() in SUFFIXES:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile() and not self.running.busy():
            self.go(0)
            self.file.load(urls[0].toLocalFile())
            event.acceptProposedAction()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        """A queued run goes on without the wizard; only the watching stops."""
        self.running.timer.stop()
        if self.running.task is not None:
            self.running.task.join(30)
        super().closeEvent(event)


def open_import(console: Console, parent: QWidget, path: str | None = None) -> ImportWizard:
    """The drop handler the main window calls for a .csv/.xlsx file (and the Import… action)."""
    wizard = ImportWizard(console, parent, path)
    wizard.setWindowModality(Qt.WindowModality.NonModal)
    return wizard
