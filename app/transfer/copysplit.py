"""A big CSV export as two `COPY ... TO STDOUT`, the two halves of the rows side by side.

The server formats a COPY's rows on one backend process, one core; with the formula guard
that is the export's bottleneck (1.3-1.4 s for a million leads, against 1.0-1.1 s for the
same rows unguarded). Split at the middle id, the two halves are formatted on two backends
at once: 0.8 s for both (measured here, 2 cores). The second half runs on a connection of
its own that imports the first one's snapshot (`pg_export_snapshot`), so both see exactly
the rows the export counted. Its rows are drained by a thread into a spool file (memory
stays flat) and follow the first half's, so the file is in id order as before.
"""

from __future__ import annotations

import io
import tempfile
import threading
from collections.abc import Callable
from typing import Any, cast

from psycopg import IsolationLevel, sql
from sqlalchemy import Connection

from app.transfer.copyout import CopyStream

SPOOL_IN_MEMORY = 8 * 1024 * 1024  # bytes of the second half kept in memory before the spool goes to disk


class SplitCopy(io.RawIOBase):
    """The first half's stream, then the second half's rows as spooled by its thread."""

    def __init__(self, conn: Connection, first: bytes, second: bytes, head: bytes,
                 progress: Callable[[int], None]) -> None:
        super().__init__()
        self.progress = progress
        snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
        self.other: Any = conn.engine.raw_connection()
        self.driver: Any = cast(Any, self.other.driver_connection)  # psycopg's Connection
        self.other.detach()  # its own session settings: closed, never back in the pool
        self.spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 (closed by close())
        self.second_rows = self.reported = 0
        self.error: BaseException | None = None
        self.size = 0
        self.ended = self.rewound = False
        self.thread = threading.Thread(target=self._drain, name="export-second-half", daemon=True)
        try:
            self.driver.isolation_level, self.driver.read_only = IsolationLevel.REPEATABLE_READ, True
            self.driver.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
            self.later = CopyStream(self.driver.pgconn, second, b"", self._count)
            self.thread.start()
            mine: Any = conn.connection.driver_connection
            self.stream = CopyStream(mine.pgconn, first, head, progress)
        except BaseException:
            self.stop_second_half()
            self.close()
            raise

    def _count(self, rows: int) -> None:
        self.second_rows += rows  # (only this thread writes it)

    def _drain(self) -> None:
        try:
            while block := self.later.read(1 << 20):
                self.spool.write(block)
        except BaseException as exc:  # raised in the reader's thread when it gets there
            self.error = exc

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if self.ended:
            return b""
        block = b"" if self.stream.ended else self.stream.read(size)
        if not block:
            block = self._from_spool(size)
        self._report_second_half()
        self.size += len(block)
        return block

    def _report_second_half(self) -> None:
        rows, self.reported = self.second_rows - self.reported, self.second_rows
        if rows:
            self.progress(rows)

    def _from_spool(self, size: int | None) -> bytes:
        if not self.rewound:  # the first half is done: the second's rows follow
            self.thread.join()
            if self.error is not None:
                raise self.error
            self.spool.seek(0)
            self.rewound = True
        block = self.spool.read(size if size is not None and size >= 0 else -1)
        if not block:
            self.ended = True
        return block

    def stop_second_half(self) -> None:
        """Stopped half-way (cancel, an error): the second COPY is cancelled and read to its end."""
        if self.thread.is_alive():
            self.driver.cancel_safe()
            self.thread.join()

    def close(self) -> None:
        self.spool.close()
        self.other.close()
        super().close()
