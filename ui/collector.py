"""Python's cycle collector runs only on the GUI thread while a console is open.

Why: the collector runs in whichever thread happens to allocate when its threshold is
reached — in the console that is often a worker, query or live-feed thread. pyqtgraph's
charts form reference cycles that hold Python-owned QWidgets (each PlotItem's options menu
and control panel, each ViewBox's menu). When such a cycle was collected in another thread,
those widgets were destroyed there: Qt cannot unregister their timers from a foreign
thread, and the GUI thread's next timer tick delivered an event to freed memory — the
console crashed a while after a chart was deleted (tests/console/test_chart_lifetime.py).

So automatic collection is switched off and a GUI-thread timer collects instead
(pyqtgraph's own GarbageCollector, which exists for exactly this). `uninstall()` collects
once more on the GUI thread and gives the collector back (tests, after a window closed).
"""

from __future__ import annotations

import gc

from pyqtgraph.util.garbage_collector import GarbageCollector

INTERVAL_S = 1.0

_installed: GarbageCollector | None = None


def install() -> None:
    """Call on the GUI thread once the QApplication exists; safe to call again."""
    global _installed
    if _installed is None:
        _installed = GarbageCollector(interval=INTERVAL_S)


def installed() -> bool:
    return _installed is not None and not gc.isenabled()


def uninstall() -> None:
    """Collect what is left on this (the GUI) thread, then collect automatically again."""
    global _installed
    if _installed is None:
        return
    _installed.timer.stop()
    _installed.timer.deleteLater()
    _installed = None
    gc.collect()
    gc.enable()
