"""Texts without a trigram ('zq', 'é', '%', 'a.b'): on PostgreSQL they are searched through
migration 0009's index of one- and two-character grams, and must find exactly what the plain
LIKE finds (LIKE's own characters literal, any case, letters outside ASCII); the console keeps
the plain search for a text most runs hold, and the migration upgrades and downgrades."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import Engine, func, select, text, update

from app.api import history as api
from app.db import tables
from app.db.migrate import alembic_config, current_revision, head_revision, upgrade
from app.engine import history, runs
from app.engine.history import RunFilter
from app.engine.history_text import SEPARATOR, short_grams

BEFORE = "0008_console_text_search"
FUNCTION = "job_runs_short_grams"
# one and two characters, LIKE's own characters and its escape, case, letters outside ASCII
# (one that lowers to two characters), the separator, and longer texts without a trigram
TEXTS = ("zq", "ZQ", "q", "Q", "é", "É", "ß", "ü", "İ", "%", "_", "%b", "a%", "_y", "x_", "\\", "\\_", "1",
         "e", "é-", "-", " ", '"', "5.", "a.b", "1.5", "é-ü", "a%b", "x_y", "y" + SEPARATOR, "y" + SEPARATOR + "{")


@pytest.fixture
def varied(engine: Engine) -> dict[str, int]:
    """Runs whose fields hold the characters above, each run in another field."""
    made = {name: runs.enqueue(engine, "retention_cleanup", {}, file_name=name)
            for name in ("Zq.csv", "ÉCOLE_ß.csv", "a%b.csv", "x_y", "back\\slash_", "v1.5 Ü", "axb 1")}
    made["params"] = runs.enqueue(engine, "rebuild_search_index", {})
    made["error"] = runs.enqueue(engine, "retention_cleanup", {})
    with engine.begin() as conn:  # parameters as a job of another version may have stored them
        conn.execute(update(tables.job_runs).where(tables.job_runs.c.id == made["params"]).values(
            params={"note": "a.b"}))
        conn.execute(update(tables.job_runs).where(tables.job_runs.c.id == made["error"]).values(
            error='Quote " and 5. ZQ, naïve é-ü'))
    return made


def _plain(engine: Engine, text_: str) -> list[int]:
    """The plain search (each field's LIKE), which the grams must not change."""
    return history.run_ids(engine, RunFilter(text=text_), sort="id", descending=False, limit=1000)


def _console(engine: Engine, text_: str) -> tuple[list[int], int]:
    """What the console shows: the page's ids (sorted by id) and the count."""
    flt = RunFilter(text=text_)
    return api.page_ids(engine, api.HistoryQuery(flt, "id", False), 0, 1000), api.count(engine, flt)


def test_short_texts_find_what_the_plain_search_finds(engine: Engine, varied: dict[str, int]) -> None:
    postgres = engine.dialect.name == "postgresql"
    for text_ in TEXTS:
        expected = _plain(engine, text_)
        assert _console(engine, text_) == (expected, len(expected)), repr(text_)
        assert api.uses_grams(engine, RunFilter(text=text_)) == (postgres and short_grams(text_.strip()) is not None), text_
        if postgres and short_grams(text_.strip()) is not None:
            assert _by_grams_index(engine, text_) == expected, repr(text_)


def test_like_characters_and_case_in_short_texts(engine: Engine, varied: dict[str, int]) -> None:
    assert _console(engine, "zq")[0] == [varied["Zq.csv"], varied["error"]], "any case, any field"
    assert _console(engine, "%")[0] == [varied["a%b.csv"]], "a percent sign is not a wildcard"
    assert _console(engine, "e_")[0] == [varied["ÉCOLE_ß.csv"]], "an underscore is not a wildcard"
    assert _console(engine, "_y")[0] == [varied["x_y"]]
    assert _console(engine, "h_")[0] == [varied["back\\slash_"], varied["params"]], "rebuild_search_index"
    assert _console(engine, "\\")[0] == [varied["back\\slash_"]], "the escape character itself"
    assert _console(engine, "a.b")[0] == [varied["params"]]
    assert _console(engine, "ß")[0] == [varied["ÉCOLE_ß.csv"]]
    assert _console(engine, "y" + SEPARATOR + "{")[0] == [], "nothing across two fields"
    if engine.dialect.name == "postgresql":  # SQLite's lower() folds ASCII letters only
        assert _console(engine, "é")[0] == [varied["ÉCOLE_ß.csv"], varied["error"]]


def _by_grams_index(engine: Engine, text_: str) -> list[int]:
    """The search with the table's other ways in closed: the rows come from the grams index."""
    stmt = select(tables.job_runs.c.id).where(RunFilter(text=text_).where(grams=True)).order_by(tables.job_runs.c.id)
    with engine.connect() as conn:
        conn.execute(text("SET enable_seqscan = off"))
        conn.execute(text("SET enable_indexscan = off"))
        compiled = stmt.compile(engine)
        plan = "\n".join(conn.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params).scalars())
        assert api.GRAMS_INDEX in plan, plan
        return [int(i) for i in conn.execute(stmt).scalars()]


def _analyse(engine: Engine) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE job_runs"))


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_rare_short_text_reads_the_index_and_a_common_one_walks(engine: Engine,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    ids = [runs.enqueue(engine, "retention_cleanup", {}, file_name=f"batch-{n}.csv") for n in range(40)]
    rare = runs.enqueue(engine, "retention_cleanup", {}, file_name="zq.csv")
    _analyse(engine)
    monkeypatch.setattr(api, "TRY_WALK_ROWS", 20)  # 41 runs: 'e' (all of them) is common here
    assert api.uses_grams(engine, RunFilter(text="zq")) and not api.uses_grams(engine, RunFilter(text="e"))
    assert api._page_plan(engine, api.HistoryQuery(RunFilter(text="zq"), "started_at")) == api.GATHER
    assert api._page_plan(engine, api.HistoryQuery(RunFilter(text="e"), "started_at")) == api.WALK
    assert api.page_ids(engine, api.HistoryQuery(RunFilter(text="zq")), 0, 100) == [rare]
    assert api.page_ids(engine, api.HistoryQuery(RunFilter(text="e"), "id", False), 0, 100) == [*ids, rare]
    monkeypatch.setattr(api, "GRAMS_GATHER_ROWS", 10)
    estimated = api.estimate(engine, RunFilter(text="e"))
    assert estimated is not None and estimated > 20, "the planner knows the grams' frequencies"
    assert api.estimate(engine, RunFilter(text="zq")) is None, "a rare text's estimate is a guess: not shown"


def test_no_estimate_without_the_grams_statistics(engine: Engine) -> None:
    assert api.estimate(engine, RunFilter(text="zq")) is None, "not analysed (SQLite: never)"


def test_the_migration_downgrades_and_upgrades(db_url: str, engine: Engine, varied: dict[str, int]) -> None:
    postgres = engine.dialect.name == "postgresql"
    assert _objects(engine) == ((1, 1) if postgres else (0, 0))
    command.downgrade(alembic_config(db_url), BEFORE)
    assert current_revision(engine) == BEFORE and _objects(engine) == (0, 0)
    assert _console(engine, "zq") == ([varied["Zq.csv"], varied["error"]], 2), "the search works without the index"
    upgrade(db_url)
    assert current_revision(engine) == head_revision() and _objects(engine) == ((1, 1) if postgres else (0, 0))
    assert _console(engine, "zq") == ([varied["Zq.csv"], varied["error"]], 2)


def _objects(engine: Engine) -> tuple[int, int]:
    """(the grams index, the grams function) found in the database."""
    with engine.connect() as conn:
        if engine.dialect.name != "postgresql":
            found = conn.execute(text("SELECT count(*) FROM sqlite_master WHERE name = :n"), {"n": api.GRAMS_INDEX})
            return int(found.scalar_one()), 0
        index = conn.execute(select(func.count()).select_from(text("pg_indexes")).where(
            text("indexname = :n")), {"n": api.GRAMS_INDEX}).scalar_one()
        function = conn.execute(text("SELECT count(*) FROM pg_proc WHERE proname = :n"), {"n": FUNCTION}).scalar_one()
        return int(index), int(function)
