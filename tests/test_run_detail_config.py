"""The Configuration tab's data: an import queued without a mapping (the command line's
way) shows the mapping its job resolved from the headers, not '(none)'."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from app.api import run_detail
from app.transfer.api import enqueue_import
from tests.engine_support import add_workspace
from tests.import_support import lead, run_to_end, write_csv


def test_an_import_without_a_mapping_shows_the_one_it_resolved(engine: Engine, tmp_path: Path) -> None:
    add_workspace(engine, "main")
    path = write_csv(tmp_path / "leads.csv", [lead(1)])
    run_id = enqueue_import(engine, path, "leads", workspace="main")
    queued = run_detail.configuration(run_detail.load(engine, run_id))
    assert queued["Mapping"] == {}  # not resolved yet: the tab says (none)
    run = run_to_end(engine, run_id)
    assert run.params.get("mapping") in (None, {}) and run.result
    config = run_detail.configuration(run_detail.load(engine, run_id))
    assert config["Mapping"] == run.result["mapping"]
    assert config["Mapping"]["Email"] == "email" and config["Mapping"]["Last Name"] == "last_name"
    assert "mapping" not in config["Result"]  # shown once, under Mapping
