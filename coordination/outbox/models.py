"""Outgoing e-mail. A row is written in the same transaction as the change it announces and
sent by a job afterwards (an outbox row: coordination/outbox.py); with no SMTP server
configured, 'sent' means kept in this outbox, which administrators read in the app."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from coordination.extensions import Model
from coordination.outbox import OutboxMixin
from coordination.timeutil import utcnow


class OutgoingMail(OutboxMixin, Model):
    __tablename__ = "outgoing_mail"
    __table_args__ = (Index("ix_outgoing_mail_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))  # invitation / update / cancellation / minutes / …
    recipient: Mapped[str] = mapped_column(String(254))
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    subject: Mapped[str] = mapped_column(String(300))
    message: Mapped[str] = mapped_column(Text)  # the whole RFC 5322 message, ready to send
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    transport: Mapped[str] = mapped_column(String(10), default="")  # smtp / outbox
