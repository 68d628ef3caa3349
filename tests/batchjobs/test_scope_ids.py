"""Employee ID / Org Unit ID (seed 003) narrow a troubleshooting run to someone: an ID that
names nobody is refused before a run is queued, instead of a run that touches nothing and
reports `completed`."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from app.db import tables
from app.engine.runs import OptionsError, enqueue
from app.engine.status import RunStatus
from tests.batchjobs.helpers import run_job
from tests.batchjobs.world import build

SCOPED = ("rebuild_rollups", "rebuild_search_index", "recompute_scores")


def _runs(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(tables.job_runs)).scalar_one())


@pytest.mark.parametrize("key", SCOPED)
def test_unknown_scope_ids_are_refused(engine: Engine, key: str) -> None:
    w = build(engine)
    missing = max(w.emp.values()) + 100
    with pytest.raises(OptionsError, match=f"no employee with ID {missing}"):
        enqueue(engine, key, {"employee_id": missing})
    with pytest.raises(OptionsError, match="no org unit with ID 9999"):
        enqueue(engine, key, {"org_unit_id": 9999})
    assert _runs(engine) == 0
    run = run_job(engine, key, {"employee_id": w.emp["sam"], "org_unit_id": w.units["sales"]})
    assert run.status is RunStatus.COMPLETED, run.error
