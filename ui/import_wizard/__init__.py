"""The import wizard: a CSV or XLSX file (dropped on the window or chosen), module and
preview, the column mapping with templates and duplicate mode, a dry run, then the run."""

from ui.import_wizard.wizard import ImportWizard, open_import

__all__ = ["ImportWizard", "open_import"]
