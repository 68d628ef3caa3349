"""Database work off the GUI thread: a QThread that runs submitted calls one at a time and
hands each result back on the GUI thread.

Keys coalesce: when a newer call with the same key is submitted before an older one ran,
the older one is skipped — scrolling fast through a million rows asks only for the page
that is on screen when the thread gets to it.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

log = logging.getLogger(__name__)
Callback = Callable[[Any], None]
ErrorCallback = Callable[[Exception], None]


class _Runner(QObject):
    done = Signal(int, object, object)

    def __init__(self, latest: dict[str, int]) -> None:
        super().__init__()
        self._latest = latest

    @Slot(int, str, object)
    def run(self, token: int, key: str, fn: Callable[[], Any]) -> None:
        if key and self._latest.get(key) != token:
            self.done.emit(token, None, Superseded())
            return
        try:
            result = fn()
        except Exception as exc:  # handed to the caller's error callback on the GUI thread
            self.done.emit(token, None, exc)
            return
        self.done.emit(token, result, None)


class Superseded(Exception):
    """Handed to on_error when a newer call with the same key replaced this one."""


class Background(QObject):
    _submit = Signal(int, str, object)
    idle = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tokens = itertools.count(1)
        self._callbacks: dict[int, tuple[Callback, ErrorCallback | None]] = {}
        self._latest: dict[str, int] = {}
        self._thread = QThread()
        self._thread.setObjectName(name)
        self._runner = _Runner(self._latest)
        self._runner.moveToThread(self._thread)
        self._submit.connect(self._runner.run)
        self._runner.done.connect(self._on_done)
        self._thread.start()
        self._closed = False

    def submit(self, fn: Callable[[], Any], on_done: Callback, on_error: ErrorCallback | None = None,
               *, key: str = "") -> int:
        """Run fn on the background thread; on_done(result) runs on the GUI thread."""
        if self._closed:
            return 0
        token = next(self._tokens)
        if key:
            self._latest[key] = token
        self._callbacks[token] = (on_done, on_error)
        self._submit.emit(token, key, fn)
        return token

    def pending(self) -> int:
        return len(self._callbacks)

    @Slot(int, object, object)
    def _on_done(self, token: int, result: Any, error: Exception | None) -> None:
        on_done, on_error = self._callbacks.pop(token, (None, None))
        if not self._callbacks:
            self.idle.emit()
        if on_done is None:
            return
        if isinstance(error, Superseded):
            if on_error is not None:
                on_error(error)
            return
        if error is not None:
            if on_error is not None:
                on_error(error)
            else:
                log.error("background query failed: %s", error)
            return
        on_done(result)

    def close(self) -> None:
        """Finish what is running, drop the rest, join the thread."""
        self._closed = True
        self._callbacks.clear()
        self._thread.quit()
        self._thread.wait()
