"""The Processing Log tab: timestamped lines, appended as they arrive; it follows the end
while the reader is at the end, and stays put when they scrolled up to read."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QPalette,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
)
from PySide6.QtWidgets import QApplication, QPlainTextEdit, QWidget

from ui import format as fmt
from ui.theme import status_color

LEVEL_TAGS = {"info": "INFO ", "warning": "WARN ", "error": "ERROR", "debug": "DEBUG"}


def log_line(entry: dict[str, Any]) -> str:
    tag = LEVEL_TAGS.get(str(entry["level"]), str(entry["level"]).upper()[:5].ljust(5))
    return f"{fmt.local_time(entry['at'])}  {tag}  {entry['message']}"


class LevelHighlighter(QSyntaxHighlighter):
    """Errors in the failed colour, warnings in the warning colour, times muted: the line
    that matters stands out in a long log. Runs per visible block, so a big log stays cheap."""

    STAMP = len("2026-01-01 00:00:00")

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        self.formats: dict[str, QTextCharFormat] = {}
        self.retheme()

    def retheme(self) -> None:
        def coloured(color: QColor, bold: bool = False) -> QTextCharFormat:
            form = QTextCharFormat()
            form.setForeground(color)
            if bold:
                form.setFontWeight(QFont.Weight.DemiBold)
            return form

        self.formats = {"stamp": coloured(QApplication.palette().color(QPalette.ColorRole.PlaceholderText)),
                        LEVEL_TAGS["error"]: coloured(status_color("failed"), bold=True),
                        LEVEL_TAGS["warning"]: coloured(status_color("warning"), bold=True)}
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:  # noqa: N802 (Qt override)
        self.setFormat(0, min(self.STAMP, len(text)), self.formats["stamp"])
        tag = text[self.STAMP + 2:self.STAMP + 7]
        form = self.formats.get(tag)
        if form is not None:
            self.setFormat(self.STAMP + 2, len(text) - self.STAMP - 2, form)


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
        self.highlighter = LevelHighlighter(self.document())
        self.last_id = 0

    def retheme(self) -> None:
        self.highlighter.retheme()

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
