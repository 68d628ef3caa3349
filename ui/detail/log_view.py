"""The Processing Log tab: timestamped lines, appended as they arrive; it follows the end
while the reader is at the end, and stays put when they scrolled up to read."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from ui import format as fmt

LEVEL_TAGS = {"info": "INFO ", "warning": "WARN ", "error": "ERROR", "debug": "DEBUG"}


def log_line(entry: dict[str, Any]) -> str:
    tag = LEVEL_TAGS.get(str(entry["level"]), str(entry["level"]).upper()[:5].ljust(5))
    return f"{fmt.local_time(entry['at'])}  {tag}  {entry['message']}"


class LogView(QPlainTextEdit):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detail-log")
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setStyleHint(QFont.StyleHint.Monospace)
        self.setFont(font)
        self.setMaximumBlockCount(50_000)
        self.last_id = 0

    def reset(self) -> None:
        self.clear()
        self.last_id = 0

    def append_entries(self, entries: list[dict[str, Any]]) -> None:
        entries = [e for e in entries if int(e["id"]) > self.last_id]
        if not entries:
            return
        bar = self.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 2
        self.appendPlainText("\n".join(log_line(e) for e in entries))
        self.last_id = int(entries[-1]["id"])
        if at_end:
            bar.setValue(bar.maximum())
