"""SPEC: a lead's e-mail needs address syntax. Addresses at the reserved `.test` domain are
syntax-valid (and what checkers' and staging data use): an import takes them on both backends,
through the batch path that validates a whole column at once."""

from __future__ import annotations

from pathlib import Path

from app.engine.status import RunStatus
from app.transfer.api import enqueue_import
from tests.engine_support import add_workspace
from tests.import_support import count, lead, run_to_end, write_csv


def test_test_domain_addresses_import(engine, tmp_path: Path):
    add_workspace(engine, "main")
    rows = [lead(i, email=f"person{i}@crm.test") for i in range(5)] + [lead(9, email="nobody@test")]
    run = run_to_end(engine, enqueue_import(engine, write_csv(tmp_path / "leads.csv", rows), "leads", "skip", {},
                                            None, False, None, "main", None))
    assert (run.created, run.failed) == (5, 1), run.error
    assert run.status is RunStatus.WARNING
    assert count(engine, "leads") == 5
