"""The life of a run in the database: enqueue, claim, finish, cancel, replay.

Every state change is one short transaction that also sends the change notification, so
any console or worker on the shared database sees it at once; the hot path (claim and
finish) is one statement each on PostgreSQL (pg_queue.py) and announces its changes
coalesced (notify.py).
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import socket
from typing import Any

from sqlalchemy import Connection, Engine, and_, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.clock import today, utcnow
from app.db import tables
from app.db.engine import write_transaction
from app.engine import notify, pg_queue
from app.engine.jobtype import JobType
from app.engine.records import RunRecord, RunWrites, run_to_json
from app.engine.registry import get_job_type
from app.engine.row_errors import insert_row_errors
from app.engine.status import RunStatus

runs = tables.job_runs
logs_table = tables.job_logs


class OptionsError(ValueError):
    """The parameters do not fit the job's options: a usage error, said in one line."""


class RunNotFound(LookupError):
    pass


def current_user() -> str:
    return os.environ.get("BATCHDESK_USER") or f"{getpass.getuser()}@{socket.gethostname()}"


def validate_params(job: JobType, params: dict[str, Any]) -> dict[str, Any]:
    """Check params against the job's options; return them normalised (JSON-safe, defaults filled)."""
    from pydantic import ValidationError

    try:
        options = job.parse_options(params)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'options'}: {_reason(err)}" for err in exc.errors()
        )
        raise OptionsError(f"invalid options for {job.key}: {problems}") from None
    return options.model_dump(mode="json")


def _reason(err: Any) -> str:
    """pydantic's message, without the 'Value error, ' it puts before our own validators' words."""
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ") if err.get("type") == "value_error" else msg


def resolve_workspace(conn: Connection, workspace: str | int | None) -> int | None:
    """A workspace given by id or key; None stays None (the job covers every workspace)."""
    if workspace is None or workspace == "":
        return None
    table = tables.workspaces
    text_value = str(workspace)
    cond = table.c.id == int(text_value) if text_value.isdigit() else table.c.key == text_value
    found = conn.execute(select(table.c.id).where(cond)).scalar()
    if found is None:
        raise OptionsError(f"unknown workspace {workspace!r}")
    return int(found)


def _only_workspace(conn: Connection, job: JobType) -> int:
    """The workspace a one-workspace job goes to when none was named: the only one there is."""
    keys = conn.execute(select(tables.workspaces.c.id, tables.workspaces.c.key).order_by(tables.workspaces.c.id)).all()
    if len(keys) != 1:
        raise OptionsError(f"{job.key} writes into one workspace: name it (--workspace), one of: "
                           + (", ".join(k for _, k in keys) or "none exists yet"))
    return int(keys[0][0])


def add_log(conn: Connection, run_id: int, message: str, level: str = "info") -> None:
    conn.execute(insert(logs_table).values(run_id=run_id, at=utcnow(), level=level, message=message))


def enqueue(
    engine: Engine,
    job_key: str,
    params: dict[str, Any] | None = None,
    *,
    workspace: str | int | None = None,
    run_date: dt.date | None = None,
    initiated_by: str | None = None,
    file_name: str | None = None,
    replay_of: int | None = None,
    parent_id: int | None = None,
) -> int:
    """Queue a run for a worker; raises OptionsError on bad parameters."""
    job = get_job_type(job_key)
    clean = validate_params(job, params or {})
    with write_transaction(engine) as conn:
        workspace_id = resolve_workspace(conn, workspace)
        if job.one_workspace and workspace_id is None:
            workspace_id = _only_workspace(conn, job)
        if job.check is not None:
            try:
                job.check(conn, job.parse_options(clean))
            except ValueError as exc:
                raise OptionsError(f"invalid options for {job.key}: {exc}") from None
        run_id = insert_run(
            conn, job, clean, workspace_id=workspace_id, run_date=run_date or today(),
            initiated_by=initiated_by or current_user(), file_name=file_name,
            replay_of=replay_of, parent_id=parent_id,
        )
    assert run_id is not None  # only scheduled inserts (with a key) can be absorbed
    return run_id


def insert_run(
    conn: Connection,
    job: JobType,
    params: dict[str, Any],
    *,
    workspace_id: int | None,
    run_date: dt.date,
    initiated_by: str | None,
    file_name: str | None = None,
    replay_of: int | None = None,
    parent_id: int | None = None,
    schedule_key: str | None = None,
) -> int | None:
    """Insert a pending run in the caller's transaction. With a schedule_key an existing
    run for the same key wins and None is returned: the key is what makes schedules unique."""
    now = utcnow()
    values = dict(
        type=job.key, module=job.module_for(job.parse_options(params)), workspace_id=workspace_id,
        run_date=run_date, params=params, status=RunStatus.PENDING.value, file_name=file_name,
        initiated_by=initiated_by, queued_at=now, updated_at=now, replay_of=replay_of,
        parent_id=parent_id, schedule_key=schedule_key, processed=0, created=0, updated=0,
        skipped=0, failed=0, errors_count=0, cancel_requested=False, attempts=0, archived=False,
    )
    if schedule_key is None:
        run_id = conn.execute(insert(runs).values(**values).returning(runs.c.id)).scalar_one()
    else:
        dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        stmt = dialect_insert(runs).values(**values).on_conflict_do_nothing(index_elements=["schedule_key"])
        run_id = conn.execute(stmt.returning(runs.c.id)).scalar()
        if run_id is None:
            return None
    add_log(conn, run_id, f"Queued by {initiated_by or 'scheduler'} for {run_date.isoformat()}")
    notify.send(conn, notify.QUEUE, str(run_id))
    notify.run_changed(conn, run_id)
    return int(run_id)


def get_run(engine: Engine | Connection, run_id: int) -> RunRecord:
    stmt = select(runs).where(runs.c.id == run_id)
    if isinstance(engine, Connection):
        row = engine.execute(stmt).first()
    else:
        with engine.connect() as conn:
            row = conn.execute(stmt).first()
    if row is None:
        raise RunNotFound(f"no run with id {run_id}")
    return RunRecord.from_row(row)


def artifacts_json(conn: Connection, run_id: int) -> list[dict[str, Any]]:
    table = tables.artifacts
    rows = conn.execute(
        select(table.c.id, table.c.kind, table.c.name, table.c.size, table.c.expires_at, table.c.content_type)
        .where(table.c.run_id == run_id).order_by(table.c.id)
    ).all()
    return [
        {"id": r.id, "kind": r.kind, "name": r.name, "size": r.size, "content_type": r.content_type,
         "expires_at": r.expires_at.isoformat() if r.expires_at else None}
        for r in rows
    ]


def run_json(engine: Engine, run_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        run = get_run(conn, run_id)
        key = None
        if run.workspace_id is not None:
            key = conn.execute(select(tables.workspaces.c.key).where(tables.workspaces.c.id == run.workspace_id)).scalar()
        return run_to_json(run, key, artifacts_json(conn, run_id))


def claim(engine: Engine, worker: str, run_id: int | None = None) -> RunRecord | None:
    """Take the oldest pending run (or that one run). PostgreSQL: SKIP LOCKED hands concurrent
    claimers disjoint rows, in one statement and one round trip. SQLite: the transaction
    holds the database's write lock from its start, and the run is stamped once it has it:
    a stamp taken before a long wait for the lock would make a fresh run look abandoned."""
    if engine.dialect.name == "postgresql":
        return _claim_postgresql(engine, worker, run_id)
    pick = select(runs.c.id).where(runs.c.status == RunStatus.PENDING.value).order_by(runs.c.id).limit(1)
    if run_id is not None:
        pick = pick.where(runs.c.id == run_id)
    with write_transaction(engine) as conn:
        now = utcnow()
        stmt = (
            update(runs)
            .where(and_(runs.c.id == pick.scalar_subquery(), runs.c.status == RunStatus.PENDING.value))
            .values(status=RunStatus.STARTED.value, worker=worker, started_at=now, heartbeat_at=now,
                    updated_at=now, attempts=runs.c.attempts + 1)
            .returning(*runs.c)
        )
        row = conn.execute(stmt).first()
        if row is None:
            return None
        record = RunRecord.from_row(row)
        add_log(conn, record.id, f"Started on {worker}" + (f" (attempt {record.attempts})" if record.attempts > 1 else ""))
    return record


def _claim_postgresql(engine: Engine, worker: str, run_id: int | None) -> RunRecord | None:
    """Claim and log line in one autocommitted statement (a claim is the queue's hot path:
    every round trip saved is throughput); consoles hear of it through the announcer."""
    record = pg_queue.claim(engine, worker, utcnow(), run_id)
    if record is not None:
        notify.announce(engine, record.id)
    return record


def finish(
    engine: Engine, run_id: int, status: RunStatus, *, error: str | None = None,
    message: str | None = None, result: dict[str, Any] | None = None, worker: str | None = None,
    writes: RunWrites | None = None,
) -> bool:
    """Close a started run together with what its context had not written yet (`writes`:
    the last counters, log lines, row errors); without writes, a "Finished" line is logged.
    Returns False when the run is no longer ours (recovered elsewhere)."""
    return finish_and_claim(engine, run_id, status, error=error, message=message, result=result, worker=worker,
                            writes=writes)[0]


def finish_and_claim(
    engine: Engine, run_id: int, status: RunStatus, *, error: str | None = None,
    message: str | None = None, result: dict[str, Any] | None = None, worker: str | None = None,
    writes: RunWrites | None = None, claim_for: str | None = None,
) -> tuple[bool, RunRecord | None]:
    """`finish`, and with `claim_for` also claim that worker's next run: on PostgreSQL in the
    same statement (a busy worker then spends one round trip between two runs)."""
    now = utcnow()
    pending = writes or RunWrites()
    logs = list(pending.logs)
    if status is RunStatus.FAILED and error and message is None and not (logs and error in logs[-1]["message"]):
        message = f"Failed: {error}"  # a failed run's log ends with its error, once
    if message is not None or writes is None:
        logs.append({"run_id": run_id, "at": now, "level": "error" if status is RunStatus.FAILED else "info",
                     "message": message or f"Finished: {status.label}"})
    following: RunRecord | None = None
    if engine.dialect.name == "postgresql":
        done, following = pg_queue.finish(engine, run_id, status, now, error=error, result=result, worker=worker,
                                          writes=pending, logs=logs, claim_for=claim_for)
    else:
        done = _finish_in_transaction(engine, run_id, status, now, error, result, worker, pending, logs)
        if claim_for is not None:
            following = claim(engine, claim_for)
    if done:
        notify.announce(engine, run_id)
    if following is not None:
        notify.announce(engine, following.id)
    return done, following


def _finish_in_transaction(
    engine: Engine, run_id: int, status: RunStatus, now: dt.datetime, error: str | None,
    result: dict[str, Any] | None, worker: str | None, writes: RunWrites, logs: list[dict[str, Any]],
) -> bool:
    with engine.begin() as conn:
        cond = and_(runs.c.id == run_id, runs.c.status == RunStatus.STARTED.value)
        if worker is not None:
            cond = and_(cond, runs.c.worker == worker)
        values: dict[str, Any] = dict(status=status.value, finished_at=now, heartbeat_at=now, updated_at=now, error=error)
        if result is not None:
            values["result"] = result
        if writes.counters is not None:
            values.update(writes.counters)
        if not conn.execute(update(runs).where(cond).values(**values)).rowcount:
            return False
        if logs:
            conn.execute(insert(logs_table), [{**line, "run_id": run_id} for line in logs])
        insert_row_errors(conn, run_id, writes.row_errors)
    return True


def request_cancel(engine: Engine, run_id: int, by: str | None = None) -> RunStatus:
    """Cancel: a queued run stops at once; a running one gets the flag its worker checks."""
    now = utcnow()
    who = by or current_user()
    with write_transaction(engine) as conn:
        run = get_run(conn, run_id)
        if run.status is RunStatus.PENDING:
            conn.execute(update(runs).where(and_(runs.c.id == run_id, runs.c.status == RunStatus.PENDING.value))
                         .values(status=RunStatus.STOPPED.value, finished_at=now, updated_at=now, cancel_requested=True))
            add_log(conn, run_id, f"Cancelled by {who} before it started", "warning")
        elif run.status is RunStatus.STARTED:
            conn.execute(update(runs).where(runs.c.id == run_id).values(cancel_requested=True, updated_at=now))
            add_log(conn, run_id, f"Cancel requested by {who}", "warning")
        else:
            return run.status
        notify.run_changed(conn, run_id)
        return get_run(conn, run_id).status


def replay(engine: Engine, run_id: int, *, run_date: dt.date | None = None, initiated_by: str | None = None) -> int:
    """A new run of the same type, workspace and parameters, linked to the original."""
    original = get_run(engine, run_id)
    if not original.status.finished:
        raise OptionsError(f"run {run_id} has not ended ({original.status.label}); a run is replayed once it has ended")
    if not source_kept(original):
        raise OptionsError(f"run {run_id} is archived: its file {original.file_name or original.params['file']} was "
                           "removed with its details, so it cannot be replayed; import the file again")
    job = get_job_type(original.type)
    with write_transaction(engine) as conn:
        new_id = insert_run(
            conn, job, original.params, workspace_id=original.workspace_id,
            run_date=run_date or original.run_date, initiated_by=initiated_by or current_user(),
            file_name=original.file_name, replay_of=original.id,
        )
        assert new_id is not None
        _copy_source_artifacts(conn, original.id, new_id)
        add_log(conn, new_id, f"Replay of run #{original.id}")
    return new_id


def source_kept(run: RunRecord) -> bool:
    """False for an archived run that read a file: retention took its stored copy, and a replay
    would read whatever has that name in the current folder (or nothing) instead."""
    return not (run.archived and run.params.get("file"))


def _copy_source_artifacts(conn: Connection, from_run: int, to_run: int) -> None:
    """A replayed import needs its input file: share the stored chunks under the new run."""
    from app.engine.artifacts import copy_artifact

    table = tables.artifacts
    ids = conn.execute(select(table.c.id).where(and_(table.c.run_id == from_run, table.c.kind == "source"))).scalars()
    for artifact_id in list(ids):
        copy_artifact(conn, artifact_id, to_run)


def release(engine: Engine, run_id: int, worker: str, *, unstarted: bool = False) -> bool:
    """Hand a started run back to the queue (its console is closing): another worker takes it
    up, resuming from its checkpoint if the job is resumable. `unstarted`: the worker claimed
    it but is stopping before it ran a line of it, so the attempt does not count. False when
    it was not ours."""
    with engine.begin() as conn:
        cond = and_(runs.c.id == run_id, runs.c.status == RunStatus.STARTED.value, runs.c.worker == worker)
        values: dict[str, Any] = dict(status=RunStatus.PENDING.value, worker=None, updated_at=utcnow())
        if unstarted:
            values["attempts"] = runs.c.attempts - 1
        done = conn.execute(update(runs).where(cond).values(**values)).rowcount
        if done:
            why = "stopping before it began" if unstarted else "console closed"
            add_log(conn, run_id, f"Released by {worker} ({why}); queued for another worker", "warning")
            notify.send(conn, notify.QUEUE, str(run_id))
            notify.run_changed(conn, run_id)
    return bool(done)
