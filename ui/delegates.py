"""Cell painters for the history table: a rounded status chip and an in-cell progress bar
with the seed's `450/1000 — 45%` text."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPalette, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from app.engine.records import RunRecord
from app.engine.status import RunStatus
from ui.history_model import RUN_ROLE
from ui.theme import chip_text_color, status_color

Index = QModelIndex | QPersistentModelIndex


def _background(painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
    """Draw selection/hover/alternate background the way the style would, without the text."""
    opt = QStyleOptionViewItem(option)
    opt.text = ""
    style = opt.widget.style() if opt.widget else None
    if style is not None:
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)


def paint_chip(painter: QPainter, rect: QRectF, status: RunStatus, font_metrics: QFontMetrics,
               outline: QColor | None = None) -> None:
    """`outline`: a ring in that colour, for a chip on the selected row, whose highlight is
    the Processing chip's own blue (it vanished there, leaving white text on blue)."""
    label = status.label
    width = font_metrics.horizontalAdvance(label) + 18
    height = min(rect.height() - 6, font_metrics.height() + 6)
    chip = QRectF(rect.left() + 6, rect.center().y() - height / 2, min(width, rect.width() - 12), height)
    painter.setPen(QPen(outline, 1.5) if outline is not None else Qt.PenStyle.NoPen)
    fill = status_color(status.value)
    painter.setBrush(fill)
    painter.drawRoundedRect(chip, height / 2, height / 2)
    painter.setPen(chip_text_color(fill))
    painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, label)


class StatusChipDelegate(QStyledItemDelegate):
    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        run: RunRecord | None = index.data(RUN_ROLE)
        _background(painter, option, index)
        if run is None:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = option.font
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.9))
        font.setBold(True)
        painter.setFont(font)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        outline = option.palette.color(QPalette.ColorRole.HighlightedText) if selected else None
        paint_chip(painter, QRectF(option.rect), run.status, QFontMetrics(font), outline)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:  # noqa: N802
        return QSize(option.fontMetrics.horizontalAdvance("Processing") + 36, option.fontMetrics.height() + 12)


def empty_progress_text(run: RunRecord) -> str:
    """What a run without counted rows shows instead of an unlabelled bar."""
    if run.status.finished:
        return "no rows" if run.status is not RunStatus.FAILED else ""
    return "starting…" if run.status is RunStatus.STARTED else ""


class ProgressDelegate(QStyledItemDelegate):
    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        run: RunRecord | None = index.data(RUN_ROLE)
        _background(painter, option, index)
        if run is None:
            return
        text = run.progress_text() or empty_progress_text(run)
        percent = run.percent
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(option.rect).adjusted(6, 5, -6, -5)
        palette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if percent is not None:
            # on the selected row the track gets a ring: a running run's blue fill is the highlight's own blue
            ring = palette.color(QPalette.ColorRole.HighlightedText)
            painter.setPen(QPen(ring, 1) if selected else Qt.PenStyle.NoPen)
            track = palette.color(QPalette.ColorRole.Mid)
            track.setAlpha(70)
            painter.setBrush(track)
            painter.drawRoundedRect(rect, 4, 4)
            painter.setPen(Qt.PenStyle.NoPen)
            fill = status_color(run.status.value if run.status is not RunStatus.PENDING else "started")
            fill.setAlpha(110 if run.status.finished else 200)
            done = QRectF(rect.left(), rect.top(), rect.width() * percent / 100.0, rect.height())
            painter.setBrush(fill)
            painter.drawRoundedRect(done, 4, 4)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.setPen(palette.color(role))
        painter.drawText(rect.adjusted(6, 0, -6, 0), Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:  # noqa: N802
        return QSize(option.fontMetrics.horizontalAdvance("99,999/99,999 — 100%") + 28, option.fontMetrics.height() + 12)
