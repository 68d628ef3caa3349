"""Long names in narrow fields: cut with "…" and given whole as a tooltip.

A picker's line edit holds the exact text its value is looked up by, so the text itself must
stay whole: `ElidingLineEdit` only draws it shortened while nobody is editing it (a line
edit scrolls instead, and simply cut "Marketing › Demand Generation · Americas Sal" off).
`ElidingComboBox` does the same for a plain drop-down, whose label Qt clips without a mark.
`CutNameTips` gives the pop-up lists (a picker's search list, a drop-down's list) the whole
name as tooltip where the list cuts it, and no tooltip where the name fits.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QObject, QRect, Qt
from PySide6.QtGui import QFont, QFontMetrics, QHelpEvent, QPainter, QPaintEvent, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QLineEdit,
    QStyle,
    QStyleOptionComboBox,
    QStyleOptionFrame,
    QStylePainter,
    QToolButton,
    QToolTip,
    QWidget,
)

ELLIPSIS = "…"
TEXT_MARGIN = 2  # QLineEdit's own horizontal margin inside its contents rectangle


class ElidingLineEdit(QLineEdit):
    """`text()` is always the whole text; only the picture is shortened, and only out of focus."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.textChanged.connect(self._sync_tooltip)

    def text_rect(self) -> QRect:
        """Where the text is drawn: the contents less the margins and the clear button."""
        option = QStyleOptionFrame()
        self.initStyleOption(option)
        rect = self.style().subElementRect(QStyle.SubElement.SE_LineEditContents, option, self)
        rect = rect.marginsRemoved(self.textMargins()).adjusted(TEXT_MARGIN, 0, -TEXT_MARGIN, 0)
        for button in self.findChildren(QToolButton):  # the clear button, when it shows
            if button.isVisibleTo(self) and button.geometry().left() > rect.center().x():
                rect.setRight(min(rect.right(), button.geometry().left() - TEXT_MARGIN))
        return rect

    def is_elided(self) -> bool:
        return self.fontMetrics().horizontalAdvance(self.text()) > self.text_rect().width()

    def shown_text(self) -> str:
        """What the field shows while it is not being edited."""
        if not self.is_elided():
            return self.text()
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, self.text_rect().width())

    def _sync_tooltip(self) -> None:
        # empty when it fits: the tooltip of the field around it (if any) shows instead
        self.setToolTip(self.text() if self.text() and self.is_elided() else "")

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._sync_tooltip()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt override)
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._sync_tooltip()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        if self.hasFocus() or not self.text() or not self.is_elided():
            super().paintEvent(event)  # editing (cursor, selection, scrolling) is Qt's own
            return
        option = QStyleOptionFrame()
        self.initStyleOption(option)
        painter = QPainter(self)
        self.style().drawPrimitive(QStyle.PrimitiveElement.PE_PanelLineEdit, option, painter, self)
        group = QPalette.ColorGroup.Normal if self.isEnabled() else QPalette.ColorGroup.Disabled
        painter.setPen(self.palette().color(group, QPalette.ColorRole.Text))
        painter.drawText(self.text_rect(), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         self.shown_text())
        painter.end()


class CutNameTips(QObject):
    """Hovering a list's item shows its whole text when the list cuts it (a completer's list
    clips a long name at its edge; a drop-down's ends it in "…"), and nothing when it fits.
    Lives as long as the view: `CutNameTips(view)`."""

    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view)
        self.view = view
        view.viewport().installEventFilter(self)

    def is_cut(self, index: QModelIndex) -> bool:
        view = self.view
        visible = view.visualRect(index).intersected(view.viewport().rect())
        font = index.data(Qt.ItemDataRole.FontRole)
        metrics = view.fontMetrics() if not isinstance(font, QFont) else QFontMetrics(font)
        margin = view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
        icon = view.iconSize().width() + margin if index.data(Qt.ItemDataRole.DecorationRole) is not None else 0
        return metrics.horizontalAdvance(str(index.data())) + 2 * margin + icon > visible.width()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if event.type() != QEvent.Type.ToolTip or not isinstance(event, QHelpEvent):
            return False
        index = self.view.indexAt(event.pos())
        if index.isValid() and index.data() and self.is_cut(index):
            QToolTip.showText(event.globalPos(), str(index.data()), self.view.viewport(), self.view.visualRect(index))
        else:
            QToolTip.hideText()
        return True


class ElidingComboBox(QComboBox):
    """A drop-down whose current label ends in "…" when it does not fit, whole in the tooltip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.currentIndexChanged.connect(self._sync_tooltip)
        CutNameTips(self.view())

    def _label_width(self) -> int:
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        field = self.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                            QStyle.SubControl.SC_ComboBoxEditField, self)
        return field.width() - 2 * TEXT_MARGIN

    def is_elided(self) -> bool:
        return self.fontMetrics().horizontalAdvance(self.currentText()) > self._label_width()

    def shown_text(self) -> str:
        return self.fontMetrics().elidedText(self.currentText(), Qt.TextElideMode.ElideRight, self._label_width())

    def _sync_tooltip(self) -> None:
        self.setToolTip(self.currentText() if self.is_elided() else "")

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._sync_tooltip()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        if self.isEditable():
            super().paintEvent(event)
            return
        painter = QStylePainter(self)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        option.currentText = self.shown_text()
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)
