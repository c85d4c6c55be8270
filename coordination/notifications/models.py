"""What leaves the process to tell people of an event: e-mails of notifications (immediate or in
the daily digest) and messages to group robots (企业微信 / 钉钉). Both are outbox rows
(coordination/outbox), written in the transaction of the event, sent by a job afterwards."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordination.auth.models import User
from coordination.extensions import Model
from coordination.inbox import Notification
from coordination.organizations.models import Body
from coordination.outbox import OutboxMixin
from coordination.timeutil import utcnow


class NotificationMail(OutboxMixin, Model):
    """The e-mail of one notification. Rows of a user due together go out as one message (a
    digest groups them by unit and object); due_at is when (workflows.notifications.email_due)."""

    __tablename__ = "notification_mail"
    __table_args__ = (
        Index("ix_notification_mail_status_due", "status", "due_at"),
        Index("ix_notification_mail_user", "user_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    digest: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    notification: Mapped[Notification] = relationship()
    user: Mapped[User] = relationship()


class Webhook(Model):
    """A group robot a unit or a person registered (企业微信 group robot, 钉钉 custom robot). The
    URL carries the robot's key and, with the DingTalk signing secret, is a secret: kept here,
    shown only masked, never logged."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))  # wecom / dingtalk
    name: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(200), default="")  # DingTalk "加签" secret
    body_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id"), index=True)  # a unit's robot
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)  # a person's robot
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_answer: Mapped[str] = mapped_column(Text, default="")  # the provider's last answer
    last_used_at: Mapped[datetime | None]

    body: Mapped[Body | None] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])


class RobotMessage(OutboxMixin, Model):
    """One event told to one robot. Rows of a robot due together go out as one markdown message
    (within the provider's size limit), at most the provider's rate a minute."""

    __tablename__ = "robot_messages"
    __table_args__ = (
        Index("ix_robot_messages_status_due", "status", "due_at"),
        Index("ix_robot_messages_webhook", "webhook_id", "status", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id"))
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    urgency: Mapped[str] = mapped_column(String(10), default="normal")
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)  # markdown lines, without the title
    url: Mapped[str] = mapped_column(String(500), default="")  # absolute link to the object
    mentions: Mapped[str] = mapped_column(String(500), default="")  # mobiles to @, comma-separated
    answer: Mapped[str] = mapped_column(Text, default="")  # the provider's answer to the send
    # The request that sent it (rows sent together share it): the rate counts requests.
    batch: Mapped[str] = mapped_column(String(40), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    webhook: Mapped[Webhook] = relationship()
