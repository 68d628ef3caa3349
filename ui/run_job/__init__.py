"""The Run Job dialog: one or more job types, a workspace, a run date, and a form per job
generated from its options schema."""

from ui.run_job.dialog import RunJobDialog

__all__ = ["RunJobDialog"]
