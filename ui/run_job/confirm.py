"""The question Run asks before a job that deletes or overwrites records runs for real.

Dry Run is an option a person can leave unticked (the command line's contract is that a bulk
delete deletes and a bulk update updates): the console asks once more, naming the module, the
filter, what happens to the records and where, with Cancel as the default answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import QMessageBox, QWidget

from app.records.modules import MODULE_LABELS


@dataclass(frozen=True)
class Question:
    """What one job type asks, and what the dialog says when the answer is Cancel."""

    title: str
    act: str  # the button that goes ahead, and the verb of the question
    cancelled: str


QUESTIONS = {  # job types whose run removes or overwrites records for good
    "bulk_delete": Question("Delete records", "Delete",
                            "Not run: nothing was deleted. Tick Dry Run to see the count first."),
    "bulk_update": Question("Update records", "Update",
                            "Not run: nothing was changed. Tick Dry Run to see the count first."),
}


def needs_confirmation(job_key: str, values: dict[str, Any]) -> bool:
    return job_key in QUESTIONS and not values.get("dry_run")


def cancelled_text(job_key: str) -> str:
    return QUESTIONS[job_key].cancelled


def _texts(job_key: str, values: dict[str, Any], where: str, run_date: str) -> tuple[str, str]:
    module = MODULE_LABELS.get(str(values.get("module")), str(values.get("module") or "records"))
    conditions = " AND ".join(str(c) for c in values.get("where") or [])
    if job_key == "bulk_update":
        changes = ", ".join(str(c) for c in values.get("changes") or [])
        scope = f" matching {conditions}" if conditions else ""
        unfiltered = "" if conditions else "There is no filter: every record gets these values. "
        return (f"Set {changes} on every {module} record{scope} in {where}?",
                f"{unfiltered}This overwrites the values those records hold now (the records that existed by the end "
                f"of {run_date}), and there is no undo. To see how many would change first, tick Dry Run and run that.")
    return (f"Delete every {module} record matching {conditions or '(no filter)'} in {where}?",
            f"This cannot be undone: the records that existed by the end of {run_date} go, with "
            "their search documents. To see the count first, tick Dry Run and run that.")


def confirm(parent: QWidget, job_key: str, values: dict[str, Any], where: str, run_date: str) -> bool:
    """True only when the person chose to go ahead; Cancel, Escape or closing the box keep everything."""
    question = QUESTIONS[job_key]
    noun = question.act.lower()
    text, more = _texts(job_key, values, where, run_date)
    box = QMessageBox(parent)
    box.setObjectName(f"Confirm{question.act}")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(question.title)
    box.setText(text)
    box.setInformativeText(more)
    go = box.addButton(question.act, QMessageBox.ButtonRole.DestructiveRole)
    go.setObjectName(f"confirm-{noun}-yes")
    cancel = box.addButton("Cancel", QMessageBox.ButtonRole.RejectRole)
    cancel.setObjectName(f"confirm-{noun}-no")
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.exec()
    return box.clickedButton() is go

