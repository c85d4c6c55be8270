"""Account changes: the only place users, roles and memberships are written."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, delete, func, or_, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from coordination.audit.operations import record, snapshot
from coordination.audit.operations import set_active as audit_set_active
from coordination.auth.models import Membership, Role, User, UserSession
from coordination.extensions import db
from coordination.operations import OperationError
from coordination.timeutil import utcnow

if TYPE_CHECKING:
    from sqlalchemy import CursorResult

USER_FIELDS = ("username", "name", "email", "phone", "active", "roles", "body_ids", "head_of_ids")


def find_by_username(username: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))


_DUMMY_HASHES: dict[str, str] = {}


def _dummy_hash() -> str:
    # A hash of a random password, made like real ones: verifying it costs what a real check costs.
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash(secrets.token_urlsafe(16), method=method)
    return _DUMMY_HASHES[method]


def authenticate(username: str, password: str) -> tuple[User | None, bool]:
    """The user the name names (or None) and whether the password is theirs. A password is
    verified against a hash either way, so the answer takes as long for a name that does not
    exist as for one that does."""
    user = find_by_username(username)
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None, False
    return user, user.check_password(password)


def _check_unique(username: str, user: User | None = None) -> None:
    existing = find_by_username(username)
    if existing is not None and existing is not user:
        raise OperationError(_("The user name %(name)s is already taken.", name=username), field="username")


def _set_memberships(user: User, body_ids: Iterable[int], head_of: Iterable[int] = ()) -> None:
    wanted, heads = set(body_ids), set(head_of)
    user.memberships = [m for m in user.memberships if m.body_id in wanted] + [
        Membership(body_id=b) for b in sorted(wanted - user.body_ids)
    ]
    for membership in user.memberships:
        membership.is_head = membership.body_id in heads


def create_user(
    *,
    username: str,
    name: str,
    password: str,
    email: str = "",
    phone: str = "",
    roles: Iterable[Role] = (),
    body_ids: Iterable[int] = (),
    head_of: Iterable[int] = (),
) -> User:
    _check_unique(username)
    user = User(username=username.strip(), name=name.strip(), email=email.strip(), phone=phone.strip())
    user.set_password(password)
    user.set_roles(set(roles))
    db.session.add(user)
    _set_memberships(user, body_ids, head_of)
    db.session.flush()
    record("user.create", user, summary=user.username, after=snapshot(user, *USER_FIELDS))
    return user


def update_user(
    user: User,
    *,
    username: str,
    name: str,
    email: str,
    phone: str,
    roles: Iterable[Role],
    body_ids: Iterable[int],
    password: str | None = None,
    head_of: Iterable[int] = (),
    keep_session: int | None = None,
) -> None:
    """A new password set by an administrator ends the user's sessions (but keep_session, the
    administrator's own when they edit themselves)."""
    _check_unique(username, user)
    before = snapshot(user, *USER_FIELDS)
    user.username, user.name = username.strip(), name.strip()
    user.email, user.phone = email.strip(), phone.strip()
    user.set_roles(set(roles))
    _set_memberships(user, body_ids, head_of)
    if password:
        user.set_password(password)
    db.session.flush()
    after = snapshot(user, *USER_FIELDS)
    if password:
        after["password"] = "changed"  # noqa: S105 - a marker: never the password itself  # nosec B105
        after["sessions_ended"] = end_sessions(user, "password", keep=keep_session)
    record("user.update", user, summary=user.username, before=before, after=after)


def set_active(user: User, active: bool) -> None:
    """Deactivation keeps the account and its history; there is no hard delete. It ends every
    session of the user at once."""
    if not active:
        end_sessions(user, "deactivated")
    audit_set_active(user, active, "user", user.username)


def change_own_password(user: User, new_password: str, *, keep_session: int | None) -> None:
    """A new password signs the user out everywhere else (a thief's copy of a cookie included)."""
    user.set_password(new_password)
    ended = end_sessions(user, "password", keep=keep_session)
    record("user.password_change", user, summary=user.username, after={"sessions_ended": ended})


def note_login(user: User) -> None:
    user.last_login_at = utcnow()
    record("user.login", user, summary=user.username, actor_id=user.id)


def note_failed_login(user: User | None) -> None:
    """What was typed as the user name is kept only when it names a user: otherwise it may be
    a password typed into the wrong box."""
    if user is None:
        record("user.login_failed", summary=_("unknown user name"), object_type="users")
    else:
        record("user.login_failed", user, summary=user.username)  # by whoever typed it: no actor


# --- sessions -------------------------------------------------------------------------
# Session times follow the wall clock, not the replayable clock of timeutil: a cookie's age is
# real time whatever date the data is being worked "as of".


def session_clock() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def digest(secret: str) -> str:
    """Rows keep only this: a copy of the table signs nobody in. The secrets are 256 random bits,
    so a fast hash is enough."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class OpenedSession:
    row: UserSession
    secret: str  # for the session cookie
    remember_token: str | None  # for the remember-me cookie, when asked for


def idle_limit() -> timedelta:
    return timedelta(hours=current_app.config["SESSION_IDLE_HOURS"])


def open_session(user: User, *, remember: bool, user_agent: str, address: str) -> OpenedSession:
    now = session_clock()
    secret, remember_token = new_secret(), (new_secret() if remember else None)
    row = UserSession(
        user_id=user.id,
        token_hash=digest(secret),
        remember_hash=digest(remember_token) if remember_token else None,
        remember_expires_at=now + current_app.config["REMEMBER_COOKIE_DURATION"] if remember else None,
        created_at=now,
        last_seen_at=now,
        user_agent=user_agent[:80],
        address=address[:45],
    )
    db.session.add(row)
    # The user's rows over a month past any use are of no further interest (the audit log keeps
    # the sign-ins and sign-outs).
    gone = now - max(timedelta(days=30), idle_limit())
    db.session.execute(
        delete(UserSession).where(
            UserSession.user_id == user.id,
            UserSession.last_seen_at < gone,
            or_(
                UserSession.ended_at.is_not(None),
                UserSession.remember_expires_at.is_(None),
                UserSession.remember_expires_at < now,
            ),
        )
    )
    db.session.flush()
    return OpenedSession(row, secret, remember_token)


def active_sessions_query(user_id: int) -> Select[tuple[UserSession]]:
    now = session_clock()
    return (
        select(UserSession)
        .where(
            UserSession.user_id == user_id,
            UserSession.ended_at.is_(None),
            or_(UserSession.last_seen_at > now - idle_limit(), UserSession.remember_expires_at > now),
        )
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    )


def end_sessions(user: User, reason: str, *, keep: int | None = None) -> int:
    """End every live session of the user (but keep); returns how many were live."""
    query = (
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=session_clock(), end_reason=reason, remember_hash=None)
        .execution_options(synchronize_session=False)
    )
    if keep is not None:
        query = query.where(UserSession.id != keep)
    # An UPDATE's result is a CursorResult, which counts the rows; Session.execute is typed wider.
    return cast("CursorResult[Any]", db.session.execute(query)).rowcount or 0


def _end(row: UserSession, reason: str) -> None:
    row.ended_at, row.end_reason, row.remember_hash = session_clock(), reason, None


def sign_out(user: User, row: UserSession | None) -> None:
    if row is not None and row.ended_at is None:
        _end(row, "signed_out")
    record("user.logout", user, summary=user.username, actor_id=user.id)


def end_own_session(user: User, row: UserSession) -> None:
    """The user ends one of their sessions (another browser, a lost phone)."""
    if row.user_id != user.id or row.ended_at is not None:
        raise OperationError(_("That session has already ended."))
    _end(row, "user")
    record(
        "user.session_end",
        user,
        summary=user.username,
        after={"session": row.id, "device": row.user_agent, "address": row.address},
    )


def end_other_sessions(user: User, current: int | None) -> int:
    ended = end_sessions(user, "user", keep=current)
    record("user.sessions_end", user, summary=user.username, after={"sessions_ended": ended})
    return ended


def admin_end_sessions(user: User) -> int:
    """An administrator signs the user out everywhere (a lost laptop, a leaver, a suspicion)."""
    ended = end_sessions(user, "admin")
    record("user.sessions_end", user, summary=user.username, after={"sessions_ended": ended})
    return ended
