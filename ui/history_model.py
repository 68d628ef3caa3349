"""The history table's model: it holds ids, fetches rows a page at a time as the view draws
them, and leaves filtering and sorting to SQL. All queries run on background threads; a
row not fetched yet reads as empty until its page arrives.

Live changes: rows on screen are re-read when the database says they changed; runs of this
process are overlaid with their in-memory progress snapshot between database writes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from sqlalchemy import Engine

from app.api import history as api
from app.api.cancel import Cancellable
from app.engine.context import ProgressSnapshot
from app.engine.history import RunFilter
from app.engine.records import RunRecord
from app.engine.status import RunStatus
from ui import format as fmt
from ui.background import Background, Superseded

PAGE = 100
RELOAD_MS = 700  # new runs elsewhere: re-read at most this often
MAX_CELLS = 5000  # rows whose text is kept ready to draw
RUN_ROLE = Qt.ItemDataRole.UserRole + 1  # the RunRecord (or None while loading)
ID_ROLE = Qt.ItemDataRole.UserRole + 2
Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    sort: str
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft


RIGHT = Qt.AlignmentFlag.AlignRight
COLUMNS = [
    Column("id", "Job ID", "id", RIGHT), Column("type", "Type", "type"), Column("module", "Module", "module"),
    Column("file_name", "File Name", "file_name"), Column("status", "Status", "status"),
    Column("progress", "Progress", "progress"), Column("created", "Created", "created", RIGHT),
    Column("updated", "Updated", "updated", RIGHT), Column("skipped", "Skipped", "skipped", RIGHT),
    Column("failed", "Failed", "failed", RIGHT), Column("errors_count", "Errors", "errors_count", RIGHT),
    Column("started_at", "Started At", "started_at"), Column("finished_at", "Completed At", "finished_at"),
    Column("duration", "Duration", "duration", RIGHT), Column("initiated_by", "Initiated By", "initiated_by"),
]
COL = {c.key: i for i, c in enumerate(COLUMNS)}
ALIGN = [c.align | Qt.AlignmentFlag.AlignVCenter for c in COLUMNS]
HANDLED_ROLES = frozenset({Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.TextAlignmentRole,
                           RUN_ROLE, ID_ROLE})


def display(run: RunRecord, key: str) -> str:
    if key == "id":
        return str(run.id)
    if key == "type":  # a dry run's counters say what would have happened: the type says it did not
        return fmt.type_title(run.type) + (" (dry run)" if run.dry_run else "")
    if key == "module":
        return (run.module or "").title()
    if key == "status":
        return run.status.label
    if key == "progress":
        return run.progress_text()
    if key in ("created", "updated", "skipped", "failed", "errors_count"):
        return fmt.count(getattr(run, key))
    if key in ("started_at", "finished_at"):
        return fmt.local_time(getattr(run, key))
    if key == "duration":
        return fmt.duration(run.duration)
    value = getattr(run, key)
    return "" if value is None else str(value)


class HistoryModel(QAbstractTableModel):
    count_changed = Signal(int)  # total rows of the current query
    count_estimated = Signal(int)  # the database's estimate of them, while the exact count runs
    page_loaded = Signal(int)  # offset of a page that just arrived
    query_changed = Signal()
    error = Signal(str)

    def __init__(self, engine: Engine, pages: Background, counts: Background, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self._pages_bg = pages
        self._counts_bg = counts
        self.query = api.HistoryQuery()
        self._asked = False  # set_query has run once
        self._generation = 0
        self._rows = 0  # rows the view sees: the exact count once known
        self._total: int | None = None
        self._estimate: int | None = None  # the planner's, until the exact count (or a short page) arrives
        self._counting: RunFilter | None = None  # the filter whose count is on its way
        self._count_cancel: Cancellable | None = None  # stops that count when another filter's replaces it
        self._page_cancels: set[Cancellable] = set()  # stop this query's pages on their way when it changes
        self._pages: dict[int, list[int]] = {}
        self._records: dict[int, RunRecord] = {}
        self._row_of: dict[int, int] = {}
        self._pending: set[int] = set()
        self._snapshots: dict[int, ProgressSnapshot] = {}
        self._cells: dict[int, tuple[str, ...]] = {}  # run id -> its row's text, made once per change
        self._stale: dict[int, tuple[str, ...] | None] = {}  # re-read runs -> their text as shown
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(RELOAD_MS)
        self._reload_timer.timeout.connect(self.refresh)

    # ------------------------------------------------------------ Qt model API
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].title
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # The view asks ~10 roles per cell on every paint: answer the ones we ignore first.
        if role not in HANDLED_ROLES or not index.isValid():
            return None
        run_id = self.id_at(index.row())
        if role == ID_ROLE:
            return run_id
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return ALIGN[index.column()]
        if run_id is None:
            return "…" if role == Qt.ItemDataRole.DisplayRole and index.column() == 0 else None
        if role == Qt.ItemDataRole.DisplayRole:
            cells = self._row_text(run_id)
            return None if cells is None else cells[index.column()]
        run = self.record(run_id)
        if run is None:
            return None
        if role == RUN_ROLE:
            return run
        if role == Qt.ItemDataRole.ToolTipRole and column.key in ("file_name", "initiated_by", "type"):
            return display(run, column.key) or None
        if role == Qt.ItemDataRole.ToolTipRole and column.key == "status" and run.error:
            return run.error
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        descending = order == Qt.SortOrder.DescendingOrder
        self.set_query(replace(self.query, sort=COLUMNS[column].sort, descending=descending))

    # ------------------------------------------------------------ lookups
    def id_at(self, row: int) -> int | None:
        if row < 0 or row >= self._rows:
            return None
        start = row - row % PAGE
        ids = self._pages.get(start)
        if ids is None:
            self._request_page(start)
            return None
        return ids[row - start] if row - start < len(ids) else None

    def record(self, run_id: int) -> RunRecord | None:
        run = self._records.get(run_id)
        snap = self._snapshots.get(run_id)
        if run is not None and snap is not None and run.status is RunStatus.STARTED:
            return replace(run, total=snap.total, processed=snap.processed, created=snap.created, updated=snap.updated,
                           skipped=snap.skipped, failed=snap.failed, errors_count=snap.errors_count)
        return run

    def _row_text(self, run_id: int) -> tuple[str, ...] | None:
        cells = self._cells.get(run_id)
        if cells is None:
            run = self.record(run_id)
            if run is None:
                return None
            if len(self._cells) > MAX_CELLS:
                self._cells.clear()
            cells = self._cells[run_id] = tuple(display(run, c.key) for c in COLUMNS)
        return cells

    def runs_in(self, top: int, bottom: int) -> dict[int, RunRecord]:
        """Row -> run for the loaded rows from top to bottom: a selection of a million rows
        costs what is loaded, not a million lookups."""
        found: dict[int, RunRecord] = {}
        for start in sorted(self._pages):
            for row in range(max(top, start), min(bottom + 1, start + len(self._pages[start]))):
                run = self.record(self._pages[start][row - start])
                if run is not None:
                    found[row] = run
        return found

    def row_of(self, run_id: int) -> int | None:
        return self._row_of.get(run_id)

    @property
    def total(self) -> int | None:
        return self._total

    @property
    def estimate(self) -> int | None:
        """The planner's estimate of the rows while the exact count is on its way, else None."""
        return self._estimate if self._total is None else None

    def loaded_pages(self) -> int:
        return len(self._pages)

    # ------------------------------------------------------------ queries
    def set_query(self, query: api.HistoryQuery) -> None:
        """A new filter or sort: start over from the top. The first page is asked for before
        the view hears of it, so the query runs meanwhile.
        A new sort of the same filter keeps the rows: no second count(*) of the history, and
        no reset either — every row's content changed, so the view just repaints what it
        shows (a reset or layout change of a million rows re-lays out the whole header).
        Another filter resets to the rows that arrive; the count follows on its own thread."""
        if query == self.query and self._asked:
            return  # QTableView.sortByColumn asks the model to sort twice: one query is enough
        self._asked = True
        # The count belongs to the filter, not to one query: a sort of the same filter keeps
        # it, even while it is still on its way (dropping it made every sort count again).
        same_rows = query.filter == self.query.filter and (self._total is not None or self._counting == query.filter)
        self.query = query
        self._generation += 1
        for cancel in self._page_cancels:  # pages of the last query: a search of every run is 0.7 s
            cancel.cancel()
        self._page_cancels.clear()
        if not same_rows:
            self._total = None
            self._estimate = None
            if self._count_cancel is not None:
                self._count_cancel.cancel()
        self._pages.clear()
        self._pending.clear()
        self._row_of.clear()
        self._request_page(0)
        if same_rows:
            if self._rows:
                self.dataChanged.emit(self.index(0, 0), self.index(self._rows - 1, len(COLUMNS) - 1))
        else:
            self.beginResetModel()
            self._rows = 0
            self.endResetModel()
            self._request_count(estimate=True)
        self.query_changed.emit()

    def _request_page(self, start: int) -> None:
        if start in self._pending:
            return
        self._pending.add(start)
        generation, query, total, engine = self._generation, self.query, self._total, self.engine
        cancel = Cancellable()
        self._page_cancels.add(cancel)

        def arrived(page: api.Page) -> None:
            self._page_cancels.discard(cancel)
            self._page_arrived(generation, page)

        def failed(error: Exception) -> None:
            self._page_cancels.discard(cancel)
            self._page_failed(generation, start, error)

        self._pages_bg.submit(lambda: api.fetch_page(engine, query, start, PAGE, total, cancel), arrived, failed,
                              key=f"history-page-{start % (PAGE * 4)}")

    def _page_failed(self, generation: int, start: int, error: Exception) -> None:
        if generation != self._generation:  # cancelled or not, its query is gone (and its pending page)
            return
        self._pending.discard(start)
        if isinstance(error, Superseded):  # scrolled past; ask the view again what it shows
            last = min(self._rows, start + PAGE) - 1
            if last >= start:
                self.dataChanged.emit(self.index(start, 0), self.index(last, 0))
            return
        self.error.emit(f"Could not read the history: {error}")

    def _request_count(self, estimate: bool = False) -> None:
        """The exact count, on the counts thread; for a new filter the planner's estimate first (an
        EXPLAIN, a few ms) on the same thread, so "about N" shows while the count runs."""
        flt, engine = self.query.filter, self.engine
        self._counting = flt
        cancel = self._count_cancel = Cancellable()
        if estimate:
            self._counts_bg.submit(lambda: api.estimate(engine, flt), lambda n: self._estimate_arrived(flt, n),
                                   lambda _exc: None, key="history-estimate")
        self._counts_bg.submit(lambda: api.count(engine, flt, cancel), lambda n: self._count_arrived(flt, n),
                               lambda exc: None if cancel.cancelled else self._count_failed(flt, exc), key="history-count")

    def _count_failed(self, flt: RunFilter, error: Exception) -> None:
        if isinstance(error, Superseded):  # a newer count took its place and is on its way
            return
        if self._counting == flt:
            self._counting = None
        if flt == self.query.filter:
            self.error.emit(f"Could not count the history: {error}")

    def _page_arrived(self, generation: int, page: api.Page) -> None:
        if generation != self._generation:
            return
        self._pending.discard(page.offset)
        self._pages[page.offset] = page.ids
        self._set_records(page.records)
        for i, run_id in enumerate(page.ids):
            self._row_of[run_id] = page.offset + i
        if self._total is None:
            # Until the count arrives, show what we have (a short first page is the count).
            wanted = page.offset + len(page.ids)
            if len(page.ids) < PAGE:
                self._set_total(wanted)
            elif wanted > self._rows:
                self._resize(wanted)
        if page.ids:
            last = min(self._rows, page.offset + len(page.ids)) - 1
            if last >= page.offset:
                self.dataChanged.emit(self.index(page.offset, 0), self.index(last, len(COLUMNS) - 1))
        self.page_loaded.emit(page.offset)

    def _estimate_arrived(self, flt: RunFilter, rows: int | None) -> None:
        """Shown only while nothing exact is known: a short first page or the count may be first.
        A failed estimate is no loss (the count follows): its error is dropped above."""
        if rows is None or flt != self.query.filter or self._total is not None:
            return
        self._estimate = rows
        self.count_estimated.emit(rows)

    def _count_arrived(self, flt: RunFilter, total: int) -> None:
        if self._counting == flt:
            self._counting = None
        if flt == self.query.filter:
            self._set_total(total)

    def _set_total(self, total: int) -> None:
        self._total = total
        self._resize(total)
        self.count_changed.emit(total)

    def _resize(self, rows: int) -> None:
        if rows > self._rows:
            self.beginInsertRows(QModelIndex(), self._rows, rows - 1)
            self._rows = rows
            self.endInsertRows()
        elif rows < self._rows:
            self.beginRemoveRows(QModelIndex(), rows, self._rows - 1)
            self._rows = rows
            self.endRemoveRows()

    # ------------------------------------------------------------ live updates
    def refresh(self) -> None:
        """Re-read the count and the pages already loaded, keeping selection and scroll. The
        count goes to the counts thread: on a million runs it takes longer than any page, and
        on the pages thread a sort or scroll would wait behind it."""
        self._reload_timer.stop()
        generation, query, engine, total = self._generation, self.query, self.engine, self._total
        starts = sorted(self._pages)[:10] or [0]
        self._request_count()

        def reread() -> list[api.Page]:
            return [api.fetch_page(engine, query, s, PAGE, total) for s in starts if total is None or s < max(total, 1)]

        self._pages_bg.submit(reread, lambda pages: self._reloaded(generation, pages), key="history-refresh")

    def _reloaded(self, generation: int, pages: list[api.Page]) -> None:
        if generation != self._generation:
            return
        old_id_at = {start + i: rid for start, ids in self._pages.items() for i, rid in enumerate(ids)}
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        old_ids = [old_id_at.get(index.row()) for index in old]
        self._pages = {p.offset: p.ids for p in pages}
        self._row_of = {run_id: p.offset + i for p in pages for i, run_id in enumerate(p.ids)}
        for page in pages:
            self._set_records(page.records)
        self._pending.clear()
        new = [self.index(self._row_of[rid], index.column()) if rid in self._row_of else QModelIndex()
               for index, rid in zip(old, old_ids, strict=True)]
        self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()

    def runs_changed(self, ids: list[int]) -> None:
        """Re-read the changed rows we show; anything else may be new: re-read soon."""
        known = [i for i in ids if i in self._row_of]
        if len(known) < len(ids) and not self._reload_timer.isActive():
            self._reload_timer.start()
        if not known:
            return
        engine = self.engine
        self._pages_bg.submit(lambda: api.fetch_runs(engine, known), self._runs_arrived)

    def _runs_arrived(self, found: dict[int, RunRecord]) -> None:
        shown = {run_id: self._cells.get(run_id) for run_id in found}
        self._set_records(found)
        if self._snapshots:  # runs are live here: the next sample (at most 200 ms) repaints these too
            for run_id, cells in shown.items():
                self._stale.setdefault(run_id, cells)
        else:
            self._repaint(shown)

    def _set_records(self, found: dict[int, RunRecord]) -> None:
        self._records.update(found)
        for run_id in found:
            self._cells.pop(run_id, None)

    def apply_snapshots(self, snaps: dict[int, ProgressSnapshot]) -> None:
        changed = {i for i in set(snaps) | set(self._snapshots) if snaps.get(i) != self._snapshots.get(i)}
        self._snapshots = snaps
        shown, self._stale = self._stale, {}
        for run_id in changed:
            shown.setdefault(run_id, self._cells.pop(run_id, None))
        self._repaint(shown)

    def _repaint(self, shown: dict[int, tuple[str, ...] | None]) -> None:
        """One dataChanged per sample over just the cells whose text changed (run id -> the
        text its row showed): a live row changes a few counters, and the table's repaint was
        the GUI thread's dearest work while 20 jobs reported (bench/README.md, session 6)."""
        rows: list[int] = []
        columns: list[int] = []
        for run_id, before in shown.items():
            row = self._row_of.get(run_id)
            after = self._row_text(run_id) if row is not None else None
            if row is None or after is None:
                continue
            changed = [i for i, text in enumerate(after) if before is None or before[i] != text]
            if changed:
                rows.append(row)
                columns += (changed[0], changed[-1])
        if rows:
            self.dataChanged.emit(self.index(min(rows), min(columns)), self.index(max(rows), max(columns)))
