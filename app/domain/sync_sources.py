"""Where a sync pulls records from, read incrementally from a stored watermark.

Two sources: a table in another SQL database (any SQLAlchemy URL), read in the order of a
change column (`updated_at` by default) after the watermark; and a drop folder of CSV
files, taken in the order of their modification time after the watermark. Both yield
batches of rows (field → raw value) with the watermark that is safe to store once the
batch is committed: rows sharing one change value never straddle a stored watermark, and
a folder's watermark only moves past a file once all of it is in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Connection, MetaData, Table, create_engine, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchTableError, SQLAlchemyError

from app.clock import utcnow
from app.db import tables
from app.db.engine import normalize_url
from app.transfer import mapping as transfer_mapping
from app.transfer.sources import CsvSource
from app.transfer.sources import SourceError as TransferSourceError

state = tables.sync_state


class SourceError(RuntimeError):
    """The source cannot be read; the message says why, in one line."""


@dataclass(frozen=True)
class SourceRow:
    number: int  # the file's spreadsheet row (header = 1), or the position in a database read
    values: dict[str, Any]  # field key → raw value
    raw: dict[str, Any]  # the source's own names, for error details
    error: str | None = None  # the row could not be read at all


@dataclass
class Batch:
    rows: list[SourceRow] = field(default_factory=list)
    watermark: str | None = None  # store this once the batch is committed (None: not yet safe)


def guess_mapping(module: str, names: list[str]) -> dict[str, str]:
    """Field key → source column, guessed the way imports guess (key, label or synonym)."""
    return {field: name for name, field in transfer_mapping.guess_mapping(module, names).items() if field}


def resolve_mapping(module: str, names: list[str], explicit: dict[str, str]) -> dict[str, str]:
    mapping = {**guess_mapping(module, names), **explicit}
    missing = sorted(set(mapping.values()) - set(names))
    if missing:
        raise SourceError(f"the source has no column {', '.join(repr(m) for m in missing)}; it has: {', '.join(names)}")
    if not mapping:
        raise SourceError(f"no column of the source matches a field of {module}; map them with field=column")
    return mapping


# ----------------------------------------------------------------------------- watermarks


def load_watermark(conn: Connection, source_key: str, workspace_id: int, module: str) -> str | None:
    stmt = select(state.c.watermark).where(state.c.source_key == source_key, state.c.workspace_id == workspace_id,
                                          state.c.module == module)
    return conn.execute(stmt).scalar()


def save_watermark(conn: Connection, source_key: str, workspace_id: int, module: str, watermark: str) -> None:
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    now = utcnow()
    stmt = dialect_insert(state).values(source_key=source_key, workspace_id=workspace_id, module=module,
                                        watermark=watermark, updated_at=now)
    conn.execute(stmt.on_conflict_do_update(index_elements=["source_key", "workspace_id", "module"],
                                            set_={"watermark": watermark, "updated_at": now}))


# ----------------------------------------------------------------------------- SQL database

KEYRING_SERVICE = "batchdesk-sync"


def source_password(username: str, host: str) -> str | None:
    """A source database's password lives in the OS keyring (service batchdesk-sync, user
    USER@HOST), never in the run's parameters, which every console can read."""
    import keyring
    from keyring.errors import KeyringError

    try:
        return keyring.get_password(KEYRING_SERVICE, f"{username}@{host}")
    except KeyringError:
        return None


def url_has_password(url: str) -> bool:
    try:
        return make_url(url).password is not None
    except ArgumentError:
        return False


class SqlSource:
    def __init__(self, url: str, table: str, change_column: str, module: str, mapping: dict[str, str]) -> None:
        try:
            parsed = make_url(normalize_url(url))
        except ArgumentError:
            raise SourceError(f"not a database URL: {url!r}") from None
        shown = parsed.render_as_string(hide_password=True)
        if parsed.username and parsed.password is None:
            parsed = parsed.set(password=source_password(parsed.username, parsed.host or ""))
        self.url = parsed.render_as_string(hide_password=False)
        self.table_name, self.change_column, self.module, self.explicit = table, change_column, module, mapping
        self.key = f"db:{shown}#{table}"
        self.description = f"table {table} of {shown}"

    def _open(self) -> tuple[Any, Table, dict[str, str]]:
        try:
            engine = create_engine(self.url)
            source = Table(self.table_name, MetaData(), autoload_with=engine)
        except NoSuchTableError:
            raise SourceError(f"the source database has no table {self.table_name!r}") from None
        except SQLAlchemyError as exc:
            raise SourceError(f"cannot read the source database: {str(exc).splitlines()[0]}") from None
        names = [c.name for c in source.c]
        if self.change_column not in names:
            raise SourceError(f"table {self.table_name} has no change column {self.change_column!r}")
        return engine, source, resolve_mapping(self.module, names, self.explicit)

    def _bounds(self, source: Table, after: str | None, until: dt.datetime):  # type: ignore[no-untyped-def]
        column = source.c[self.change_column]
        is_time = column.type.python_type in (dt.datetime, dt.date)
        conds: list[ColumnElement[bool]] = [column.is_not(None)]
        if after is not None:
            conds.append(column > (dt.datetime.fromisoformat(after) if is_time else _typed(column, after)))
        if is_time:
            conds.append(column < until)
        return column, conds

    def count(self, after: str | None, until: dt.datetime) -> int:
        engine, source, _ = self._open()
        try:
            _, conds = self._bounds(source, after, until)
            with engine.connect() as conn:
                return int(conn.execute(select(func.count()).select_from(source).where(*conds)).scalar_one())
        finally:
            engine.dispose()

    def batches(self, after: str | None, until: dt.datetime, size: int) -> Iterator[Batch]:
        engine, source, mapping = self._open()
        column, conds = self._bounds(source, after, until)
        stmt = select(source).where(*conds).order_by(column)  # whole rows: errors show the source's data
        try:
            with engine.connect() as conn:
                batch, last = Batch(), None
                for number, row in enumerate(conn.execution_options(yield_per=size).execute(stmt), start=1):
                    data = dict(row._mapping)
                    mark = data[self.change_column]
                    if len(batch.rows) >= size and mark != last:
                        batch.watermark = _mark(last)
                        yield batch
                        batch = Batch()
                    batch.rows.append(SourceRow(number, {f: data[c] for f, c in mapping.items()},
                                                {k: _jsonable(v) for k, v in data.items()}))
                    last = mark
                if batch.rows:
                    batch.watermark = _mark(last)
                    yield batch
        except SQLAlchemyError as exc:
            raise SourceError(f"reading the source failed: {str(exc).splitlines()[0]}") from None
        finally:
            engine.dispose()


def _typed(column: Any, value: str) -> Any:
    try:
        return column.type.python_type(value)
    except (NotImplementedError, ValueError, TypeError):
        return value


def _mark(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _jsonable(value: Any) -> Any:
    return value if value is None or isinstance(value, str | int | float | bool) else str(value)


# ----------------------------------------------------------------------------- CSV drop folder


class FolderSource:
    def __init__(self, folder: str, module: str, mapping: dict[str, str]) -> None:
        self.path = Path(folder).expanduser().resolve()
        self.module, self.explicit = module, mapping
        self.key = f"folder:{self.path}"
        self.description = f"CSV files in {self.path}"

    def files(self, after: str | None, until: dt.datetime) -> list[tuple[int, Path]]:
        """CSV files changed after the watermark and before `until`, oldest first."""
        if not self.path.is_dir():
            raise SourceError(f"the drop folder {self.path} does not exist")
        done = (int(after.split("|", 1)[0]), after.split("|", 1)[1]) if after else (-1, "")
        limit = int((until - dt.datetime(1970, 1, 1)).total_seconds() * 1e9)
        found = [(p.stat().st_mtime_ns, p) for p in self.path.iterdir() if p.is_file() and p.suffix.lower() == ".csv"]
        return sorted((m, p) for m, p in found if (m, p.name) > done and m < limit)

    def count(self, after: str | None, until: dt.datetime) -> int:
        total = 0
        for _, path in self.files(after, until):
            source = _open_csv(path)
            try:
                total += sum(1 for _ in source.records())
            finally:
                source.close()
        return total

    def batches(self, after: str | None, until: dt.datetime, size: int) -> Iterator[Batch]:
        """Each file read the way imports read CSV (encoding and delimiter detected)."""
        for mtime, path in self.files(after, until):
            source = _open_csv(path)
            headers = source.info.headers
            mapping = resolve_mapping(self.module, headers, self.explicit)
            position = {field: headers.index(column) for field, column in mapping.items()}
            batch = Batch()
            try:
                for number, cells, error in source.records():
                    if len(batch.rows) >= size:
                        yield batch
                        batch = Batch()
                    raw = {"file": path.name, **dict(zip(headers, cells, strict=False))}
                    values = {f: cells[i] if i < len(cells) else None for f, i in position.items()}
                    batch.rows.append(SourceRow(number, values, raw, error))
            finally:
                source.close()
            batch.watermark = f"{mtime}|{path.name}"
            yield batch


def _open_csv(path: Path) -> CsvSource:
    try:
        return CsvSource(path)
    except TransferSourceError as exc:
        raise SourceError(str(exc)) from None

