"""The Summary tab: status, progress with an estimated time remaining, the counters, the
times, the run's files, the error if it failed, and the live charts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from app.engine.context import ProgressSnapshot
from app.engine.records import RunRecord
from app.engine.status import RunStatus
from ui import format as fmt
from ui.detail.charts import RunCharts
from ui.theme import set_tone

# How the times line names a run's end: a failed or cancelled run did not "complete".
ENDED = {RunStatus.COMPLETED: "completed", RunStatus.WARNING: "finished", RunStatus.FAILED: "failed",
         RunStatus.STOPPED: "cancelled"}
FILE_KINDS = {"export": "Export file", "failed_records": "Failed records", "error_report": "Error report"}
FORMATS = {".csv": "CSV", ".xlsx": "Excel", ".tsv": "TSV"}
COUNTERS = (("total", "Total"), ("processed", "Processed"), ("created", "Created"), ("updated", "Updated"),
            ("skipped", "Skipped"), ("failed", "Failed"), ("errors_count", "Errors"))


def remaining_seconds(run: RunRecord, snapshot: ProgressSnapshot | None) -> float | None:
    """ETA from the run's own pace: processed/total against the time it has been running."""
    if run.status is not RunStatus.STARTED:
        return None
    if snapshot is not None:
        return snapshot.eta_seconds
    if not run.total or not run.processed or run.started_at is None or run.processed >= run.total:
        return None
    elapsed = row_elapsed(run)
    return (run.total - run.processed) * elapsed / run.processed if elapsed > 0 else None


def row_elapsed(run: RunRecord) -> float:
    """Seconds from the run's start to the write of the counters its row holds: both stamps
    come from the worker's clock, so a run on another workstation (whose clock is not this
    one's) and a row read a while after its flush are timed as the worker saw them; the
    snapshots of a run in this console count from the same start (app.engine.context)."""
    if run.started_at is None:
        return 0.0
    return max(0.0, (run.updated_at - run.started_at).total_seconds())


def tint_progress(bar: QProgressBar, status: RunStatus) -> None:
    """The bar in its run's status colour (a style rule per status): re-polished only on a change."""
    value = status.value if status is not RunStatus.PENDING else "started"
    if bar.property("status") != value:
        bar.setProperty("status", value)
        bar.style().unpolish(bar)
        bar.style().polish(bar)


class SummaryTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.progress = QProgressBar()
        self.progress.setObjectName("summary-progress")
        self.progress.setTextVisible(True)
        self.progress.setMinimumHeight(22)
        self.eta = QLabel()
        self.eta.setObjectName("summary-eta")
        self.values: dict[str, QLabel] = {}
        cards = QGridLayout()
        cards.setHorizontalSpacing(8)
        for col, (key, title) in enumerate(COUNTERS):
            card = QFrame()
            card.setObjectName("Card")
            box = QVBoxLayout(card)
            box.setContentsMargins(10, 6, 10, 6)
            value = QLabel("0")
            value.setObjectName("CounterValue")
            name = QLabel(title)
            name.setObjectName("CounterName")
            box.addWidget(value)
            box.addWidget(name)
            self.values[key] = value
            cards.addWidget(card, 0, col)
        self.times = QLabel()
        self.times.setObjectName("summary-times")
        self.times.setWordWrap(True)
        self.files = QLabel()
        self.files.setObjectName("summary-files")
        self.files.setWordWrap(True)
        self.error = QLabel()
        self.error.setObjectName("summary-error")
        self.error.setWordWrap(True)
        set_tone(self.error, "error")
        self.charts = RunCharts()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.setSpacing(8)
        layout.addWidget(self.progress)
        layout.addWidget(self.eta)
        layout.addLayout(cards)
        layout.addWidget(self.times)
        layout.addWidget(self.files)
        layout.addWidget(self.error)
        layout.addWidget(self.charts, 1)

    def show_run(self, run: RunRecord, snapshot: ProgressSnapshot | None = None) -> None:
        if snapshot is not None and run.status is RunStatus.STARTED:
            counters = {"total": snapshot.total, "processed": snapshot.processed, "created": snapshot.created,
                        "updated": snapshot.updated, "skipped": snapshot.skipped, "failed": snapshot.failed,
                        "errors_count": snapshot.errors_count}
        else:
            counters = {key: getattr(run, key) for key, _ in COUNTERS}
        for key, label in self.values.items():
            value = counters[key]
            label.setText("—" if value is None else f"{value:,}")
        total, processed = counters["total"], counters["processed"] or 0
        tint_progress(self.progress, run.status)
        if total:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(1000 * min(processed, total) / total))
            self.progress.setFormat(f"{processed}/{total} — {100 * processed // total}%")
        elif run.status is RunStatus.STARTED:
            self.progress.setRange(0, 0)  # busy: no total yet
        else:
            self.progress.setRange(0, 1)
            self.progress.setValue(1 if run.status.finished else 0)
            self.progress.setFormat(run.status.label if not processed else f"{processed:,} — {run.status.label}")
        eta = remaining_seconds(run, snapshot)
        self.eta.setText(fmt.eta(eta) if eta is not None else ("" if run.status is not RunStatus.PENDING else "Waiting for a worker"))
        self.eta.setVisible(bool(self.eta.text()))
        parts = [f"Queued {fmt.local_time(run.queued_at)}"]
        if run.started_at:
            parts.append(f"started {fmt.local_time(run.started_at)}")
        if run.finished_at:
            parts.append(f"{ENDED.get(run.status, 'finished')} {fmt.local_time(run.finished_at)}")
        if run.duration is not None:
            parts.append(f"duration {fmt.duration(run.duration)}")
        if run.worker:
            parts.append(f"on {run.worker}")
        self.times.setText(" · ".join(parts))
        self.error.setText(run.error or "")
        self.error.setVisible(bool(run.error))
        self.charts.set_note("Drawn once a worker starts the run" if run.status is RunStatus.PENDING else
                             "Nothing to draw: the run never started" if run.started_at is None else "")
        if run.status is RunStatus.STARTED:
            elapsed = snapshot.elapsed if snapshot is not None else row_elapsed(run)
            sample = {k: int(counters[k] or 0) for k in ("processed", "created", "updated", "skipped", "failed")}
            if not self.charts.samples and elapsed > 0 and run.attempts <= 1:
                # opened mid-way: the curves start where the run did, at zero, as those of a run
                # watched from its start (a resumed run starts from its checkpoint's counters)
                self.charts.add_sample(0.0, dict.fromkeys(sample, 0))
            self.charts.add_sample(elapsed, sample)
        elif run.status.finished:
            self.charts.show_finished(run)

    def show_files(self, run: RunRecord, artifacts: list[dict[str, Any]]) -> None:
        """The run's files, as the seed's export tracking lists them (format, record count, size)
        and how long each is kept; a finished export without its file says why Download is off."""
        lines = []
        for artifact in artifacts:
            title = FILE_KINDS.get(str(artifact["kind"]))
            if title is None:
                continue
            name = str(artifact["name"])
            bits = [name, FORMATS.get(Path(name).suffix.lower(), "")]
            if artifact["kind"] == "export" and run.processed is not None:
                bits.append(f"{run.processed:,} record" + ("" if run.processed == 1 else "s"))
            bits.append(fmt.size(int(artifact["size"] or 0)))
            if artifact.get("expires_at"):
                bits.append(f"kept until {str(artifact['expires_at'])[:10]}")
            lines.append(f"{title}: " + " · ".join(b for b in bits if b))
        if run.type == "export" and run.status in (RunStatus.COMPLETED, RunStatus.WARNING) and not any(a["kind"] == "export" for a in artifacts):
            lines.append("Export file: none kept (it expired, or the export wrote none)")
        self.files.setText("\n".join(lines))
        self.files.setVisible(bool(lines))

    def clear_samples(self) -> None:
        self.charts.reset()


