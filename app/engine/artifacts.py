"""Files stored in the shared database in 1 MB chunks, so every workstation can download them
and memory never holds a whole file."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Connection, Engine, delete, insert, literal, select, update

from app.clock import utcnow
from app.db import tables

CHUNK = 1024 * 1024
artifacts = tables.artifacts
chunks = tables.artifact_chunks

CONTENT_TYPES = {
    ".csv": "text/csv",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".txt": "text/plain",
    ".json": "application/json",
}


class ArtifactMissing(LookupError):
    pass


def content_type_for(name: str) -> str:
    return CONTENT_TYPES.get(Path(name).suffix.lower(), "application/octet-stream")


def store(
    conn: Connection, run_id: int, kind: str, name: str, source: bytes | BinaryIO | Path,
    *, retention_days: int | None = None, content_type: str | None = None,
) -> int:
    """Write a file into the database in the caller's transaction; returns the artifact id."""
    now = utcnow()
    expires = now + dt.timedelta(days=retention_days) if retention_days is not None else None
    artifact_id = conn.execute(
        insert(artifacts).values(run_id=run_id, kind=kind, name=name, size=0, created_at=now, expires_at=expires,
                                 content_type=content_type or content_type_for(name)).returning(artifacts.c.id)
    ).scalar_one()
    write = _copy_chunks if conn.dialect.name == "postgresql" else _insert_chunks
    size = write(conn, int(artifact_id), _blocks(source))
    conn.execute(update(artifacts).where(artifacts.c.id == artifact_id).values(size=size))
    return int(artifact_id)


def _insert_chunks(conn: Connection, artifact_id: int, blocks: Iterator[bytes]) -> int:
    size = 0
    for seq, block in enumerate(blocks):
        conn.execute(insert(chunks).values(artifact_id=artifact_id, seq=seq, data=block))
        size += len(block)
    return size


def _copy_chunks(conn: Connection, artifact_id: int, blocks: Iterator[bytes]) -> int:
    """PostgreSQL: one `COPY ... FROM STDIN` for all chunks. A chunk goes out without waiting for
    the server's answer to the one before, so a streamed source (an export's own COPY) keeps
    being read while the server stores: an INSERT per chunk held the two in lock step."""
    size = 0
    raw: Any = conn.connection.driver_connection
    with raw.cursor() as cur, cur.copy("COPY artifact_chunks (artifact_id, seq, data) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(["bigint", "integer", "bytea"])
        for seq, block in enumerate(blocks):
            copy.write_row((artifact_id, seq, block))
            size += len(block)
    return size


def _blocks(source: bytes | BinaryIO | Path) -> Iterator[bytes]:
    if isinstance(source, bytes):
        for start in range(0, len(source), CHUNK):
            yield source[start:start + CHUNK]
        return
    if isinstance(source, Path):
        with source.open("rb") as handle:
            yield from _blocks(handle)
        return
    while block := source.read(CHUNK):
        yield block


def read_chunks(engine: Engine, artifact_id: int) -> Iterator[bytes]:
    """Stream an artifact chunk by chunk (one query per chunk keeps memory flat)."""
    with engine.connect() as conn:
        if conn.execute(select(artifacts.c.id).where(artifacts.c.id == artifact_id)).first() is None:
            raise ArtifactMissing(f"no artifact with id {artifact_id}")
        seqs = conn.execute(select(chunks.c.seq).where(chunks.c.artifact_id == artifact_id).order_by(chunks.c.seq)).scalars().all()
        if conn.dialect.name == "postgresql":
            yield from _binary_chunks(conn, artifact_id, seqs)
            return
        for seq in seqs:
            yield conn.execute(
                select(chunks.c.data).where(chunks.c.artifact_id == artifact_id, chunks.c.seq == seq)
            ).scalar_one()


def _binary_chunks(conn: Connection, artifact_id: int, seqs: Sequence[int]) -> Iterator[bytes]:
    """PostgreSQL: the chunks in binary format. In text format every byte travels as two hex
    digits and is decoded again: 0.6-0.7 s for a 109 MB file against 0.2 s (measured)."""
    raw: Any = conn.connection.driver_connection
    with raw.cursor(binary=True) as cur:
        for seq in seqs:
            cur.execute("SELECT data FROM artifact_chunks WHERE artifact_id = %s AND seq = %s", (artifact_id, seq))
            yield bytes(cur.fetchone()[0])


def save_to(engine: Engine, artifact_id: int, path: Path) -> int:
    """Download an artifact to a file; returns bytes written."""
    tmp = path.with_name(path.name + ".part")
    written = 0
    try:
        with tmp.open("wb") as out:
            for block in read_chunks(engine, artifact_id):
                out.write(block)
                written += len(block)
        shutil.move(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)  # a failed write leaves no half file behind
    return written


def find(conn: Connection, run_id: int, kind: str) -> int | None:
    """The newest artifact of a kind for a run."""
    return conn.execute(
        select(artifacts.c.id).where(artifacts.c.run_id == run_id, artifacts.c.kind == kind)
        .order_by(artifacts.c.id.desc()).limit(1)
    ).scalar()


def copy_artifact(conn: Connection, artifact_id: int, to_run: int) -> int:
    src = conn.execute(select(artifacts).where(artifacts.c.id == artifact_id)).one()
    new_id = conn.execute(
        insert(artifacts).values(run_id=to_run, kind=src.kind, name=src.name, size=src.size, created_at=utcnow(),
                                 expires_at=src.expires_at, content_type=src.content_type).returning(artifacts.c.id)
    ).scalar_one()
    conn.execute(
        insert(chunks).from_select(
            ["artifact_id", "seq", "data"],
            select(literal(new_id).label("artifact_id"), chunks.c.seq, chunks.c.data).where(chunks.c.artifact_id == artifact_id),
        )
    )
    return int(new_id)


def delete_artifact(conn: Connection, artifact_id: int) -> None:
    conn.execute(delete(chunks).where(chunks.c.artifact_id == artifact_id))
    conn.execute(delete(artifacts).where(artifacts.c.id == artifact_id))
