"""Actions on runs for the console: cancel and replay several at once or every run of a
filter, hand runs back to the queue when a console closes, and say which actions apply."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, Engine

from app.api.history import uses_grams
from app.engine import bulk
from app.engine import runs as run_store
from app.engine.history import RunFilter
from app.engine.records import RunRecord
from app.engine.status import RunStatus


def cancel_runs(engine: Engine, run_ids: list[int], by: str | None = None) -> dict[int, RunStatus]:
    """Ask each run to stop; returns each run's status after the request."""
    return {run_id: run_store.request_cancel(engine, run_id, by) for run_id in run_ids}


def replay_runs(engine: Engine, run_ids: list[int], run_date: dt.date | None = None) -> list[int]:
    """Replay each run (same type, workspace and parameters); returns the new run ids."""
    return [run_store.replay(engine, run_id, run_date=run_date) for run_id in run_ids]


def release_runs(engine: Engine, owned: list[tuple[int, str]]) -> list[int]:
    """Put runs this console was working on back in the queue for another worker."""
    return [run_id for run_id, worker in owned if run_store.release(engine, run_id, worker)]


def can_cancel(run: RunRecord) -> bool:
    return run.status in (RunStatus.PENDING, RunStatus.STARTED) and not (
        run.status is RunStatus.STARTED and run.cancel_requested)


def can_replay(run: RunRecord) -> bool:
    return run.status.finished and run_store.source_kept(run)


def _where(engine: Engine, flt: RunFilter) -> ColumnElement[bool]:
    """The filter as the history table runs it (a short text through its grams index)."""
    return flt.where(uses_grams(engine, flt))


def count_actionable(engine: Engine, flt: RunFilter) -> bulk.Actionable:
    """How many of the filter's runs "Cancel" and "Replay" would act on, for their buttons."""
    return bulk.count_actionable(engine, _where(engine, flt))


def cancel_matching(engine: Engine, flt: RunFilter, by: str | None = None) -> bulk.BulkOutcome:
    """Cancel every run of the filter that can be cancelled, in SQL: none leaves the database."""
    return bulk.cancel_where(engine, _where(engine, flt), by)


def replay_matching(engine: Engine, flt: RunFilter, run_date: dt.date | None = None) -> bulk.BulkOutcome:
    """Replay every ended run of the filter, in SQL; returns how many were queued."""
    return bulk.replay_where(engine, _where(engine, flt), run_date)
