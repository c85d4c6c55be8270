"""Users, their roles and their memberships in bodies."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, g, has_app_context
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from coordination.extensions import Model
from coordination.organizations.models import Body
from coordination.timeutil import utcnow
from workflows.roles import Role


class User(UserMixin, Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Secret of the personal calendar feed; replacing it revokes every subscribed copy.
    ics_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    email_mode: Mapped[str] = mapped_column(
        String(10), default="digest", server_default="digest"
    )  # or immediate

    role_links: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    def set_password(self, password: str) -> None:
        # scrypt in production; tests configure a cheaper method so suites stay fast.
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        # What Flask-Login keeps in the session cookie: the user and the secret of a server-side
        # session (auth/sessions.py), never the bare id, so that sign-out can end it.
        opened = g.get("opened_session")
        if opened is None or opened[0] != self.id:
            raise RuntimeError("sign in through coordination.auth.sessions.sign_in")
        return f"{self.id}:{opened[1]}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users at login and on reload.
        return self.active

    @property
    def roles(self) -> set[Role]:
        return {Role(link.role) for link in self.role_links}

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    def set_roles(self, roles: set[Role]) -> None:
        keep = [link for link in self.role_links if link.role in roles]
        have = {link.role for link in keep}
        self.role_links = keep + [UserRole(role=r.value) for r in roles if r.value not in have]

    @property
    def bodies(self) -> list[Body]:
        return [m.body for m in self.memberships]

    @property
    def body_ids(self) -> set[int]:
        return {m.body_id for m in self.memberships}

    @property
    def head_of_ids(self) -> set[int]:
        return {m.body_id for m in self.memberships if m.is_head}

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class UserRole(Model):
    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))


class Membership(Model):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "body_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id"), index=True)
    title: Mapped[str] = mapped_column(String(60), default="")
    is_head: Mapped[bool] = mapped_column(default=False, server_default="0")  # copied on escalations

    user: Mapped[User] = relationship(back_populates="memberships")
    body: Mapped[Body] = relationship(lazy="joined")


class UserSession(Model):
    """One signed-in browser. The session cookie and the remember-me cookie carry secrets whose
    hashes are kept here, so that sign-out, a password change, deactivation or an administrator
    can end them: a cookie whose row is ended (or gone) signs nobody in."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the session secret
    remember_hash: Mapped[str | None] = mapped_column(String(64), unique=True)  # of the remember token
    remember_expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)  # updated at most once a minute
    user_agent: Mapped[str] = mapped_column(String(80), default="")  # a summary: browser and system
    address: Mapped[str] = mapped_column(String(45), default="")
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(20))

    user: Mapped[User] = relationship()
