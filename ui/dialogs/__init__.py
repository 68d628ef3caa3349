"""Dialogs the window offers as actions; each module may define `DIALOG = DialogSpec(...)`."""
