"""The Run Job action (Ctrl+R): the dialog, wired to the console."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from ui.console import Console
from ui.pages import DialogSpec
from ui.run_job import RunJobDialog


def make(console: Console, parent: QWidget, preselect: list[str] | None = None) -> RunJobDialog:
    dialog = RunJobDialog(console.engine, parent, preselect=preselect)

    def queued(ids: list[int]) -> None:
        console.runs_changed.emit(ids)
        console.message.emit("Queued " + ", ".join(f"run #{i}" for i in ids))
        if len(ids) == 1:
            console.open_run(ids[0])

    dialog.queued.connect(queued)
    return dialog


def screenshot(console: Console, parent: QWidget) -> RunJobDialog:
    """Two jobs chosen, one narrowed to an org unit, so every kind of editor shows."""
    dialog = make(console, parent, ["rebuild_search_index", "retention_cleanup"])
    form = dialog.cards["rebuild_search_index"].form
    units = form.editors["org_unit_id"]
    first = units.combo.itemData(1) if units.combo.count() > 1 else None  # type: ignore[attr-defined]
    form.set_values({"org_unit_id": first, "force": True, "modules": ["leads", "contacts"]})
    return dialog


DIALOG = DialogSpec(key="run_job", title="Run Job…", icon="run", factory=make, shortcut="Ctrl+R", order=10,
                    screenshot=screenshot, tooltip="Run one or more jobs now (Ctrl+R)")
