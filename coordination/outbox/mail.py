"""Composing, queueing and delivering e-mail.

One composer for every message (invitations, updates, cancellations, minutes, reminders). A
queued message is composed and stored (OutgoingMail, an outbox row) inside the transaction of the
change it announces, and handed to RQ only after commit; delivery claims the row before sending
(coordination/outbox.py), so two workers never send the same row, and the outbox sweep hands
back to RQ whatever is still pending, so a Redis outage delays mail but never loses it.
"""

from __future__ import annotations

import logging
import smtplib
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select

from coordination import outbox
from coordination.extensions import db
from coordination.jobs import enqueue_after_commit
from coordination.outbox.models import OutgoingMail
from coordination.text import single_line
from coordination.timeutil import utcnow

log = logging.getLogger(__name__)
SEND_ERRORS = (smtplib.SMTPException, OSError)


def compose(
    *,
    to_name: str,
    to_email: str,
    subject: str,
    template: str,
    context: dict[str, Any],
    ics: bytes | None = None,
    method: str | None = None,
    headers: dict[str, str] | None = None,
) -> Message:
    """multipart/alternative [text/plain, text/html, text/calendar; method=…]: the text and HTML
    parts stand on their own for mail clients that ignore the calendar part. Names and subjects
    are folded to one line: a stored line break must not fail the message or add a header.

    The compat32 MIME classes (the modern EmailMessage parses every header it is given, which
    made composing the slowest step of reminder delivery), and the templates straight from the
    environment: render_template would run the page context processors for every message."""
    message = MIMEMultipart("alternative")
    message["Subject"] = Header(single_line(subject)[:300], "utf-8")  # type: ignore[assignment]
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = formataddr((single_line(to_name), single_line(to_email)), charset="utf-8")
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="hulian-coordination")
    for name, value in (headers or {}).items():
        message[name] = value
    environment = current_app.jinja_env
    for subtype in ("plain", "html"):
        extension = "txt" if subtype == "plain" else "html"
        body = environment.get_template(f"emails/{template}.{extension}").render(**context)
        message.attach(MIMEText(body, subtype, "utf-8"))
    if ics is not None:
        calendar = MIMEText(ics.decode("utf-8"), "calendar", "utf-8")
        calendar.set_param("method", method or "REQUEST")
        message.attach(calendar)
    return message


def wire(message: Message) -> str:
    """The message as the SMTP server wants it: CRLF line ends."""
    return message.as_string().replace("\r\n", "\n").replace("\n", "\r\n")


def queue(
    message: Message, *, kind: str, dedupe_key: str, recipient_user_id: int | None = None
) -> OutgoingMail | None:
    """Store the message for delivery after commit; a key already queued is not queued again."""
    if db.session.scalar(select(OutgoingMail.id).where(OutgoingMail.dedupe_key == dedupe_key)):
        return None
    row = OutgoingMail(
        dedupe_key=dedupe_key[:200],
        kind=kind,
        recipient=parseaddr(str(message["To"]))[1],
        recipient_user_id=recipient_user_id,
        subject=str(message["Subject"])[:300],
        message=wire(message),
    )
    db.session.add(row)
    db.session.flush()
    enqueue_after_commit(db.session(), deliver, [row.id])
    return row


class Transport:
    """One SMTP connection for a whole batch (or the local outbox when no server is set)."""

    def __init__(self) -> None:
        self.server = current_app.config["MAIL_SERVER"]
        self.smtp: smtplib.SMTP | None = None

    @property
    def name(self) -> str:
        return "smtp" if self.server else "outbox"

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
            except SEND_ERRORS:
                pass
            self.smtp = None


def deliver(row_ids: list[int]) -> int:
    """Job: send the given rows; returns how many were sent. Safe to run twice. Each row is
    claimed just before it is sent, so a long batch keeps no row claimed while it waits."""
    transport = Transport()
    sent = 0
    try:
        for row_id in row_ids:
            claimed = outbox.claim(OutgoingMail, OutgoingMail.id == row_id, columns=("recipient", "message"))
            if not claimed:
                continue
            row = claimed.rows[0]
            try:
                transport.send_raw(row.recipient, row.message, name=f"{row.id:08d}")
            except SEND_ERRORS as error:
                transport.close()
                outbox.fail(OutgoingMail, [(row.id, row.attempts)], claimed.token, error)
                continue
            # The one window left: a crash between the server's acceptance and this commit
            # leaves the row 'sending'; the sweep resends it after CLAIM_TIMEOUT_SECONDS.
            sent += outbox.finish(OutgoingMail, [row.id], claimed.token, transport=transport.name)
    finally:
        transport.close()
    return sent


outbox.handle(
    outbox.Kind(
        name="mail",
        model=OutgoingMail,
        job=deliver,
        key=OutgoingMail.id,
        per_job=100,
        what="message(s)",
        listing=lambda: outbox.listed(
            OutgoingMail,
            "mail",
            created=OutgoingMail.created_at,
            recipient=OutgoingMail.recipient,
            subject=OutgoingMail.subject,
            kind=OutgoingMail.kind,
            key=OutgoingMail.dedupe_key,
        ),
    )
)


def sweep() -> int:
    """Hand every due, unsent message back to RQ (the outbox's one sweep)."""
    return outbox.sweep(OutgoingMail)
