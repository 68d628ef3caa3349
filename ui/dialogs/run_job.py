"""The Run Job action (Ctrl+R): the dialog, wired to the console."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from ui.console import Console
from ui.forms.picker import PickerEditor
from ui.pages import DialogSpec
from ui.run_job import RunJobDialog


def make(console: Console, parent: QWidget, preselect: list[str] | None = None) -> RunJobDialog:
    dialog = RunJobDialog(console.engine, console.background, parent, preselect=preselect)

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
    units: PickerEditor = form.editors["org_unit_id"]  # type: ignore[assignment]
    form.set_values({"force": True, "modules": ["leads", "contacts"]})

    def pick_unit() -> None:  # each time the workspace's units arrive
        if units.combo.count() > 1:
            form.set_values({"org_unit_id": units.combo.itemData(1)})

    units.loaded.connect(pick_unit)
    return dialog


DIALOG = DialogSpec(key="run_job", title="Run Job…", icon="run", factory=make, shortcut="Ctrl+R", order=10,
                    screenshot=screenshot, tooltip="Run one or more jobs now (Ctrl+R)")
