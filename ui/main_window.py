"""The main window: a sidebar of registered pages, a toolbar of registered dialogs, global
shortcuts that act on the current page, a status bar with the database and workers, files
dropped on the window handed to the dialog that takes them, and a careful close."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ui.console import Console
from ui.menus import build_menus
from ui.pages import DialogSpec, PageSpec, dialogs, pages
from ui.theme import icon, set_icon
from ui.workers import PROCESSES

# Shortcuts the window routes to the current page's method of the same name, when it has one.
PAGE_ACTIONS: list[tuple[str, str, str, list[str]]] = [
    ("refresh", "Refresh", "refresh", ["F5"]),
    ("focus_filter", "Filter", "search", ["Ctrl+F"]),
    ("cancel_selected", "Cancel Selected", "cancel", ["Delete", "Ctrl+."]),
    ("replay_selected", "Replay Selected", "replay", ["Ctrl+Shift+R"]),
]
DEFAULT_SHORTCUTS = {"run_job": "Ctrl+R", "import": "Ctrl+I"}


class MainWindow(QMainWindow):
    def __init__(self, console: Console) -> None:
        super().__init__()
        self.console = console
        self.setWindowTitle("Batchdesk")
        self.setWindowIcon(icon("batchdesk", "#2563eb"))
        self.setObjectName("MainWindow")
        self.setAcceptDrops(True)
        self.page_specs: list[PageSpec] = pages()
        self.dialog_specs: list[DialogSpec] = dialogs()
        self.page_widgets: dict[str, QWidget] = {}
        self.actions_by_key: dict[str, QAction] = {}
        self._close_choice: str | None = None
        self._build()
        console.page_requested.connect(self.show_page)
        console.workers.changed.connect(self._update_workers)
        console.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self._restore()

    # ------------------------------------------------------------ building
    def _build(self) -> None:
        self.sidebar = QListWidget()
        self.sidebar.setObjectName("Sidebar")
        self.sidebar.setIconSize(QSize(18, 18))
        self.stack = QStackedWidget()
        for spec in self.page_specs:
            widget = spec.factory(self.console)
            widget.setObjectName(f"page-{spec.key}")
            self.page_widgets[spec.key] = widget
            self.stack.addWidget(widget)
            item = QListWidgetItem(icon(spec.icon), spec.title)
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            self.sidebar.addItem(item)
        self.sidebar.currentRowChanged.connect(self.stack.setCurrentIndex)

        side = QFrame()
        side.setObjectName("SidebarPanel")
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 1, 0)  # the panel's right border (the divider) stays uncovered
        side_layout.setSpacing(0)
        title = QLabel("Batchdesk")
        title.setObjectName("AppTitle")
        side_layout.addWidget(title)
        side_layout.addWidget(self.sidebar)
        side.setMinimumWidth(140)
        side.setMaximumWidth(260)

        self.splitter = QSplitter()
        self.splitter.setObjectName("MainSplitter")
        self.splitter.addWidget(side)
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([170, 1200])
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)
        self._build_toolbar()
        build_menus(self)
        self._build_status()

    def retheme(self) -> None:
        """Sidebar items are not widgets: their icons are redrawn here on a scheme change."""
        for row, spec in enumerate(self.page_specs):
            self.sidebar.item(row).setIcon(icon(spec.icon))

    def _build_toolbar(self) -> None:
        bar = QToolBar("Actions")
        bar.setObjectName("MainToolbar")
        bar.setMovable(False)
        bar.setIconSize(QSize(18, 18))
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(bar)
        for spec in self.dialog_specs:
            action = QAction(spec.title, self)
            set_icon(action, spec.icon)
            shortcut = spec.shortcut or DEFAULT_SHORTCUTS.get(spec.key)
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
            action.setObjectName(f"action-{spec.key}")
            action.triggered.connect(lambda _=False, s=spec: self.open_dialog(s.key))
            bar.addAction(action)
            self.actions_by_key[spec.key] = action
        if self.dialog_specs:
            bar.addSeparator()
        for method, title, icon_name, keys in PAGE_ACTIONS:
            action = QAction(title, self)
            set_icon(action, icon_name)
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.setObjectName(f"action-{method}")
            action.triggered.connect(lambda _=False, m=method: self.page_call(m))
            self.actions_by_key[method] = action
            self.addAction(action)
            if method == "refresh":
                bar.addAction(action)

    def _build_status(self) -> None:
        info = self.console.info
        self.db_label = QLabel(f"{info.backend} · {info.url}")
        self.db_label.setToolTip("Live updates: " + ("LISTEN/NOTIFY" if info.listens else "polling"))
        self.workers_label = QLabel()
        self.statusBar().addPermanentWidget(self.db_label)
        self.statusBar().addPermanentWidget(self.workers_label)
        self._update_workers()

    def _update_workers(self) -> None:
        workers = self.console.workers
        busy = len(workers.running())
        where = " · in processes" if workers.mode == PROCESSES else ""
        note, saved = self.console.workers_note, self.console.worker_count()
        if note and workers.count != saved:  # Settings shows the saved count: say both, and why
            self.workers_label.setText(f"Local workers: {workers.count} of {saved} · {busy} busy{where} · {note}")
        else:
            self.workers_label.setText(f"Local workers: {workers.count} · {busy} busy{where}")

    # ------------------------------------------------------------ navigation
    def show_page(self, key: str) -> QWidget:
        index = [s.key for s in self.page_specs].index(key)
        self.sidebar.setCurrentRow(index)
        return self.page_widgets[key]

    def current_page(self) -> QWidget | None:
        return self.stack.currentWidget()

    def page_call(self, method: str, *args: Any) -> bool:
        """Route a global action to the current page; False when the page has no such action."""
        target = getattr(self.current_page(), method, None)
        if not callable(target):
            return False
        target(*args)
        return True

    def open_dialog(self, key: str, *, path: str | None = None) -> QDialog:
        spec = next(s for s in self.dialog_specs if s.key == key)
        if path is not None and spec.on_drop is not None:
            dialog = spec.on_drop(self.console, self, path)
        else:
            dialog = spec.factory(self.console, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    # ------------------------------------------------------------ drag and drop
    def _drop_target(self, path: str) -> DialogSpec | None:
        suffix = Path(path).suffix.lower()
        return next((s for s in self.dialog_specs if s.on_drop is not None and suffix in s.drop_suffixes), None)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        urls = event.mimeData().urls()
        if urls and all(u.isLocalFile() and self._drop_target(u.toLocalFile()) for u in urls[:1]):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        for url in event.mimeData().urls()[:1]:
            spec = self._drop_target(url.toLocalFile())
            if spec is not None:
                self.open_dialog(spec.key, path=url.toLocalFile())
                event.acceptProposedAction()

    # ------------------------------------------------------------ state
    def _restore(self) -> None:
        settings = self.console.settings
        geometry = settings.value("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):  # type: ignore[arg-type]
            self.resize(1360, 820)
        state = settings.value("window/state")
        if state is not None:
            self.restoreState(state)  # type: ignore[arg-type]
        splitter = settings.value("window/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)  # type: ignore[arg-type]
        page = str(settings.value("window/page", self.page_specs[0].key if self.page_specs else ""))
        keys = [s.key for s in self.page_specs]
        self.sidebar.setCurrentRow(keys.index(page) if page in keys else 0)

    def save_state(self) -> None:
        settings = self.console.settings
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState())
        settings.setValue("window/splitter", self.splitter.saveState())
        item = self.sidebar.currentItem()
        if item is not None:
            settings.setValue("window/page", item.data(Qt.ItemDataRole.UserRole))
        for widget in self.page_widgets.values():
            saver = getattr(widget, "save_state", None)
            if callable(saver):
                saver()
        settings.sync()

    # ------------------------------------------------------------ closing
    def ask_close_choice(self) -> str | None:
        """What to do with running jobs: 'wait', 'cancel', 'release', or None to stay open."""
        running = self.console.workers.running()
        if not running:
            return "none"
        box = QMessageBox(self)
        box.setObjectName("CloseRunningDialog")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Jobs are running")
        ids = ", ".join(f"#{c.run_id}" for c in running)
        box.setText(f"{len(running)} job(s) are running in this console ({ids}).")
        box.setInformativeText("Wait for them to finish, cancel them (keeping what they already did), "
                               "or leave them for another worker to pick up?")
        wait = box.addButton("Wait for Them", QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton("Cancel Them", QMessageBox.ButtonRole.DestructiveRole)
        release = box.addButton("Leave for Another Worker", QMessageBox.ButtonRole.ActionRole)
        box.addButton("Keep Open", QMessageBox.ButtonRole.RejectRole)
        for button, name in ((wait, "wait"), (cancel, "cancel"), (release, "release")):
            button.setObjectName(f"close-{name}")
        box.exec()
        clicked = box.clickedButton()
        return {wait: "wait", cancel: "cancel", release: "release"}.get(clicked)  # type: ignore[call-overload]

    def close_with(self, choice: str) -> bool:
        """Close without asking: 'wait', 'cancel' or 'release' decides for running jobs."""
        self._close_choice = choice
        return self.close()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self._close_choice is None:
            choice = self.ask_close_choice()
            if choice is None:
                event.ignore()
                return
            self._close_choice = choice
            if choice == "wait" and self.console.workers.running():
                self.console.workers.drain()
                self.statusBar().showMessage("Waiting for the running jobs to finish before closing…")
                self.console.workers.changed.connect(self._close_when_idle)
                event.ignore()
                return
        if self._close_choice == "wait" and self.console.workers.running():
            event.ignore()
            return
        self.save_state()
        self.console.shutdown(cancel_running=self._close_choice == "cancel",
                              release_running=self._close_choice == "release")
        event.accept()

    def _close_when_idle(self) -> None:
        if not self.console.workers.running() and self.isVisible():
            self.console.workers.changed.disconnect(self._close_when_idle)
            self.close()
