"""The Batch Jobs page while a filter is searched: the count label while the count is on its
way (the database's estimate on PostgreSQL, "about N runs"; "Searching…" when nothing is known
yet; then the exact count), held back by the test so each state is seen for sure; and a new
search cancels the one still reading."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from app.api import history as api
from app.api.cancel import Cancellable
from app.engine import history, runs
from app.engine.history import RunFilter
from tests.console.helpers import wait_loaded
from ui import format as fmt

MATCHES = 150  # more than a page (100): the first page alone cannot be the count


@pytest.fixture
def held_count(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Counts of a text search wait until the test sets the event (at most 20 s)."""
    gate = threading.Event()
    count = api.count

    def held(engine: Engine, flt: RunFilter, cancel: Cancellable | None = None) -> int:
        if flt.text:
            gate.wait(20)
        return count(engine, flt, cancel)

    monkeypatch.setattr(api, "count", held)
    yield gate
    gate.set()  # never leave the counts thread waiting


def test_the_count_reads_about_n_until_the_exact_count_arrives(make_window, console_engine, qtbot,
                                                                held_count: threading.Event) -> None:
    for n in range(MATCHES):
        runs.enqueue(console_engine, "retention_cleanup", {}, file_name=f"estimated-{n}.csv")
    if console_engine.dialect.name == "postgresql":  # as autovacuum would: the searched expression's statistics
        with console_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE job_runs")
    flt = RunFilter(text="estimated-")
    postgres = console_engine.dialect.name == "postgresql"
    window = make_window()
    page = window.show_page("batch_jobs")
    wait_loaded(qtbot, page)
    estimates: list[int] = []
    page.model.count_estimated.connect(estimates.append)

    if postgres:
        with qtbot.waitSignal(page.model.count_estimated, timeout=10000):
            page.filters.text.setText("estimated-")
        shown = api.estimate(console_engine, flt)
        assert shown is not None and estimates == [shown]
        assert page.count_label.text() == f"{fmt.about(shown)} runs"
        assert page.count_label.text().startswith("about ") and "estimate" in page.count_label.toolTip()
    else:  # no estimate: the label says the history is being searched, then counted
        assert api.estimate(console_engine, flt) is None
        page.filters.text.setText("estimated-")
        qtbot.waitUntil(lambda: page.model.query.filter == flt and page.model.rowCount() > 0, timeout=10000)
        qtbot.waitUntil(lambda: page.count_label.text() == "Counting…", timeout=10000)
    assert page.model.total is None, "the exact count was held back"

    with qtbot.waitSignal(page.model.count_changed, timeout=10000) as arrived:
        held_count.set()
    assert arrived.args == [MATCHES] == [history.count_runs(console_engine, flt)]
    assert page.count_label.text() == f"{MATCHES} runs" and page.count_label.toolTip() == ""
    assert len(estimates) == (1 if postgres else 0)


def test_a_search_that_finds_nothing_yet_says_it_is_searching(make_window, console_engine, qtbot,
                                                              held_count: threading.Event,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A short text that few runs match reads every run (no trigram: 0.7 s at 1M runs): the
    table and the label say so instead of showing the last filter's count over an empty table."""
    page_arrived = threading.Event()
    fetch_page = api.fetch_page

    def held_page(engine, query, offset, limit, total=None, cancel=None):  # type: ignore[no-untyped-def]
        if query.filter.text:
            page_arrived.wait(20)
        return fetch_page(engine, query, offset, limit, total, cancel)

    monkeypatch.setattr(api, "fetch_page", held_page)
    window = make_window()
    page = window.show_page("batch_jobs")
    wait_loaded(qtbot, page)
    before = page.count_label.text()
    page.filters.text.setText("zq")
    qtbot.waitUntil(lambda: page.count_label.text() == "Searching…", timeout=10000)
    assert before.endswith(" runs") and page.empty.isVisible() and page.empty.text() == "Searching…"
    assert page.model.rowCount() == 0

    with qtbot.waitSignal(page.model.count_changed, timeout=10000):
        page_arrived.set()
        held_count.set()
    qtbot.waitUntil(lambda: page.count_label.text() == "0 runs")
    assert page.empty.text().startswith("No runs match")


LONG = {  # a statement that runs for half a minute unless it is stopped
    "postgresql": "SELECT pg_sleep(30)",
    "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 120000000) SELECT count(*) FROM c",  # ~30 s
}


def test_a_new_search_cancels_the_one_still_reading(make_window, console_engine, qtbot,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages are read one at a time: a search still reading every run (0.7 s at 1M runs) would
    hold the next one back. The next filter cancels it on the server."""
    started = threading.Event()
    stopped: list[Exception] = []
    fetch_page = api.fetch_page

    def slow_page(engine, query, offset, limit, total=None, cancel=None):  # type: ignore[no-untyped-def]
        if query.filter.text != "slow":
            return fetch_page(engine, query, offset, limit, total, cancel)
        started.set()
        try:
            with cancel.connect(engine) as conn:
                conn.exec_driver_sql(LONG[engine.dialect.name]).all()
        except Exception as exc:
            stopped.append(exc)
            raise
        raise AssertionError("the long statement ended on its own")

    monkeypatch.setattr(api, "fetch_page", slow_page)
    window = make_window()
    page = window.show_page("batch_jobs")
    wait_loaded(qtbot, page)
    errors: list[str] = []
    page.model.error.connect(errors.append)
    page.filters.text.setText("slow")
    qtbot.waitUntil(started.is_set, timeout=10000)

    page.filters.text.setText("_fair.")
    expected = history.count_runs(console_engine, RunFilter(text="_fair."))
    qtbot.waitUntil(lambda: page.model.query.filter.text == "_fair." and page.model.total == expected
                    and page.model.id_at(0) is not None, timeout=10000)
    assert expected > 0 and len(stopped) == 1
    assert any(word in str(stopped[0]).lower() for word in ("cancel", "interrupt")), stopped[0]
    assert errors == [], "a cancelled search is no error"
