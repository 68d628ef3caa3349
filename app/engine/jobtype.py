"""What a job type is: data (key, title, category, options model) plus one `run` function."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection

if TYPE_CHECKING:
    from app.engine.context import JobContext


class Category(StrEnum):
    OPERATION = "operation"
    SCHEDULED = "scheduled"
    TROUBLESHOOTING = "troubleshooting"


class JobOptions(BaseModel):
    """Base for every job's options: unknown keys are an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid", validate_default=True)


class NoOptions(JobOptions):
    """For jobs that take no parameters."""


# Asked by the scheduler: which workspaces need this job on that day. Each entry is a
# workspace id (or None for a job that is not per workspace) with the reason it is due;
# the second list names the workspaces skipped and why.
DueCheck = Callable[[Connection, dt.date], tuple[Sequence[tuple[int | None, str]], Sequence[tuple[int | None, str]]]]


@dataclass(frozen=True)
class JobType:
    key: str
    title: str
    category: Category
    description: str
    run: Callable[[JobContext, Any], None]
    options: type[JobOptions] = NoOptions
    module: str | None = None  # fixed module; None when the options choose it (`options.module`)
    per_workspace: bool = True  # runs need a workspace
    one_workspace: bool = False  # writes into exactly one: a run for "every workspace" makes no sense
    resumable: bool = False  # an orphaned run is re-queued and resumes from its checkpoint
    due: DueCheck | None = None  # scheduled jobs only
    # Checks of the options against the database before a run is queued (an Employee ID that
    # exists); raises ValueError with the reason, which the caller reports as a usage error.
    check: Callable[[Connection, Any], None] | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)

    def parse_options(self, params: dict[str, Any]) -> JobOptions:
        return self.options.model_validate(params)

    def schema(self) -> dict[str, Any]:
        return self.options.model_json_schema()

    def module_for(self, options: JobOptions) -> str | None:
        return self.module or getattr(options, "module", None)
