"""The Import… action (Ctrl+I) and the target for CSV/XLSX files dropped on the window."""

from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtWidgets import QWidget

from ui.console import Console
from ui.import_wizard import ImportWizard, open_import
from ui.import_wizard.wizard import SUFFIXES
from ui.pages import DialogSpec

SAMPLE = ("First Name,Last Name,E-mail,Phone Number,Company,Job Title,Country,Lead Source\n"
          "Anna,Berg,anna.berg@fjord.example,+47 22 33 44 55,Fjord Foods,Head of Sales,Norway,Trade show\n"
          "Ben,Costa,ben.costa@lisboa.example,+351 21 000 1111,Lisboa Labs,CTO,Portugal,Referral\n"
          "Clara,Dubois,not-an-email,,Nova Retail,Buyer,France,Web form\n"
          "David,Eriksen,david@north.example,+46 8 123 45,North Logistics,CEO,Sweden,Partner\n")


def screenshot(console: Console, parent: QWidget) -> ImportWizard:
    """The wizard on its mapping step with a small sample file, as after a drop. The file's
    folder goes with the wizard (or, at the latest, when the process exits)."""
    folder = tempfile.TemporaryDirectory(prefix="batchdesk-shot-")
    sample = Path(folder.name) / "fair_leads_2026.csv"
    sample.write_text(SAMPLE, encoding="utf-8")
    wizard = open_import(console, parent, str(sample))
    wizard.destroyed.connect(lambda *_args: folder.cleanup())
    console.background.submit(lambda: None, lambda _none: wizard.go(1))  # after the preview has arrived
    return wizard


DIALOG = DialogSpec(key="import", title="Import…", icon="import", factory=lambda c, p: open_import(c, p),
                    shortcut="Ctrl+I", order=20, screenshot=screenshot,
                    on_drop=lambda c, p, path: open_import(c, p, path), drop_suffixes=SUFFIXES,
                    tooltip="Import a CSV or XLSX file (Ctrl+I), or drop one on the window")
