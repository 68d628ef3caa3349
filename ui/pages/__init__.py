"""The page and dialog registry: the main window shows whatever is registered here.

A page is a module in `ui/pages/` that defines `PAGE = PageSpec(...)`; a dialog that the
window offers as an action (toolbar, menu, shortcut, screenshot) is a module in
`ui/dialogs/` that defines `DIALOG = DialogSpec(...)`. Discovery works like the job
registry, so adding a page or dialog never means editing the window.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDialog, QWidget

    from ui.console import Console


@dataclass(frozen=True)
class PageSpec:
    """A sidebar entry. `factory(console)` builds the page once, when the window is built."""

    key: str
    title: str
    icon: str  # file stem in resources/icons
    factory: Callable[[Console], QWidget]
    order: int = 100


@dataclass(frozen=True)
class DialogSpec:
    """A dialog reachable from the toolbar and a shortcut.

    `factory(console, parent)` builds it; `screenshot(console, parent)` (optional) builds it
    filled with example input for `gui --screenshot` — default: the plain factory.
    `on_drop(console, parent, path)` builds it for a file dropped on the window whose suffix
    is in `drop_suffixes` (the Import wizard: (".csv", ".xlsx")).
    """

    key: str
    title: str
    icon: str
    factory: Callable[[Console, QWidget], QDialog]
    shortcut: str | None = None
    order: int = 100
    screenshot: Callable[[Console, QWidget], QDialog] | None = None
    on_drop: Callable[[Console, QWidget, str], QDialog] | None = None
    drop_suffixes: tuple[str, ...] = ()
    tooltip: str = ""


def _discover(package: str, attribute: str) -> list[object]:
    module = importlib.import_module(package)
    found = []
    for info in sorted(pkgutil.iter_modules(module.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        spec = getattr(importlib.import_module(f"{package}.{info.name}"), attribute, None)
        if spec is not None:
            found.append(spec)
    return found


@lru_cache(maxsize=1)
def pages() -> list[PageSpec]:
    found = [p for p in _discover("ui.pages", "PAGE") if isinstance(p, PageSpec)]
    keys = [p.key for p in found]
    if len(keys) != len(set(keys)):
        raise RuntimeError(f"a page key is declared twice: {keys}")
    return sorted(found, key=lambda p: (p.order, p.title))


@lru_cache(maxsize=1)
def dialogs() -> list[DialogSpec]:
    found = [d for d in _discover("ui.dialogs", "DIALOG") if isinstance(d, DialogSpec)]
    return sorted(found, key=lambda d: (d.order, d.title))
