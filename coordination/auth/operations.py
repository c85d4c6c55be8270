"""Account changes: the only place users, roles and memberships are written."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from coordination.audit.operations import record, snapshot
from coordination.audit.operations import set_active as audit_set_active
from coordination.auth.models import Membership, Role, User
from coordination.extensions import db
from coordination.timeutil import utcnow

USER_FIELDS = ("username", "name", "email", "phone", "active", "roles", "body_ids", "head_of_ids")


class AccountError(ValueError):
    """A rule broken by the requested change; the message is shown to the user."""


def find_by_username(username: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))


def _check_unique(username: str, user: User | None = None) -> None:
    existing = find_by_username(username)
    if existing is not None and existing is not user:
        from flask_babel import gettext as _

        raise AccountError(_("The user name %(name)s is already taken.", name=username))


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
) -> None:
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
    record("user.update", user, summary=user.username, before=before, after=after)


def set_active(user: User, active: bool) -> None:
    """Deactivation keeps the account and its history; there is no hard delete."""
    audit_set_active(user, active, "user", user.username)


def change_own_password(user: User, new_password: str) -> None:
    user.set_password(new_password)
    record("user.password_change", user, summary=user.username)


def note_login(user: User) -> None:
    user.last_login_at = utcnow()
    record("user.login", user, summary=user.username, actor_id=user.id)


def note_failed_login(username: str) -> None:
    record("user.login_failed", summary=username[:60], object_type="users")
