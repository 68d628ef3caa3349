"""Notification and digest delivery over a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, insert, select

from app import settings_store
from app.clock import utcnow
from app.db import tables
from app.domain import outbox
from app.engine.status import RunStatus
from jobs import notification_delivery
from jobs.notification_delivery import JOB
from tests.batchjobs.helpers import run_job
from tests.db_checksum import domain_checksums
from tests.pg_server import free_port

RECIPIENTS = ["ops@corp.example", "lead@corp.example"]
TODAY = dt.date.today()


class Inbox:
    """aiosmtpd handler: keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Any]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 OK"

    def to(self, recipient: str) -> list[Any]:
        with self.lock:
            return [m for rcpts, m in self.messages if recipient in rcpts]


@pytest.fixture
def smtp() -> Iterator[tuple[Controller, Inbox]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


def configure(engine: Engine, port: int, recipients: list[str] = RECIPIENTS) -> None:
    with engine.begin() as conn:
        settings_store.put(conn, "smtp.host", "127.0.0.1")
        settings_store.put(conn, "smtp.port", port)
        settings_store.put(conn, "smtp.sender", "batchdesk@corp.example")
        settings_store.put(conn, "digest.recipients", recipients)


def failed_run(engine: Engine, finished: dt.datetime, error: str = "OperationalError: server lost") -> int:
    with engine.begin() as conn:
        return int(conn.execute(insert(tables.job_runs).values(
            type="import", module="leads", run_date=finished.date(), params={}, status="failed", processed=0,
            created=0, updated=0, skipped=0, failed=0, errors_count=0, queued_at=finished, started_at=finished,
            finished_at=finished, updated_at=finished, cancel_requested=False, attempts=1, archived=False, error=error,
        ).returning(tables.job_runs.c.id)).scalar_one())


def yesterday_at(hour: int) -> dt.datetime:
    return dt.datetime.combine(TODAY - dt.timedelta(days=1), dt.time(hour))


def test_one_digest_per_recipient_and_day_after_two_runs(engine: Engine, smtp: tuple[Controller, Inbox]) -> None:
    controller, inbox = smtp
    configure(engine, controller.port)  # type: ignore[attr-defined]
    first_id = failed_run(engine, yesterday_at(9))
    failed_run(engine, yesterday_at(14))
    failed_run(engine, dt.datetime.combine(TODAY, dt.time(0, 1)))  # today's: tomorrow's digest
    with engine.connect() as conn:
        due, skipped = JOB.due(conn, TODAY)  # type: ignore[misc]
    assert due and due[0][0] is None and not skipped

    first = run_job(engine, "notification_delivery", run_date=TODAY)
    assert first.status is RunStatus.COMPLETED, first.error
    second = run_job(engine, "notification_delivery", run_date=TODAY)
    assert second.status is RunStatus.COMPLETED
    assert second.processed == 0 and second.created == 0
    for recipient in RECIPIENTS:
        mails = inbox.to(recipient)
        assert len(mails) == 1, recipient
        assert "2 failed job runs" in mails[0]["Subject"]
        assert f"#{first_id} import" in mails[0].get_payload()
    with engine.connect() as conn:
        assert JOB.due(conn, TODAY)[0] == []  # type: ignore[misc]
        sent = conn.execute(select(tables.notifications.c.sent_at)).scalars().all()
    assert len(sent) == 2 and all(sent)


def test_notifications_are_sent_once_and_a_workspace_run_sends_only_its_own(
    engine: Engine, smtp: tuple[Controller, Inbox],
) -> None:
    controller, inbox = smtp
    configure(engine, controller.port, recipients=[])  # type: ignore[attr-defined]
    with engine.begin() as conn:
        ws = [int(conn.execute(insert(tables.workspaces).values(key=k, name=k, created_at=utcnow())
                               .returning(tables.workspaces.c.id)).scalar_one()) for k in ("a", "b")]
        for i, w in enumerate(ws):
            outbox.enqueue(conn, kind="notification", recipient=f"owner{i}@corp.example", subject=f"Hello {i}",
                           body="You have new leads", workspace_id=w, dedupe_key=f"leads:{w}:{TODAY}")
        assert not outbox.enqueue(conn, kind="notification", recipient="owner0@corp.example", subject="Hello 0",
                                  body="again", workspace_id=ws[0], dedupe_key=f"leads:{ws[0]}:{TODAY}")
    one = run_job(engine, "notification_delivery", workspace=ws[0], run_date=TODAY)
    assert one.created == 1
    assert len(inbox.to("owner0@corp.example")) == 1 and inbox.to("owner1@corp.example") == []
    run_job(engine, "notification_delivery", run_date=TODAY)
    run_job(engine, "notification_delivery", run_date=TODAY)
    assert len(inbox.to("owner0@corp.example")) == 1 and len(inbox.to("owner1@corp.example")) == 1


def test_dry_run_sends_and_changes_nothing(engine: Engine, smtp: tuple[Controller, Inbox]) -> None:
    controller, inbox = smtp
    configure(engine, controller.port)  # type: ignore[attr-defined]
    failed_run(engine, yesterday_at(10))
    before = domain_checksums(engine)
    run = run_job(engine, "notification_delivery", {"dry_run": True}, run_date=TODAY)
    assert run.status is RunStatus.COMPLETED
    assert run.result and run.result["digests_queued"] == 2
    assert domain_checksums(engine) == before
    assert inbox.messages == []


def test_cancel_keeps_what_was_sent(engine: Engine, smtp: tuple[Controller, Inbox],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    controller, inbox = smtp
    configure(engine, controller.port, recipients=[])  # type: ignore[attr-defined]
    monkeypatch.setattr(notification_delivery, "BATCH", 2)
    with engine.begin() as conn:
        for i in range(5):
            outbox.enqueue(conn, kind="notification", recipient=f"n{i}@corp.example", subject="s", body="b")
    run = run_job(engine, "notification_delivery", run_date=TODAY, cancel_after=2)
    assert run.status is RunStatus.STOPPED
    assert len(inbox.messages) == 2
    with engine.connect() as conn:
        assert outbox.count_pending(conn, None) == 3
    rest = run_job(engine, "notification_delivery", run_date=TODAY)
    assert rest.created == 3 and len(inbox.messages) == 5


def test_unreachable_server_keeps_mail_waiting(engine: Engine) -> None:
    configure(engine, free_port())
    failed_run(engine, yesterday_at(10))
    run = run_job(engine, "notification_delivery", run_date=TODAY)
    assert run.status is RunStatus.WARNING
    with engine.connect() as conn:
        assert outbox.count_pending(conn, None) == 2


def test_not_configured_is_skipped_by_the_scheduler(engine: Engine) -> None:
    failed_run(engine, yesterday_at(10))
    with engine.connect() as conn:
        assert JOB.due(conn, TODAY) == ([], [(None, "SMTP is not configured")])  # type: ignore[misc]
