"""The Progress text is the seed's to the character: `450/1000 — 45%` (seed 000), in the run's
JSON and the history; no thousands separators, and the percent never rounds up to 100."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from app.db import tables
from app.engine.runs import enqueue, get_run, run_json


@pytest.mark.parametrize(("processed", "total", "text"), [
    (450, 1000, "450/1000 — 45%"),
    (999, 1000, "999/1000 — 99%"),
    (1000, 1000, "1000/1000 — 100%"),
    (1234567, 2000000, "1234567/2000000 — 61%"),
])
def test_progress_reads_like_the_seed(engine, processed: int, total: int, text: str):
    run_id = enqueue(engine, "rescore", {})
    with engine.begin() as conn:
        conn.execute(update(tables.job_runs).where(tables.job_runs.c.id == run_id)
                     .values(status="started", processed=processed, total=total))
    assert get_run(engine, run_id).progress_text() == text
    assert run_json(engine, run_id)["progress"] == text
