"""One slow call (a connection test, a file preview) on a short-lived thread, its result
handed back on the GUI thread through a signal. The thread ends with the call."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from shiboken6 import isValid


class ThreadTask(QObject):
    done = Signal(object)  # the result
    failed = Signal(object)  # the exception

    def __init__(self, fn: Callable[[], Any], name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.fn = fn
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> ThreadTask:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # handed to the GUI thread, shown there
            self.failed.emit(exc)
            return
        self.done.emit(result)

    def running(self) -> bool:
        return self._thread.is_alive()

    def join(self, timeout: float | None = None) -> None:
        if self._thread.ident is not None:
            self._thread.join(timeout)


def while_alive(owner: QObject, fn: Callable[..., None]) -> Callable[..., None]:
    """A callback that does nothing once `owner` is gone (a dialog closed before its answer came)."""

    def call(*args: Any) -> None:
        if isValid(owner):
            fn(*args)

    return call
