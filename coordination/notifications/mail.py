"""Composing, queueing and delivering e-mail.

A message is composed and stored (OutgoingMail) inside the transaction of the change it
announces, and handed to RQ only after commit. Delivery claims the row with a conditional
update before sending, so two workers never send the same row, and the sweep hands back to
RQ whatever is still pending, so a Redis outage delays mail but never loses it.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path
from typing import Any

from flask import current_app, render_template
from sqlalchemy import select, update

from coordination.extensions import db
from coordination.jobs import claim_timeout, enqueue_after_commit, enqueue_many
from coordination.notifications.models import OutgoingMail
from coordination.text import single_line
from coordination.timeutil import utcnow

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 6
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=4),
)


def compose(
    *,
    to_name: str,
    to_email: str,
    subject: str,
    template: str,
    context: dict[str, Any],
    ics: bytes | None = None,
    method: str | None = None,
) -> EmailMessage:
    """multipart/alternative [text/plain, text/html, text/calendar; method=…]: the text and HTML
    parts stand on their own for mail clients that ignore the calendar part. Names and subjects
    are folded to one line: a stored line break must not fail the message or add a header."""
    message = EmailMessage()
    message["Subject"] = single_line(subject)
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = formataddr((single_line(to_name), single_line(to_email)))
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="hulian-coordination")
    message.set_content(render_template(f"emails/{template}.txt", **context))
    message.add_alternative(render_template(f"emails/{template}.html", **context), subtype="html")
    if ics is not None:
        message.add_alternative(
            ics.decode("utf-8"), subtype="calendar", params={"method": method or "REQUEST"}, cte="base64"
        )
    return message


def queue(
    message: EmailMessage, *, kind: str, dedupe_key: str, recipient_user_id: int | None = None
) -> OutgoingMail | None:
    """Store the message for delivery after commit; a key already queued is not queued again."""
    if db.session.scalar(select(OutgoingMail.id).where(OutgoingMail.dedupe_key == dedupe_key)):
        return None
    row = OutgoingMail(
        dedupe_key=dedupe_key[:200],
        kind=kind,
        recipient=_address(message["To"]),
        recipient_user_id=recipient_user_id,
        subject=str(message["Subject"])[:300],
        message=message.as_string(policy=SMTP),  # CRLF line ends, as the wire wants them
    )
    db.session.add(row)
    db.session.flush()
    enqueue_after_commit(db.session(), deliver, [row.id])
    return row


def _address(header: str) -> str:
    from email.utils import parseaddr

    return parseaddr(header)[1]


class Transport:
    """One SMTP connection for a whole batch (or the local outbox when no server is set)."""

    def __init__(self) -> None:
        self.server = current_app.config["MAIL_SERVER"]
        self.smtp: smtplib.SMTP | None = None

    @property
    def name(self) -> str:
        return "smtp" if self.server else "outbox"

    def send(self, row: OutgoingMail) -> None:
        self.send_raw(row.recipient, row.message, name=f"{row.id:08d}")

    def send_raw(self, recipient: str, message: str, *, name: str | None = None) -> None:
        if not self.server:
            outbox = Path(current_app.config["OUTBOX_DIR"])
            outbox.mkdir(parents=True, exist_ok=True)
            filename = name or f"{utcnow():%Y%m%d%H%M%S%f}-{recipient.replace('/', '_')}"
            (outbox / f"{filename}.eml").write_text(message, encoding="utf-8")
            return
        if self.smtp is None:
            config = current_app.config
            self.smtp = smtplib.SMTP(self.server, config["MAIL_PORT"], timeout=15)
            if config["MAIL_USE_TLS"]:
                self.smtp.starttls()
            if config["MAIL_USERNAME"]:
                self.smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        self.smtp.sendmail(current_app.config["MAIL_DEFAULT_SENDER"], [recipient], message.encode("utf-8"))

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self.smtp = None


def claim(row_id: int) -> bool:
    """Pending → sending, only if still pending: the row count says whether this worker won."""
    result = db.session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.id == row_id, OutgoingMail.status == "pending", OutgoingMail.due_at <= utcnow())
        .values(status="sending", attempts=OutgoingMail.attempts + 1, claimed_at=utcnow())
    )
    db.session.commit()
    return result.rowcount == 1


def deliver(row_ids: list[int]) -> int:
    """Job: send the given rows; returns how many were sent. Safe to run twice."""
    transport = Transport()
    sent = 0
    try:
        for row_id in row_ids:
            if not claim(row_id):
                continue
            row = db.session.get(OutgoingMail, row_id)
            try:
                transport.send(row)
            except (smtplib.SMTPException, OSError) as error:
                transport.close()
                _failed(row, error)
                continue
            # The one window left: a crash between the server's acceptance and this commit
            # leaves the row 'sending'; the sweep resends it after CLAIM_TIMEOUT_SECONDS.
            row.status, row.sent_at, row.transport, row.last_error = "sent", utcnow(), transport.name, ""
            db.session.commit()
            sent += 1
    finally:
        transport.close()
    return sent


def after_failure(attempts: int, error: Exception) -> dict[str, Any]:
    """The columns of a row whose attempt failed: retried later with back-off, or, after
    MAX_ATTEMPTS, 'failed' and shown to administrators, who can retry. Mail and reminders alike."""
    values: dict[str, Any] = {"last_error": f"{type(error).__name__}: {error}"[:2000]}
    if attempts >= MAX_ATTEMPTS:
        values["status"] = "failed"
    else:
        values["status"] = "pending"
        values["due_at"] = utcnow() + BACKOFF[min(attempts - 1, len(BACKOFF) - 1)]
    return values


def _failed(row: OutgoingMail, error: Exception) -> None:
    for name, value in after_failure(row.attempts, error).items():
        setattr(row, name, value)
    db.session.commit()
    log.warning("mail %s to %s failed (%s attempts): %s", row.id, row.recipient, row.attempts, row.last_error)


def retry(row: OutgoingMail) -> None:
    row.status, row.due_at, row.attempts = "pending", utcnow(), 0
    enqueue_after_commit(db.session(), deliver, [row.id])


BATCH = 100


def sweep() -> int:
    """Hand every due, unsent row back to RQ (run periodically, one per deployment). Rows left
    'sending' by a worker that died are released after CLAIM_TIMEOUT_SECONDS."""
    now = utcnow()
    db.session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.status == "sending", OutgoingMail.claimed_at < now - claim_timeout())
        .values(status="pending")
    )
    db.session.commit()
    ids = list(
        db.session.scalars(
            select(OutgoingMail.id)
            .where(OutgoingMail.status == "pending", OutgoingMail.due_at <= now)
            .order_by(OutgoingMail.due_at)
        )
    )
    if ids:
        enqueue_many(
            deliver, [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)], f"{len(ids)} message(s)"
        )
    return len(ids)
