"""The job types grouped by category, each with a checkbox; the current one's description
shows below the list while it is not selected (a selected job's card says it: once is enough)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from app.engine.jobtype import Category, JobType

CATEGORY_TITLES = {
    Category.OPERATION: "Operations",
    Category.SCHEDULED: "Scheduled",
    Category.TROUBLESHOOTING: "Troubleshooting",
}
CATEGORY_HINTS = {
    Category.OPERATION: "Bulk work on records: imports, exports, re-scoring, syncs, bulk changes.",
    Category.SCHEDULED: "Run every day by the scheduler; run one by hand to force it or try another date.",
    Category.TROUBLESHOOTING: "Never scheduled: rebuild derived data or recover from a problem.",
}
KEY_ROLE = Qt.ItemDataRole.UserRole


class JobPicker(QWidget):
    selection_changed = Signal(list)  # job keys, in list order

    def __init__(self, job_types: list[JobType], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.jobs = {job.key: job for job in job_types}
        self.tree = QTreeWidget()
        self.tree.setObjectName("JobTypes")
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(False)
        self.tree.setIndentation(14)
        self.tree.setStyleSheet("QTreeWidget::item { padding: 3px 2px; }")
        self.items: dict[str, QTreeWidgetItem] = {}
        for category in Category:
            members = sorted((j for j in job_types if j.category is category), key=lambda j: j.title)
            if not members:
                continue
            header = QTreeWidgetItem([CATEGORY_TITLES[category]])
            header.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = header.font(0)
            font.setBold(True)
            header.setFont(0, font)
            header.setToolTip(0, CATEGORY_HINTS[category])
            self.tree.addTopLevelItem(header)
            for job in members:
                item = QTreeWidgetItem([job.title])
                item.setData(0, KEY_ROLE, job.key)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(0, Qt.CheckState.Unchecked)
                item.setToolTip(0, job.description)
                header.addChild(item)
                self.items[job.key] = item
        self.tree.expandAll()
        self.tree.itemChanged.connect(self._item_changed)
        self.tree.currentItemChanged.connect(self._current_changed)
        self.tree.itemActivated.connect(self._toggle)
        self.description = QLabel()
        self.description.setObjectName("Muted")
        self.description.setWordWrap(True)
        self.description.setMinimumHeight(self.fontMetrics().lineSpacing() * 4)
        self.description.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.description)
        self._order: list[str] = []

    def _item_changed(self, item: QTreeWidgetItem, _column: int) -> None:
        key = item.data(0, KEY_ROLE)
        if key is None:
            return
        checked = item.checkState(0) == Qt.CheckState.Checked
        if item is self.tree.currentItem():
            self._describe(item)
        if checked and key not in self._order:
            self._order.append(key)
        elif not checked and key in self._order:
            self._order.remove(key)
        self.selection_changed.emit(list(self._order))

    def _current_changed(self, item: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        self._describe(item)

    def _describe(self, item: QTreeWidgetItem | None) -> None:
        """A category's hint, or a job's description unless its card (which repeats it) is open."""
        key = item.data(0, KEY_ROLE) if item is not None else None
        if item is None or key is None:
            self.description.setText(item.toolTip(0) if item is not None else "")
        elif item.checkState(0) == Qt.CheckState.Checked:
            self.description.setText(f"{self.jobs[key].title} is selected: its options are on the right.")
        else:
            self.description.setText(self.jobs[key].description)

    def _toggle(self, item: QTreeWidgetItem, _column: int) -> None:
        """Enter or double-click checks a job, like clicking its box."""
        if item.data(0, KEY_ROLE) is not None:
            checked = item.checkState(0) == Qt.CheckState.Checked
            item.setCheckState(0, Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked)

    def set_checked(self, key: str, checked: bool = True) -> None:
        self.items[key].setCheckState(0, Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.tree.setCurrentItem(self.items[key])

    def selected(self) -> list[str]:
        return list(self._order)
