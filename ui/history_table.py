"""The history table's view, whose select-all means every run of the filter.

The model holds ids and fetches rows as they are drawn, so a selection of rows only knows
the runs loaded so far. Select-all (Ctrl+A, or any other way the view offers) therefore sets
a mode, `all_rows`, that the page reads to act on the filter in SQL; the view keeps every
row selected meanwhile, rows that arrive later included. The user's own selection (a click,
a key that moves the selection) ends it, as does `leave_all` (a filter change).

The headers get a selection model of their own, which nothing selects in: a header asks
whether each of its sections (columns) is wholly selected to draw it, and Qt answers that by
visiting every row, through the model's Python rowCount: 22 s of the GUI thread after select-all
on a million runs. Sorting, not selecting, is what a header click does here.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Signal,
)
from PySide6.QtWidgets import QAbstractItemView, QTableView

Flags = QItemSelectionModel.SelectionFlag


class HistoryTable(QTableView):
    all_rows_changed = Signal(bool)

    def __init__(self) -> None:
        super().__init__()
        self._all = False

    @property
    def all_rows(self) -> bool:
        return self._all

    def setModel(self, model: QAbstractItemModel | None) -> None:  # noqa: N802 (Qt override)
        super().setModel(model)
        if model is None:
            return
        self._headers_apart()
        # rows that arrive (pages, the count) and a re-read of the pages (which moves or drops
        # the selection's corners) leave every row selected while all are
        model.rowsInserted.connect(self.keep_all)
        model.layoutChanged.connect(self.keep_all)
        model.modelReset.connect(self.leave_all)

    def setSelectionModel(self, selection_model: QItemSelectionModel) -> None:  # noqa: N802 (Qt override)
        super().setSelectionModel(selection_model)
        self._headers_apart()

    def _headers_apart(self) -> None:
        model = self.model()
        if model is not None:
            for header in (self.horizontalHeader(), self.verticalHeader()):
                header.setSelectionModel(QItemSelectionModel(model, header))

    def selectAll(self) -> None:  # noqa: N802 (Qt override: Ctrl+A and the corner button call it)
        if self.selectionMode() not in (QAbstractItemView.SelectionMode.ExtendedSelection,
                                        QAbstractItemView.SelectionMode.MultiSelection):
            return
        changed = not self._all
        self._all = True
        super().selectAll()
        if changed:
            self.all_rows_changed.emit(True)

    def leave_all(self) -> None:
        if self._all:
            self._all = False
            self.all_rows_changed.emit(False)

    def selectionCommand(self, index: QModelIndex | QPersistentModelIndex,  # noqa: N802 (Qt override)
                         event: QEvent | None = None) -> QItemSelectionModel.SelectionFlag:
        """Every selection the user makes (or selectRow) passes here first: one that changes
        the selection ends "all" before it applies."""
        command = super().selectionCommand(index, event)
        if self._all and command != Flags.NoUpdate:
            self.leave_all()
        return command

    def keep_all(self, *_: object) -> None:
        """While all are selected: select every row again (one range, however many rows)."""
        model = self.model()
        if not self._all or model is None or model.rowCount() == 0:
            return
        whole = QItemSelection(model.index(0, 0), model.index(model.rowCount() - 1, model.columnCount() - 1))
        self.selectionModel().select(whole, Flags.ClearAndSelect | Flags.Rows)
