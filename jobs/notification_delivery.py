"""Scheduled: deliver the notifications outbox by SMTP, adding the day's failure digest.

One run covers every workspace: the digest reports failed runs of all of them, and each
recipient gets it once per day (its dedupe key), however often the job runs. Each message
is claimed, sent and marked sent in turn, so a cancel keeps what was delivered.
"""

from __future__ import annotations

import datetime as dt
import smtplib

from sqlalchemy import Connection

from app.clock import utcnow
from app.db.engine import write_transaction
from app.domain import digest, outbox
from app.domain.mailer import Mailer, MailNotConfigured, SmtpConfig, digest_recipients
from app.engine.context import JobContext
from app.engine.jobtype import Category, JobType
from jobs._options import DryRunOptions

BATCH = 100


class Options(DryRunOptions):
    pass


def _queue_digest(ctx: JobContext) -> None:
    with ctx.engine.connect() as conn:
        recipients = digest_recipients(conn)
        found = digest.failures(conn, ctx.run_date)
        missing = digest.missing_recipients(conn, ctx.run_date, recipients)
    start, _ = digest.window(ctx.run_date)
    if not recipients:
        ctx.log("No digest recipients are set (Settings → Digest recipients); no failure digest")
        return
    ctx.log(f"{len(found)} runs failed on {start.date().isoformat()}; "
            f"{len(recipients) - len(missing)} of {len(recipients)} recipients already have that day's digest")
    if not found or not missing:
        return
    if ctx.dry_run:
        ctx.log(f"A digest would be queued for {', '.join(missing)}")
        ctx.result["digests_queued"] = len(missing)
        return
    with write_transaction(ctx.engine) as conn:
        ctx.result["digests_queued"] = digest.queue(conn, ctx.run_date, missing, found)


def _deliver(ctx: JobContext) -> None:
    """Everything waiting goes out, whatever the run date: a catch-up run must not hold mail back."""
    with ctx.engine.connect() as conn:
        config = SmtpConfig.load(conn)
        waiting = outbox.count_pending(conn, ctx.workspace_id)
    ctx.total(waiting)
    ctx.log(f"{waiting} messages waiting in the outbox")
    if not waiting or ctx.dry_run:
        ctx.count(processed=waiting if ctx.dry_run else 0)
        return
    try:
        mailer = Mailer(config)
    except (MailNotConfigured, OSError, smtplib.SMTPException) as exc:
        ctx.log(f"Nothing sent: {exc}; the messages stay in the outbox", "warning")
        return
    sent = 0
    with mailer:
        while True:
            ctx.check_stop()
            with ctx.engine.connect() as conn:
                messages = outbox.pending(conn, ctx.workspace_id, limit=BATCH)
            if not messages:
                break
            for message in messages:
                with write_transaction(ctx.engine) as conn:
                    if not outbox.claim(conn, message):
                        continue  # another run sent it
                try:
                    mailer.send(message.recipient, message.subject, message.body)
                except (OSError, smtplib.SMTPException) as exc:
                    with write_transaction(ctx.engine) as conn:
                        outbox.mark_failed(conn, message.id, str(exc))
                    ctx.row_error(None, f"{message.recipient}: {exc}", field="recipient", raw={"id": message.id})
                    ctx.count(processed=1, failed=1)
                    continue
                with write_transaction(ctx.engine) as conn:
                    outbox.mark_sent(conn, message.id, utcnow())
                sent += 1
                ctx.count(processed=1, created=1)
    ctx.result["sent"] = sent
    ctx.log(f"{sent} messages sent via {config.host}:{config.port}")


def run(ctx: JobContext, options: Options) -> None:
    if ctx.workspace_id is None:
        _queue_digest(ctx)
    else:
        ctx.log("Run for one workspace: only its notifications; the failure digest covers all and is left out")
    _deliver(ctx)
    if ctx.dry_run:
        ctx.log("Dry run: nothing was queued or sent")


def due(conn: Connection, run_date: dt.date):  # type: ignore[no-untyped-def]
    """Due when SMTP is set up and mail waits in the outbox or a digest is owed for the day."""
    if not SmtpConfig.load(conn).configured:
        return [], [(None, "SMTP is not configured")]
    waiting = outbox.count_pending(conn, None)
    owed = bool(digest.failures(conn, run_date)) and bool(digest.missing_recipients(conn, run_date, digest_recipients(conn)))
    if waiting or owed:
        return [(None, f"{waiting} messages waiting" + (", failure digest owed" if owed else ""))], []
    return [], [(None, "nothing to deliver")]


JOB = JobType(
    key="notification_delivery",
    title="Notification and digest delivery",
    category=Category.SCHEDULED,
    description="Every day, send the waiting notifications by e-mail (SMTP settings) and a digest of the job runs "
                "that failed the day before to the digest recipients — once per recipient and day.",
    options=Options,
    run=run,
    per_workspace=False,
    due=due,
)
