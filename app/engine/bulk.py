"""Cancel and replay every run a history filter matches, in SQL, a chunk of ids at a time.

The console's "select all" means every run of the filter, which may be a million: their rows
never leave the database. Each chunk is one short write transaction (the queue and the
workers' progress writes go on between chunks) and applies the same rules as the single
actions in runs.py: cancel what is queued or running (not asked yet), replay what has ended
and still has its source.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, Engine, and_, func, insert, literal, or_, select, update

from app.clock import utcnow
from app.db import tables
from app.db.engine import write_transaction
from app.engine import notify
from app.engine.artifacts import copy_artifact
from app.engine.registry import job_types
from app.engine.runs import current_user
from app.engine.status import FINISHED, RunStatus

runs = tables.job_runs
CHUNK = 1000  # runs per write transaction


@dataclass(frozen=True)
class Actionable:
    """How many of a filter's runs each bulk action would act on now."""

    cancellable: int
    replayable: int


@dataclass(frozen=True)
class BulkOutcome:
    done: int  # runs cancelled (or asked to stop), or new runs queued by a replay
    running: list[int]  # running runs asked to stop: their local workers can stop at once


def cancellable() -> ColumnElement[bool]:
    """runs.can_cancel in SQL: queued, or running and not asked to stop yet."""
    return or_(runs.c.status == RunStatus.PENDING.value,
               and_(runs.c.status == RunStatus.STARTED.value, runs.c.cancel_requested.is_(False)))


def replayable() -> ColumnElement[bool]:
    """runs.can_replay in SQL: ended, of a known job type, and not an archived run whose source
    file went with its details (runs.source_kept)."""
    file = func.coalesce(runs.c.params["file"].as_string(), "")
    return and_(runs.c.status.in_([s.value for s in FINISHED]), runs.c.type.in_(sorted(job_types())),
                or_(runs.c.archived.is_(False), file == ""))


def count_actionable(engine: Engine, where: ColumnElement[bool]) -> Actionable:
    stmt = select(func.count().filter(cancellable()), func.count().filter(replayable())).select_from(runs).where(where)
    with engine.connect() as conn:
        row = conn.execute(stmt).one()
    return Actionable(int(row[0] or 0), int(row[1] or 0))


def cancel_where(engine: Engine, where: ColumnElement[bool], by: str | None = None) -> BulkOutcome:
    """Cancel every cancellable run matching `where`: a queued run stops at once, a running
    one gets the flag its worker checks (as runs.request_cancel, with the same log lines)."""
    who = by or current_user()
    done, last = 0, 0
    running: list[int] = []
    while True:
        with write_transaction(engine) as conn:
            ids = list(conn.execute(select(runs.c.id).where(where, cancellable(), runs.c.id > last)
                                    .order_by(runs.c.id).limit(CHUNK).with_for_update()).scalars())
            if not ids:
                return BulkOutcome(done, running)
            last = ids[-1]
            now = utcnow()
            stopped = list(conn.execute(
                update(runs).where(runs.c.id.in_(ids), runs.c.status == RunStatus.PENDING.value)
                .values(status=RunStatus.STOPPED.value, finished_at=now, updated_at=now, cancel_requested=True)
                .returning(runs.c.id)).scalars())
            asked = list(conn.execute(
                update(runs).where(runs.c.id.in_(ids), runs.c.status == RunStatus.STARTED.value,
                                   runs.c.cancel_requested.is_(False))
                .values(cancel_requested=True, updated_at=now).returning(runs.c.id)).scalars())
            logs = [dict(run_id=i, at=now, level="warning", message=f"Cancelled by {who} before it started")
                    for i in stopped]
            logs += [dict(run_id=i, at=now, level="warning", message=f"Cancel requested by {who}") for i in asked]
            if logs:
                conn.execute(insert(tables.job_logs), logs)
            for payload in notify.payloads(sorted(stopped + asked)):
                notify.send(conn, notify.RUNS, payload)
            done += len(logs)
            running += asked


def replay_where(engine: Engine, where: ColumnElement[bool], run_date: dt.date | None = None,
                 by: str | None = None) -> BulkOutcome:
    """Replay every replayable run matching `where` (same type, workspace, parameters and
    file; `run_date` or each run's own), as runs.replay does one run. Runs queued by this
    replay are past the highest id matched at the start, so none is replayed twice."""
    who = by or current_user()
    with engine.connect() as conn:
        highest = conn.execute(select(func.max(runs.c.id)).where(where, replayable())).scalar()
    done, last = 0, 0
    while highest is not None:
        with write_transaction(engine) as conn:
            ids = list(conn.execute(select(runs.c.id).where(where, replayable(), runs.c.id > last,
                                                            runs.c.id <= highest)
                                    .order_by(runs.c.id).limit(CHUNK)).scalars())
            if not ids:
                break
            last = ids[-1]
            now = utcnow()
            day = runs.c.run_date if run_date is None else literal(run_date, runs.c.run_date.type)
            source = select(
                runs.c.type, runs.c.module, runs.c.workspace_id, day, runs.c.params, literal(RunStatus.PENDING.value),
                runs.c.file_name, literal(who), literal(now, runs.c.queued_at.type), literal(now, runs.c.updated_at.type),
                runs.c.id, *(literal(0) for _ in range(6)), literal(False), literal(0), literal(False),
            ).where(runs.c.id.in_(ids)).order_by(runs.c.id)
            columns = ["type", "module", "workspace_id", "run_date", "params", "status", "file_name", "initiated_by",
                       "queued_at", "updated_at", "replay_of", "processed", "created", "updated", "skipped", "failed",
                       "errors_count", "cancel_requested", "attempts", "archived"]
            made = conn.execute(insert(runs).from_select(columns, source)
                                .returning(runs.c.id, runs.c.replay_of, runs.c.run_date)).all()
            logs = []
            for new_id, original, day_of in made:
                logs.append(dict(run_id=new_id, at=now, level="info", message=f"Queued by {who} for {day_of.isoformat()}"))
                logs.append(dict(run_id=new_id, at=now, level="info", message=f"Replay of run #{original}"))
            conn.execute(insert(tables.job_logs), logs)
            _copy_sources(conn, {int(original): int(new_id) for new_id, original, _ in made})
            notify.send(conn, notify.QUEUE, str(made[0][0]))
            for payload in notify.payloads(sorted(int(r[0]) for r in made)):
                notify.send(conn, notify.RUNS, payload)
            done += len(made)
    return BulkOutcome(done, [])


def _copy_sources(conn: Connection, new_of: dict[int, int]) -> None:
    """A replayed import reads its stored input file: share it under each new run."""
    table = tables.artifacts
    found = conn.execute(select(table.c.id, table.c.run_id)
                         .where(table.c.run_id.in_(list(new_of)), table.c.kind == "source")).all()
    for artifact_id, run_id in found:
        copy_artifact(conn, int(artifact_id), new_of[int(run_id)])
