"""The history's text search: each searched field is found, nothing across two fields, LIKE's
own characters are literal; on PostgreSQL the planner can use migration 0008's trigram index,
and the migration upgrades, downgrades and survives a role that may not create pg_trgm (nor
migration 0009's function)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, Select, func, literal, select, text, update

from app.api import history as api
from app.db import tables
from app.db.engine import make_engine
from app.db.migrate import alembic_config, current_revision, head_revision, upgrade
from app.engine import history, runs
from app.engine.history import RunFilter
from app.engine.history_text import SEPARATOR, text_condition

BEFORE = "0007_console_type_file_sort"
INDEX = "ix_job_runs_search_trgm"


def _found(engine: Engine, text_: str) -> list[int]:
    ids = history.run_ids(engine, RunFilter(text=text_), sort="id", descending=False)
    assert history.count_runs(engine, RunFilter(text=text_)) == len(ids), text_
    return ids


@pytest.fixture
def two_runs(engine: Engine) -> tuple[int, int]:
    """A failed import and a clean-up; their fields end and start so that a search joining
    them without a boundary would find texts that no single field holds."""
    first = runs.enqueue(engine, "rebuild_search_index", {}, file_name="Leads_March.CSV")
    second = runs.enqueue(engine, "retention_cleanup", {"dry_run": True}, file_name="a_b 100%.csv")
    with engine.begin() as conn:  # parameters as a job of another version may have stored them
        conn.execute(update(tables.job_runs).where(tables.job_runs.c.id == first).values(
            error="Disk FULL on /var", params={"modules": ["Accounts"], "Source": "Drop-Folder"}))
    return first, second


def test_the_search_finds_each_field_in_any_case(engine: Engine, two_runs: tuple[int, int]) -> None:
    first, second = two_runs
    assert _found(engine, "leads_march") == [first], "file name"
    assert _found(engine, "DROP-folder") == [first], "parameters (as JSON text)"
    assert _found(engine, '"modules": ["accounts"]') == [first], "parameters, JSON punctuation included"
    assert _found(engine, "Search_Index") == [first], "type"
    assert _found(engine, "disk full") == [first], "error"
    assert _found(engine, "  retention ") == [second], "the text is trimmed"
    assert _found(engine, "csv") == [first, second]
    assert _found(engine, "nowhere-to-be-found") == []


def test_nothing_is_found_across_a_field_boundary(engine: Engine, two_runs: tuple[int, int]) -> None:
    # file name | parameters | type | error, each pair joined with nothing, a wildcard or the separator
    for joint in ("", "_", "%", SEPARATOR):
        for across in (f"csv{joint}{{", f"}}{joint}rebuild", f"index{joint}disk", f"march.csv{joint}{{\"mod"):
            assert _found(engine, across) == [], repr(across)


def test_like_characters_are_taken_literally(engine: Engine, two_runs: tuple[int, int]) -> None:
    first, second = two_runs
    other = runs.enqueue(engine, "retention_cleanup", {}, file_name="axb 1000.csv")
    assert _found(engine, "a_b") == [second]
    assert _found(engine, "100%") == [second]
    assert _found(engine, "100") == [second, other]
    assert _found(engine, "marc_") == [], "an underscore is not a wildcard"
    assert _found(engine, "leads%march") == [], "nor a percent sign"


def test_short_texts_and_ids(engine: Engine, two_runs: tuple[int, int]) -> None:
    first, second = two_runs
    assert _found(engine, "a_") == [second], "under three characters: no trigram, still found"
    assert _found(engine, "FU") == [first]
    assert _found(engine, str(second)) == sorted({second} | set(_ids_containing(engine, str(second))))
    assert first not in _found(engine, "0" + str(first)), "an id is exact"
    assert _found(engine, str(2**70)) == [], "a number beyond any id is only text"


def _ids_containing(engine: Engine, fragment: str) -> list[int]:
    with engine.connect() as conn:
        rows = conn.execute(select(tables.job_runs)).all()
    return [r.id for r in rows if any(fragment in str(v).lower() for v in (r.file_name, r.params, r.type, r.error))]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_the_planner_can_use_the_trigram_index(engine: Engine, two_runs: tuple[int, int]) -> None:
    """Only a query whose expression is the index's own can use it: a drift between the filter
    (app/engine/history_text.py) and migration 0008 would leave every search reading the table."""
    assert _plan(engine, "drop-folder").count(INDEX) == 1
    assert _plan(engine, "100").count(INDEX) == 1, "with the id's arm (an OR of two indexes)"
    assert INDEX not in _plan(engine, "fu"), "a text without a trigram reads the table, not the whole index"


def _plan(engine: Engine, text_: str) -> str:
    with engine.connect() as conn:
        conn.execute(text("SET enable_seqscan = off"))  # a table this small is read whole otherwise
        stmt = select(func.count()).select_from(tables.job_runs).where(text_condition(text_))
        compiled = stmt.compile(engine, compile_kwargs={"literal_binds": True})
        return "\n".join(conn.execute(text("EXPLAIN " + str(compiled).replace("%", "%%"))).scalars())


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_rare_text_is_gathered_first_and_a_common_one_walks_the_sort(engine: Engine) -> None:
    ids = [runs.enqueue(engine, "retention_cleanup", {}, file_name=f"batch-{n}.csv") for n in range(30)]
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE job_runs"))
    rare = api.HistoryQuery(RunFilter(text="batch-17.csv"), "started_at")
    assert api._page_plan(engine, rare) == api.GATHER
    assert api.page_ids(engine, rare, 0, 100) == [ids[17]]
    no_trigram = api.HistoryQuery(RunFilter(text="fu"), "started_at")
    assert api._page_plan(engine, no_trigram) == api.GATHER, "no trigram: rare by migration 0009's grams"


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_walk_over_its_time_budget_gives_way_to_the_gathering_query(engine: Engine,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "WALK_BUDGET_MS", 50)

    def build(gather: bool, prefix: Any = None) -> Select[Any]:  # the walk sleeps past the budget
        return select(literal(7)) if gather else select(literal(5)).where(func.pg_sleep(0.5).is_not(None))
    assert api._run_ids(engine, build, api.TRY_WALK) == [7]
    assert api._run_ids(engine, lambda gather, prefix=None: select(literal(7 if gather else 5)), api.TRY_WALK) == [5]
    with engine.connect() as conn:  # the budget was the transaction's only
        assert conn.execute(text("SHOW statement_timeout")).scalar() == "0"


def test_the_migration_downgrades_and_upgrades(db_url: str, engine: Engine, two_runs: tuple[int, int]) -> None:
    postgres = engine.dialect.name == "postgresql"
    assert _has_index(engine) == postgres
    command.downgrade(alembic_config(db_url), BEFORE)
    assert current_revision(engine) == BEFORE and not _has_index(engine)
    assert _found(engine, "drop-folder") == [two_runs[0]], "the search works without the index"
    upgrade(db_url)
    assert current_revision(engine) == head_revision() and _has_index(engine) == postgres
    assert _found(engine, "drop-folder") == [two_runs[0]]


def _has_index(engine: Engine) -> bool:
    if engine.dialect.name != "postgresql":
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM sqlite_master WHERE name = :n"), {"n": INDEX}).scalar() == 1
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM pg_indexes WHERE indexname = :n"), {"n": INDEX}).scalar() == 1


@pytest.fixture
def limited_role(db_url: str, engine: Engine) -> Iterator[str]:
    """A role that owns job_runs but may not create extensions in the database (no CREATE right
    on it): a team's PostgreSQL where the console's user is not the database's owner."""
    role = f"bd_limited_{db_url.rsplit('/', 1)[1]}"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
        conn.execute(text(f"ALTER TABLE job_runs OWNER TO {role}"))
        conn.execute(text(f"GRANT ALL ON alembic_version TO {role}"))
    try:
        yield db_url.replace("://postgres@", f"://{role}@")
    finally:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f"REASSIGN OWNED BY {role} TO postgres"))
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_the_upgrade_succeeds_where_pg_trgm_cannot_be_created(db_url: str, engine: Engine, limited_role: str,
                                                               two_runs: tuple[int, int]) -> None:
    command.downgrade(alembic_config(db_url), BEFORE)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("DROP EXTENSION pg_trgm"))
    upgrade(limited_role)
    assert current_revision(engine) == head_revision() and not _has_index(engine)
    with engine.connect() as conn:  # nor could the role create migration 0009's function (no CREATE on the schema)
        assert conn.execute(text("SELECT to_regclass('ix_job_runs_search_grams')")).scalar() is None
    limited = make_engine(limited_role)
    try:
        assert _found(limited, "drop-folder") == [two_runs[0]], "the search stays correct, unindexed"
        assert not api.uses_grams(limited, RunFilter(text="fu"))
        assert api.page_ids(limited, api.HistoryQuery(RunFilter(text="fu")), 0, 10) == [two_runs[0]]
        assert api.count(limited, RunFilter(text="fu")) == 1
    finally:
        limited.dispose()
