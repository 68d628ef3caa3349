"""The main window's menu bar: every action of the toolbar and the shortcuts, findable by
name with its shortcut beside it, plus page switching (Ctrl+1…) and Quit. Tooltips name
the shortcut too, so a person learns the keys from the mouse."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QActionGroup, QKeySequence

if TYPE_CHECKING:
    from ui.main_window import MainWindow

JOB_ACTIONS = ("focus_filter", "cancel_selected", "replay_selected")


def shortcut_tooltip(action: QAction, text: str | None = None) -> None:
    """'Run Job (Ctrl+R)': the tooltip says how to do it without the mouse."""
    keys = " or ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts())
    base = text or action.iconText()
    action.setToolTip(f"{base} ({keys})" if keys else base)


def build_menus(window: MainWindow) -> None:
    bar = window.menuBar()
    bar.setObjectName("MainMenu")
    actions = window.actions_by_key

    file_menu = bar.addMenu("&File")
    for spec in window.dialog_specs:
        action = actions[spec.key]
        title = spec.title.rstrip(".…")
        action.setText(f"{title}…")  # a menu item that opens a dialog ends in "…"; a toolbar button does not
        action.setIconText(title)
        file_menu.addAction(action)
    file_menu.addSeparator()
    quit_action = QAction("&Quit", window)
    quit_action.setObjectName("action-quit")
    quit_action.setShortcut(QKeySequence("Ctrl+Q"))
    quit_action.setMenuRole(QAction.MenuRole.QuitRole)
    quit_action.triggered.connect(window.close)
    file_menu.addAction(quit_action)
    actions["quit"] = quit_action

    view_menu = bar.addMenu("&View")
    group = QActionGroup(window)
    group.setExclusive(True)
    page_actions: list[QAction] = []
    for index, page in enumerate(window.page_specs):
        action = QAction(page.title, window)
        action.setObjectName(f"action-page-{page.key}")
        action.setCheckable(True)
        if index < 9:
            action.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
        action.triggered.connect(lambda _=False, key=page.key: window.show_page(key))
        group.addAction(action)
        view_menu.addAction(action)
        page_actions.append(action)
        actions[f"page_{page.key}"] = action

    def follow(row: int) -> None:
        if 0 <= row < len(page_actions):
            page_actions[row].setChecked(True)

    window.sidebar.currentRowChanged.connect(follow)
    follow(window.sidebar.currentRow())
    view_menu.addSeparator()
    view_menu.addAction(actions["refresh"])

    jobs_menu = bar.addMenu("&Jobs")
    for key in JOB_ACTIONS:
        jobs_menu.addAction(actions[key])

    for action in actions.values():
        window.addAction(action)  # the shortcut works wherever the focus is in the window
        shortcut_tooltip(action, action.iconText().replace("&", ""))
    for spec in window.dialog_specs:
        if spec.tooltip:  # the dialog's own words (they name its shortcut)
            actions[spec.key].setToolTip(spec.tooltip)
