"""The Batch Jobs page: the filter bar, the lazily loaded history table with status chips
and progress bars, bulk cancel and replay, and the detail pane of the selected run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSize, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.api import history as api
from app.api.runs import can_cancel, can_replay, cancel_runs, replay_runs
from app.engine.history import RunFilter
from app.engine.records import RunRecord
from ui import format as fmt
from ui.all_runs import AllRuns, runs_text
from ui.console import Console
from ui.delegates import ProgressDelegate, StatusChipDelegate
from ui.detail.actions import ReplayDialog, confirm_cancel
from ui.detail.pane import RunDetailPane
from ui.empty_state import EmptyState
from ui.history_filters import FilterBar
from ui.history_model import COL, COLUMNS, ID_ROLE, RUN_ROLE, HistoryModel
from ui.history_table import HistoryTable
from ui.pages import PageSpec
from ui.theme import set_icon

SEARCHING_MS = 150  # a filter's count or first page still out after this: say so, not the last filter's count
COLUMN_WIDTHS = {"id": 76, "type": 150, "module": 80, "file_name": 180, "status": 104, "progress": 180,
                 "created": 70, "updated": 70, "skipped": 66, "failed": 60, "errors_count": 60,
                 "started_at": 145, "finished_at": 145, "duration": 80, "initiated_by": 120}


class CountLabel(QLabel):
    """As wide as its longest text where there is room, so that the search box beside it stays put
    while "about N runs", "Searching…" and the exact count take turns; a narrow window (1000
    pixels) shrinks it to what "Searching…" needs, no further, so the box being typed in does not
    shift while a search runs ("400 runs" -> "Searching…" -> "58 runs" moved it 20 px each way)."""

    WIDEST = "about 10,000,000 runs"
    NARROWEST = "Searching…"

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        hint = super().sizeHint()
        return QSize(max(hint.width(), self.fontMetrics().horizontalAdvance(self.WIDEST) + 4), hint.height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        hint = super().minimumSizeHint()
        return QSize(max(hint.width(), self.fontMetrics().horizontalAdvance(self.NARROWEST) + 4), hint.height())


class BulkButton(QPushButton):
    """A bulk action that names how many runs it acts on ("Replay 12 Runs"), always as wide as
    its widest such text, so the header beside it stays put while the selection changes (the
    search box lost 28 px to "Replay Selected (12)"). Counts of ten thousand and more widen it."""

    WIDEST = ("Cancel Selected", "Replay Selected", "Cancel 9,999 Runs", "Replay 9,999 Runs", "Cancel All Runs")

    def __init__(self, verb: str) -> None:
        super().__init__()
        self.verb = verb
        self.show_count(0)

    def show_count(self, count: int | None) -> None:
        """None: every run of the filter is selected and their count is on its way."""
        if count is None:
            self.setText(f"{self.verb} All Runs")
        else:
            self.setText(f"{self.verb} {count:,} Run" + ("" if count == 1 else "s") if count else f"{self.verb} Selected")

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override)
        hint = super().sizeHint()
        def width(text: str) -> int:  # as QPushButton measures its text
            return self.fontMetrics().size(Qt.TextFlag.TextShowMnemonic, text).width()

        extra = max(width(text) for text in self.WIDEST) - width(self.text())
        return QSize(hint.width() + max(0, extra), hint.height())


TIPS = {"cancel": ("Cancel the selected queued or running jobs (Delete)",
                   "Cancel every queued or running job of this filter, loaded or not (Delete)"),
        "replay": ("Replay the selected finished jobs (Ctrl+Shift+R)",
                   "Replay every finished job of this filter, loaded or not (Ctrl+Shift+R)")}


class BatchJobsPage(QWidget):
    def __init__(self, console: Console, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.console = console
        self.counts = console.new_background("history-counts")
        # pages on a thread of their own: a first page never queues behind a detail read
        self.model = HistoryModel(console.engine, console.new_background("history-pages"), self.counts, self)
        self.filters = FilterBar()
        self.filters.changed.connect(self.apply_filter)

        title = QLabel("Batch Jobs")
        title.setObjectName("PaneTitle")
        self.count_label = CountLabel()
        self.count_label.setObjectName("history-count")
        self.cancel_button = BulkButton("Cancel")
        set_icon(self.cancel_button, "cancel")
        self.cancel_button.setObjectName("bulk-cancel")
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.replay_button = BulkButton("Replay")
        set_icon(self.replay_button, "replay")
        self.replay_button.setObjectName("bulk-replay")
        self.replay_button.clicked.connect(self.replay_selected)
        head = QHBoxLayout()
        head.addWidget(title)
        head.addSpacing(8)
        head.addWidget(self.count_label)
        head.addSpacing(16)
        head.addWidget(self.filters.text, 1)
        head.addWidget(self.filters.clear_button)
        head.addSpacing(16)
        head.addWidget(self.cancel_button)
        head.addWidget(self.replay_button)

        self.table = HistoryTable()
        self.table.setObjectName("history-table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setSortingEnabled(True)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 14)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.setItemDelegateForColumn(COL["status"], StatusChipDelegate(self.table))
        self.table.setItemDelegateForColumn(COL["progress"], ProgressDelegate(self.table))
        header = self.table.horizontalHeader()
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        header.setSortIndicatorShown(True)
        for key, width in COLUMN_WIDTHS.items():
            header.resizeSection(COL[key], width)
        header.setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.all_runs = AllRuns(console, self.counts, self)
        self.all_runs.changed.connect(self._selection_changed)
        self.all_runs.acted.connect(self._all_acted)
        self.table.all_rows_changed.connect(self._all_rows_changed)

        self.empty = EmptyState(self.table)
        self.detail = RunDetailPane(console)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("jobs-splitter")
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 8)
        layout.setSpacing(8)
        layout.addLayout(head)
        layout.addWidget(self.filters)
        layout.addWidget(self.splitter, 1)

        self.model.count_changed.connect(self._count_changed)
        self.model.count_estimated.connect(self._count_estimated)
        self.model.page_loaded.connect(self._select_first)
        self.model.page_loaded.connect(self._page_loaded)
        self._searching = QTimer(self)
        self._searching.setSingleShot(True)
        self._searching.setInterval(SEARCHING_MS)
        self._searching.timeout.connect(self._show_pending)
        self.model.error.connect(console.message)
        self.model.modelReset.connect(self._selection_changed)
        self.model.layoutChanged.connect(self._selection_changed)
        self.model.query_changed.connect(self._query_changed)
        # statuses of selected runs change live: re-check what the bulk buttons can do, at most 5x/s
        self._actions_timer = QTimer(self)
        self._actions_timer.setSingleShot(True)
        self._actions_timer.setInterval(200)
        self._actions_timer.timeout.connect(self._selection_changed)
        self.model.dataChanged.connect(lambda *_: self._actions_timer.start())
        console.runs_changed.connect(self.model.runs_changed)
        console.snapshots.connect(self.model.apply_snapshots)
        console.run_requested.connect(self.open_run)
        self.detail.action_done.connect(console.message)
        self._pending_shown = False
        self._restore()
        self._load_choices()
        self._selection_changed()

    # ------------------------------------------------------------ state
    def _restore(self) -> None:
        settings = self.console.settings
        header_state = settings.value("batch_jobs/header")
        header = self.table.horizontalHeader()
        if header_state is not None:
            header.restoreState(header_state)  # type: ignore[arg-type]
        splitter_state = settings.value("batch_jobs/splitter")
        if splitter_state is not None:
            self.splitter.restoreState(splitter_state)  # type: ignore[arg-type]
        else:
            self.splitter.setSizes([280, 500])  # the whole summary, charts included, at a usual size
        column = header.sortIndicatorSection()
        if not 0 <= column < len(COLUMNS) or header_state is None:
            header.setSortIndicator(COL["id"], Qt.SortOrder.DescendingOrder)
        # setSortIndicator on a sorting view asks the model to sort: that is the first query.
        self.model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())

    def save_state(self) -> None:
        self.console.settings.setValue("batch_jobs/header", self.table.horizontalHeader().saveState())
        self.console.settings.setValue("batch_jobs/splitter", self.splitter.saveState())

    def _load_choices(self) -> None:
        engine = self.console.engine
        self.console.background.submit(lambda: api.filter_choices(engine), self.filters.set_choices)

    # ------------------------------------------------------------ filtering
    def _query_changed(self) -> None:
        """Rows now hold other runs: no selection, back to the top (the detail pane keeps
        the run it shows). Until this filter's count is known the label still shows the last
        one's: if nothing is known soon, it says the history is being searched."""
        self.table.selectionModel().clear()
        self.table.keep_all()  # a new sort of the same runs: all of them stay selected
        self.table.scrollToTop()
        self._pending_shown = False
        if self.model.total is None:
            self._searching.start()

    def _show_pending(self) -> None:
        """"Searching…" while no row of the filter has arrived, "Counting…" once the first page
        is shown and the count is not; the database's estimate, when it gave one, stays."""
        if self.model.total is not None or self.model.estimate is not None:
            return
        self._pending_shown = True
        rows = self.model.rowCount()
        self.count_label.setText("Counting…" if rows else "Searching…")
        self.count_label.setToolTip("The history is being searched; the table fills as runs are found"
                                    if not rows else "The first runs are shown; the exact count is on its way")
        self.empty.show_text("" if rows else "Searching…")

    def _page_loaded(self, _offset: int) -> None:
        if self.model.rowCount():
            self.empty.show_text("")
        if self._pending_shown:
            self._show_pending()

    def apply_filter(self, flt: RunFilter) -> None:
        self.model.set_query(replace(self.model.query, filter=flt))

    def _count_estimated(self, rows: int) -> None:
        """The database's estimate while it counts exactly (PostgreSQL; SQLite gives none)."""
        self._searching.stop()
        self.count_label.setText(f"{fmt.about(rows)} run" + ("" if rows == 1 else "s"))
        self.count_label.setToolTip("The database's estimate: the exact count is on its way")

    def _count_changed(self, total: int) -> None:
        self.all_runs.count()  # the history changed under the filter: so may what its runs allow
        self._searching.stop()
        self._pending_shown = False
        self.count_label.setText(f"{total:,} run" + ("" if total == 1 else "s"))
        self.count_label.setToolTip("")
        if total:
            self.empty.show_text("")
        elif self.model.query.filter == RunFilter():
            self.empty.show_text("No runs yet.\nRun a job (Ctrl+R), or drop a CSV or XLSX file on the window to import it.")
        else:
            self.empty.show_text("No runs match these filters.\nClear them to see the whole history.")

    # ------------------------------------------------------------ selection
    def selected_runs(self) -> list[RunRecord]:
        """The loaded runs among the selected rows (a selection can span rows not fetched;
        with every row selected, see `all_runs`)."""
        found: dict[int, RunRecord] = {}
        for span in self.table.selectionModel().selection():
            found.update(self.model.runs_in(span.top(), span.bottom()))
        return [found[row] for row in sorted(found)]

    def _all_rows_changed(self, on: bool) -> None:
        self.all_runs.select(self.model.query.filter if on else None)
        total = self.model.total
        if on and total is not None:
            self.console.message.emit(f"All {runs_text(total)} of this filter are selected: Cancel and Replay act "
                                      "on every one of them. Click a row to select fewer.")

    def _all_acted(self, message: str) -> None:
        self.console.message.emit(message)
        self.model.refresh()

    def _selection_changed(self, *_: Any) -> None:
        every = int(self.table.all_rows)
        self.cancel_button.setToolTip(TIPS["cancel"][every])
        self.replay_button.setToolTip(TIPS["replay"][every])
        if every:
            found = self.all_runs.actionable
            self.cancel_button.setEnabled(bool(found and found.cancellable))
            self.replay_button.setEnabled(bool(found and found.replayable))
            self.cancel_button.show_count(found.cancellable if found else None)
            self.replay_button.show_count(found.replayable if found else None)
            return
        runs = self.selected_runs()
        cancellable = [r for r in runs if can_cancel(r)]
        replayable = [r for r in runs if can_replay(r)]
        self.cancel_button.setEnabled(bool(cancellable))
        self.replay_button.setEnabled(bool(replayable))
        self.cancel_button.show_count(len(cancellable))
        self.replay_button.show_count(len(replayable))

    def _select_first(self, offset: int) -> None:
        """Nothing chosen yet: show the newest run's detail rather than an empty pane."""
        if offset == 0 and self.detail.run_id is None and self.model.rowCount():
            self.table.selectRow(0)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        run_id = current.data(ID_ROLE) if current.isValid() else None
        if run_id is not None:
            self.detail.show_run(int(run_id))

    def open_run(self, run_id: int) -> None:
        """Show a run: select its row when it is loaded, and its detail either way."""
        row = self.model.row_of(run_id)
        if row is not None:
            self.table.leave_all()
            index = self.model.index(row, 0)
            self.table.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
            self.table.scrollTo(index)
        self.detail.show_run(run_id)

    # ------------------------------------------------------------ page actions (window shortcuts)
    def refresh(self) -> None:
        self.model.refresh()
        self._load_choices()
        if self.detail.run_id is not None:
            self.detail._reload()

    def focus_filter(self) -> None:
        self.filters.focus_text()

    def cancel_selected(self) -> None:
        if self.table.all_rows:
            self.all_runs.cancel(self)
            return
        runs = [r for r in self.selected_runs() if can_cancel(r)]
        if not runs or not confirm_cancel(self, [r.id for r in runs]):
            return
        ids, engine = [r.id for r in runs], self.console.engine
        self.console.workers.cancel_local(ids)  # local runs stop at once, whatever the database is doing

        def cancelled(_statuses: Any) -> None:
            self._done(f"Cancel requested for {len(ids)} run(s)", ids)

        self._submit(lambda: cancel_runs(engine, ids), cancelled)

    def replay_selected(self) -> None:
        if self.table.all_rows:
            self.all_runs.replay(self)
            return
        runs = [r for r in self.selected_runs() if can_replay(r)]
        if not runs:
            return
        dialog = ReplayDialog(self, [r.id for r in runs], runs[0].run_date)
        if dialog.exec() != ReplayDialog.DialogCode.Accepted:
            return
        ids, day, engine = [r.id for r in runs], dialog.run_date(), self.console.engine
        self._submit(lambda: replay_runs(engine, ids, day), lambda new: self._done(f"Replayed as {', '.join(f'#{i}' for i in new)}", new))

    def _submit(self, fn: Callable[[], Any], done: Callable[[Any], None]) -> None:
        self.console.background.submit(fn, done, lambda exc: self.console.message.emit(str(exc)))

    def _done(self, message: str, ids: list[int]) -> None:
        self.console.message.emit(message)
        self.console.runs_changed.emit(ids)

    # ------------------------------------------------------------ screenshots
    def screenshot_steps(self) -> list[tuple[str, Callable[[], None]]]:
        def pick(predicate: Callable[[RunRecord], bool], tab: int) -> Callable[[], None]:
            def step() -> None:
                for row in range(min(self.model.rowCount(), 100)):
                    run = self.model.index(row, 0).data(RUN_ROLE)
                    if run is not None and predicate(run):
                        self.table.selectRow(row)
                        break
                self.detail.tabs.setCurrentIndex(tab)
            return step

        return [("detail", pick(lambda r: r.status.finished and r.failed > 0, 0)),
                ("errors", pick(lambda r: r.errors_count > 0, 2)),
                ("log", pick(lambda r: r.status.value == "failed", 1))]


PAGE = PageSpec(key="batch_jobs", title="Batch Jobs", icon="jobs", factory=BatchJobsPage, order=10)
