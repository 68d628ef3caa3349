"""Option fields several jobs share, declared once so titles and wording stay the same."""

from __future__ import annotations

from pydantic import Field

from app.engine.jobtype import JobOptions


class DryRunOptions(JobOptions):
    dry_run: bool = Field(False, title="Dry Run", description="Fetch and report what would change without changing anything.")


class ForceOptions(DryRunOptions):
    force: bool = Field(False, title="Force Recompute",
                        description="Bypass the 'already done' checks and re-emit every item in scope.")


class ScopedOptions(ForceOptions):
    employee_id: int | None = Field(None, ge=1, title="Employee ID",
                                    description="Only records owned by this employee.",
                                    json_schema_extra={"x-picker": "employee"})
    org_unit_id: int | None = Field(None, ge=1, title="Org Unit ID",
                                    description="Only records owned by employees of this org unit and every unit below it.",
                                    json_schema_extra={"x-picker": "org_unit"})
