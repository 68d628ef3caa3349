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

`freeze()`, once the window is built, moves everything alive then (modules, Qt wrappers, the
window) out of the collector's sight: a full collection of the console's ~180,000 startup
objects took ~90 ms on the GUI thread, and the timer runs one every ~100 collections, so a
console reporting jobs stalled past the 50 ms aim every minute or two (bench/README.md).
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


def freeze() -> None:
    """Call on the GUI thread once the window is built: what lives now lives as long as the
    console, so full collections need not walk it again."""
    gc.collect()
    gc.freeze()


def uninstall() -> None:
    """Collect what is left on this (the GUI) thread, then collect automatically again."""
    global _installed
    if _installed is None:
        return
    _installed.timer.stop()
    _installed.timer.deleteLater()
    _installed = None
    gc.unfreeze()  # a closed window's cycles are garbage now, frozen or not
    gc.collect()
    gc.enable()
