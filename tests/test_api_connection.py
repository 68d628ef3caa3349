"""Test Connection's answers: one plain sentence each, whatever psycopg or the URL said."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from app.api.connection import check_connection


@pytest.mark.parametrize(("url", "expected"), [
    ("postgresql://nobody@127.0.0.1:1/none", "Could not connect to the server at 127.0.0.1, port 1 (connection refused)."),
    ("postgresql://nobody@nohost.invalid:5432/none", "Could not find the host nohost.invalid ("),
    ("mysql://x", "Unsupported database 'mysql': use postgresql://… or sqlite:///…"),
])
def test_a_failed_test_is_one_sentence(url: str, expected: str) -> None:
    result = check_connection(url, timeout=2)
    assert not result.ok and result.message.startswith(expected)
    assert result.message.lower().count("fail") == 0 and result.message.endswith((".", "…"))


def test_a_missing_sqlite_file_and_a_wrong_database_name(engine: Engine, tmp_path: Path) -> None:
    missing = check_connection(f"sqlite:///{tmp_path / 'nope.db'}")
    assert missing.message == f"No SQLite file at {tmp_path / 'nope.db'}."
    if engine.dialect.name == "postgresql":
        wrong = engine.url.set(database="no_such_db").render_as_string(hide_password=False)
        result = check_connection(wrong)
        assert not result.ok and result.message.startswith("Could not connect to the server at ")
        assert result.message.endswith('(database "no_such_db" does not exist).')
