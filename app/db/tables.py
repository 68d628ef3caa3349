"""The schema's tables as typed `Table` objects, for Core queries (the data layer's way in)."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table

from app.db import models as m


def _t(model: type[m.Base]) -> Table:
    return cast(Table, model.__table__)


workspaces = _t(m.Workspace)
org_units = _t(m.OrgUnit)
employees = _t(m.Employee)
accounts = _t(m.Account)
contacts = _t(m.Contact)
leads = _t(m.Lead)
scoring_rules = _t(m.ScoringRule)
account_rollups = _t(m.AccountRollup)
notifications = _t(m.Notification)
sync_state = _t(m.SyncState)
job_runs = _t(m.JobRun)
job_logs = _t(m.JobLog)
job_row_errors = _t(m.JobRowError)
artifacts = _t(m.Artifact)
artifact_chunks = _t(m.ArtifactChunk)
mapping_templates = _t(m.MappingTemplate)
settings = _t(m.Setting)
schedule_decisions = _t(m.ScheduleDecision)
