"""The question Run asks before a job that deletes records runs for real.

Dry Run is an option a person can leave unticked (the command line's contract is that a bulk
delete deletes): the console asks once more, naming what goes, where, and that it cannot be
undone, with Cancel as the default answer.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QMessageBox, QWidget

from app.records.modules import MODULE_LABELS

DELETES = frozenset({"bulk_delete"})  # job types whose run removes records for good


def needs_confirmation(job_key: str, values: dict[str, Any]) -> bool:
    return job_key in DELETES and not values.get("dry_run")


def confirm_delete(parent: QWidget, values: dict[str, Any], where: str, run_date: str) -> bool:
    """True only when the person chose Delete; Cancel, Escape or closing the box keep everything."""
    module = MODULE_LABELS.get(str(values.get("module")), str(values.get("module") or "records"))
    conditions = " AND ".join(str(c) for c in values.get("where") or []) or "(no filter)"
    box = QMessageBox(parent)
    box.setObjectName("ConfirmDelete")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Delete records")
    box.setText(f"Delete every {module} record matching {conditions} in {where}?")
    box.setInformativeText(f"This cannot be undone: the records that existed by the end of {run_date} go, with "
                           "their search documents. To see the count first, tick Dry Run and run that.")
    delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
    delete.setObjectName("confirm-delete-yes")
    cancel = box.addButton("Cancel", QMessageBox.ButtonRole.RejectRole)
    cancel.setObjectName("confirm-delete-no")
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.exec()
    return box.clickedButton() is delete
