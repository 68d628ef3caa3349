"""The run's progress as the wizard shows it: `450/1000 — 45%`, the time left, and the
created / updated / skipped / failed counters. (The detail pane has the charts; a dialog
that is opened and closed often keeps to plain widgets.)"""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from app.engine.context import ProgressSnapshot
from app.engine.records import RunRecord
from app.engine.status import RunStatus
from ui import format as fmt
from ui.card import CounterTile
from ui.detail.summary import remaining_seconds, tint_progress

COUNTERS = (("created", "Created"), ("updated", "Updated"), ("skipped", "Skipped"), ("failed", "Failed"))


class RunProgress(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar()
        self.bar.setObjectName("import-progress")
        self.bar.setMinimumHeight(22)
        self.eta = QLabel()
        self.eta.setObjectName("Muted")
        self.values: dict[str, QLabel] = {}
        cards = QHBoxLayout()
        cards.setSpacing(8)
        for key, title in COUNTERS:
            tile = CounterTile(title, "0")
            self.values[key] = tile.value
            cards.addWidget(tile, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar)
        layout.addWidget(self.eta)
        layout.addLayout(cards)

    def show_run(self, run: RunRecord, snapshot: ProgressSnapshot | None = None) -> None:
        live = snapshot if snapshot is not None and run.status is RunStatus.STARTED else None
        source = live or run
        for key, label in self.values.items():
            label.setText(f"{getattr(source, key):,}")
        total, processed = source.total, source.processed
        tint_progress(self.bar, run.status)
        if total:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(1000 * min(processed, total) / total))
            self.bar.setFormat(f"{processed}/{total} — {100 * processed // total}%")
        else:
            busy = run.status is RunStatus.STARTED
            self.bar.setRange(0, 0 if busy else 1)
            self.bar.setValue(1 if run.status.finished else 0)
            self.bar.setFormat(run.status.label)
        left = remaining_seconds(run, live)
        self.eta.setText(fmt.eta(left) if left is not None else
                         "Waiting for a worker" if run.status is RunStatus.PENDING else "")
        self.eta.setVisible(bool(self.eta.text()))  # an empty line left a gap above the counters
