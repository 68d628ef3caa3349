"""The console's shared services, handed to every page and dialog: the database, the
embedded workers, live change events, a background query thread and the user's settings.

Pages talk to each other through it (open a run, show a page) instead of through the window.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings, QTimer, Signal
from sqlalchemy import Engine

from app.api.database import DatabaseInfo, describe
from app.engine.context import ProgressSnapshot
from app.settings import data_dir
from ui.background import Background
from ui.live import ChangeFeed
from ui.workers import MODES, THREADS, LocalWorkers

SAMPLE_HZ = 5
DEFAULT_WORKERS = 2


def console_settings() -> QSettings:
    """Per-user window and local settings, beside the embedded database (BATCHDESK_HOME)."""
    return QSettings(str(data_dir() / "console.ini"), QSettings.Format.IniFormat)


class Console(QObject):
    runs_changed = Signal(object)  # run ids changed in the database (any console or worker)
    snapshots = Signal(object)  # run id -> ProgressSnapshot of runs executing in this process
    run_requested = Signal(int)  # somebody wants this run shown
    page_requested = Signal(str)  # somebody wants this page shown
    message = Signal(str)  # a line for the status bar

    def __init__(self, engine: Engine, settings: QSettings | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.info: DatabaseInfo = describe(engine)
        self.settings = settings or console_settings()
        self.background = Background("db-queries", self)
        self._backgrounds = [self.background]
        self.workers = LocalWorkers(engine, self)
        self.feed = ChangeFeed(engine)
        self.feed.changed.connect(self.runs_changed)
        self.workers.run_finished.connect(lambda run_id, _status: self.runs_changed.emit([run_id]))
        self._sampler = QTimer(self)
        self._sampler.setInterval(1000 // SAMPLE_HZ)
        self._sampler.timeout.connect(self._sample)
        self._had_snapshots = False
        self._started = False
        self.workers_note = ""  # why the workers running are not the saved count (e.g. screenshot mode)

    # ------------------------------------------------------------ lifecycle
    def start(self, *, workers: int | None = None, scheduler: bool = True, mode: str | None = None,
              note: str = "") -> None:
        """`workers` overrides the saved count for this session; `note` says why, for the
        status bar and Settings (which show the saved count) to tell the same story."""
        count = self.worker_count() if workers is None else workers
        self.workers_note = note if count != self.worker_count() else ""
        self.feed.start()
        self.workers.start(count, scheduler=scheduler, mode=mode or self.worker_mode())
        self._sampler.start()
        self._started = True

    def shutdown(self, *, cancel_running: bool = False, release_running: bool = False) -> None:
        """Join every thread this console started (safe to call twice)."""
        self._sampler.stop()
        self.workers.stop(cancel_running=cancel_running, release_running=release_running)
        if self.feed.isRunning():
            self.feed.stop()
        for background in self._backgrounds:
            background.close()
        self._started = False

    def new_background(self, name: str) -> Background:
        """Another query thread (e.g. for slow counts), joined at shutdown like the rest."""
        background = Background(name, self)
        self._backgrounds.append(background)
        return background

    # ------------------------------------------------------------ settings
    def worker_count(self) -> int:
        value = self.settings.value("workers/count", DEFAULT_WORKERS)
        try:
            return max(0, min(32, int(str(value))))
        except (TypeError, ValueError):
            return DEFAULT_WORKERS

    def set_worker_count(self, count: int) -> None:
        self.settings.setValue("workers/count", int(count))
        self.workers_note = ""  # applied: the running count is the saved one again
        if self._started:
            self.workers.resize(count)

    def worker_mode(self) -> str:
        """Where local jobs run: 'threads' (the default) or 'processes'."""
        mode = str(self.settings.value("workers/mode", THREADS))
        return mode if mode in MODES else THREADS

    def set_worker_mode(self, mode: str) -> None:
        self.settings.setValue("workers/mode", mode if mode in MODES else THREADS)
        if self._started:
            self.workers.set_mode(self.worker_mode())

    # ------------------------------------------------------------ navigation
    def open_run(self, run_id: int) -> None:
        self.run_requested.emit(run_id)

    def show_page(self, key: str) -> None:
        self.page_requested.emit(key)

    # ------------------------------------------------------------ sampling
    def _sample(self) -> None:
        snaps: dict[int, ProgressSnapshot] = self.workers.snapshots()
        if snaps or self._had_snapshots:
            self.snapshots.emit(snaps)
        self._had_snapshots = bool(snaps)
