"""The Configuration tab: mapping, options and settings of the run as a readable tree."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget


def _label(key: Any) -> str:
    text = str(key)
    return text.replace("_", " ").capitalize() if text.islower() else text


def _value(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


class ConfigView(QTreeWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detail-config")
        self.setHeaderLabels(["Setting", "Value"])
        self.setAlternatingRowColors(True)
        self.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.setUniformRowHeights(True)

    def show_config(self, config: dict[str, Any]) -> None:
        self.clear()
        for key, value in config.items():
            self._add(self.invisibleRootItem(), key, value)
        for row in range(self.topLevelItemCount()):  # the groups (Mapping, Options, Settings) stand out
            group = self.topLevelItem(row)
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
        self.expandAll()

    def _add(self, parent: QTreeWidgetItem, key: Any, value: Any) -> None:
        item = QTreeWidgetItem(parent, [_label(key), ""])
        if isinstance(value, dict):
            if not value:
                item.setText(1, "(none)")
            for k, v in value.items():
                self._add(item, k, v)
        elif isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
            for i, v in enumerate(value, 1):
                self._add(item, i, v)
        elif isinstance(value, list):
            item.setText(1, ", ".join(_value(v) for v in value) or "(none)")
        else:
            item.setText(1, _value(value))

    def values(self) -> dict[str, str]:
        """Every leaf as 'Parent/Child' -> text (for tests and copy)."""
        found: dict[str, str] = {}

        def walk(item: QTreeWidgetItem, path: str) -> None:
            for i in range(item.childCount()):
                child = item.child(i)
                key = f"{path}/{child.text(0)}" if path else child.text(0)
                if child.childCount():
                    walk(child, key)
                else:
                    found[key] = child.text(1)

        walk(self.invisibleRootItem(), "")
        return found
