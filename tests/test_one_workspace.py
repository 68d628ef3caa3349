"""Import and Sync write into one workspace. Queued without one (`batchdesk run import ...`),
they take the only workspace there is, or are refused up front with the choices, instead of
a queued run that fails later with 'an import needs a workspace'."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.engine.runs import OptionsError, enqueue, get_run
from app.engine.status import RunStatus
from tests.engine_support import add_workspace
from tests.import_support import lead, run_to_end, write_csv


def test_one_workspace_jobs_take_the_only_one_or_ask(engine, tmp_path: Path):
    main = add_workspace(engine, "main")
    source = write_csv(tmp_path / "leads.csv", [lead(1)])
    run = run_to_end(engine, enqueue(engine, "import", {"module": "leads", "file": str(source)}))
    assert run.workspace_id == main and run.status is RunStatus.COMPLETED and run.created == 1, run.error
    add_workspace(engine, "other")
    for key, params in (("import", {"module": "leads", "file": str(source)}),
                        ("sync", {"source": "folder", "folder": str(tmp_path)})):
        with pytest.raises(OptionsError, match=f"{key} writes into one workspace: name it .*main, other"):
            enqueue(engine, key, params)
    assert get_run(engine, run.id).status is RunStatus.COMPLETED
    assert enqueue(engine, "rescore", {}) > run.id, "jobs that cover every workspace still may"
