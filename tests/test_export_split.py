"""PostgreSQL: a big CSV export goes as two COPYs side by side (app/transfer/copysplit.py).
The file must be byte for byte the one a single COPY writes, in id order, counted right; a
stop half-way leaves both connections clean and no thread behind."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select

from app.clock import utcnow
from app.db import tables
from app.engine.status import RunStatus
from app.transfer import copysplit, export
from app.transfer.api import enqueue_export
from tests.engine_support import add_workspace
from tests.import_support import run_to_end, saved_artifact
from tests.test_export_job import DANGEROUS

pytestmark = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)  # the COPY path is PostgreSQL's


def _leads(engine: Engine, count: int) -> None:
    ws = add_workspace(engine, "main")
    other = add_workspace(engine, "other")
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(insert(tables.leads), [
            dict(workspace_id=other if i % 5 == 0 else ws, first_name=DANGEROUS[i % len(DANGEROUS)],
                 last_name=f"Last,\"{i}\"\nx", email=f"lead{i}@firm.example.com", status="new" if i % 2 else "contacted",
                 score=i, created_at=now, updated_at=now) for i in range(count)])


def _export(engine: Engine, tmp_path: Path, name: str, where: list[str]) -> tuple[bytes, int | None]:
    run = run_to_end(engine, enqueue_export(engine, "leads", "csv", where, [], "main"))
    assert run.status is RunStatus.COMPLETED, run.error
    assert run.result is not None
    data = saved_artifact(engine, "export", run.id, tmp_path / name).read_bytes()
    assert run.result["file_size"] == len(data)
    return data, run.result["records"]


@pytest.mark.parametrize("where", [[], ["status=new"]])
def test_two_halves_write_the_file_one_copy_writes(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   where: list[str]) -> None:
    _leads(engine, 3_000)
    monkeypatch.setattr(copysplit, "SPOOL_IN_MEMORY", 1_000)  # the second half's spool goes to disk
    whole, records = _export(engine, tmp_path, "one.csv", where)
    halves: list[copysplit.SplitCopy] = []
    original = copysplit.SplitCopy.__init__

    def recording(self: copysplit.SplitCopy, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        halves.append(self)

    monkeypatch.setattr(export, "SPLIT_ROWS", 1)
    monkeypatch.setattr(copysplit.SplitCopy, "__init__", recording)
    split, split_records = _export(engine, tmp_path, "two.csv", where)
    assert len(halves) == 1 and halves[0].second_rows > 0, "the export did go as two halves"
    assert split == whole and split_records == records
    assert records == (2_400 if not where else 1_200)  # the other workspace's fifth is not exported


def test_a_split_copy_stopped_half_way_cleans_up(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    _leads(engine, 3_000)
    monkeypatch.setattr(export, "SPLIT_ROWS", 1)

    class Stop(Exception):
        pass

    seen: list[int] = []

    def stop_in_the_second_half(rows: int) -> None:
        seen.append(rows)
        if sum(seen) > 1_500:
            raise Stop

    columns = export.choose_columns("leads", ["email"])
    with engine.connect() as conn:
        with conn.begin(), pytest.raises(Stop), export.copy_csv(conn, "leads", columns, [], None, stop_in_the_second_half,
                                                               total=3_000) as stream:
            assert isinstance(stream, copysplit.SplitCopy)
            while stream.read(4096):
                pass
        assert not stream.thread.is_alive() and stream.stream.ended
        assert stream.driver.closed, "the second connection is closed, not back in the pool"
        assert conn.execute(select(tables.leads.c.email).order_by(tables.leads.c.id).limit(1)).scalar() == \
            "lead0@firm.example.com"
    assert not [t for t in threading.enumerate() if t.name == "export-second-half"]
