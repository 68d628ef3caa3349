"""A run as an immutable record built from its row, and its JSON shape for the CLI."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Row

from app.engine.status import RunStatus

COUNTER_NAMES = ("total", "processed", "created", "updated", "skipped", "failed")


@dataclass(frozen=True)
class RunWrites:
    """What a running job's context has not written yet; a finish writes it with the status."""

    counters: dict[str, int | None] | None = None
    logs: list[dict[str, Any]] = field(default_factory=list)
    row_errors: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class RunRecord:
    id: int
    type: str
    module: str | None
    workspace_id: int | None
    run_date: dt.date
    params: dict[str, Any]
    status: RunStatus
    total: int | None
    processed: int
    created: int
    updated: int
    skipped: int
    failed: int
    errors_count: int
    file_name: str | None
    initiated_by: str | None
    worker: str | None
    queued_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    heartbeat_at: dt.datetime | None
    updated_at: dt.datetime
    cancel_requested: bool
    replay_of: int | None
    parent_id: int | None
    error: str | None
    schedule_key: str | None
    checkpoint: dict[str, Any] | None
    result: dict[str, Any] | None
    attempts: int
    archived: bool

    @classmethod
    def from_row(cls, row: Row[Any] | Any) -> RunRecord:
        return cls.from_mapping(dict(row._mapping))

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> RunRecord:
        """From a column -> value dict (a driver's dict row); `data` is changed in place."""
        data["status"] = RunStatus(data["status"])
        data["params"] = data.get("params") or {}
        data["cancel_requested"] = bool(data["cancel_requested"])
        data["archived"] = bool(data["archived"])
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})

    @property
    def counters(self) -> dict[str, int | None]:
        return {name: getattr(self, name) for name in COUNTER_NAMES}

    @property
    def dry_run(self) -> bool:
        """A run that changed nothing, whatever its counters say it would have."""
        return bool(self.params.get("dry_run"))

    @property
    def duration(self) -> dt.timedelta | None:
        if self.started_at is None:
            return None
        end = self.finished_at or self.heartbeat_at or self.started_at
        return end - self.started_at

    @property
    def percent(self) -> float | None:
        if not self.total:
            return 100.0 if self.status.finished and self.status is not RunStatus.FAILED else None
        return min(100.0, 100.0 * self.processed / self.total)

    def progress_text(self) -> str:
        """`450/1000 — 45%`, the seed's wording to the character (no thousands separators); the
        percent is rounded down, so 999 of 1000 never reads 100%."""
        if self.total:
            return f"{self.processed}/{self.total} — {int(self.percent or 0)}%"
        return f"{self.processed}" if self.processed else ""


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def run_to_json(run: RunRecord, workspace_key: str | None, artifacts: list[dict[str, Any]]) -> dict[str, Any]:
    """The shape `jobs show --json` prints; the spec lists these fields."""
    return {
        "id": run.id,
        "type": run.type,
        "module": run.module,
        "workspace": workspace_key,
        "workspace_id": run.workspace_id,
        "status": run.status.value,
        "status_label": run.status.label,
        "run_date": _iso(run.run_date),
        "params": run.params,
        "file_name": run.file_name,
        "initiated_by": run.initiated_by,
        "worker": run.worker,
        "replay_of": run.replay_of,
        "parent_id": run.parent_id,
        "queued_at": _iso(run.queued_at),
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "heartbeat_at": _iso(run.heartbeat_at),
        "duration_seconds": run.duration.total_seconds() if run.duration is not None else None,
        "cancel_requested": run.cancel_requested,
        "error": run.error,
        "errors_count": run.errors_count,
        "counters": run.counters,
        "progress": run.progress_text(),
        "result": run.result,
        "attempts": run.attempts,
        "archived": run.archived,
        "artifacts": artifacts,
    }
