"""`gui --screenshot DIR`: a PNG of every page, page state and dialog, with data loaded, and
nothing left behind in the temporary folder (the import sample's folder goes with it)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtGui import QImage


def test_screenshots_of_every_page_and_dialog(make_window, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ui.screenshots import save_screenshots

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    window = make_window()
    saved = save_screenshots(window, tmp_path / "shots")
    names = {p.name for p in saved}
    assert {f"page-{s.key}.png" for s in window.page_specs} <= names
    assert {f"dialog-{s.key}.png" for s in window.dialog_specs} <= names
    for path in saved:
        image = QImage(str(path))
        assert image.width() >= 600 and image.height() >= 400, path.name
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    assert list(scratch.iterdir()) == []
