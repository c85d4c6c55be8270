"""Sessions the server can end: what the cookies carry, and how every request checks them.

Flask's session cookie is signed, not secret, and cannot be recalled: on its own it would sign
its holder in for ever, after sign-out and after a password change. So it carries
"<user id>:<secret>" and the `user_sessions` row keeps the secret's hash; the remember-me cookie
(signed by Flask-Login, as before) carries "r:<user id>:<another secret>", whose hash the same
row keeps with its expiry. Every request loads the user together with the row, in the one query
that already brought the user's roles and units, through the unique hash index: an ended row,
an idle one, an expired token or a deactivated user signs nobody in. A remember token is good
once: using it replaces both secrets, and the old token is refused from then on.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from flask import Response, current_app, g, request, session
from flask_login import current_user, login_user, logout_user
from flask_login.utils import encode_cookie
from sqlalchemy import ColumnElement, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from coordination.auth import operations
from coordination.auth.models import User, UserSession
from coordination.extensions import db, login_manager

log = logging.getLogger(__name__)

REMEMBER = "r:"
TOUCH_EVERY = timedelta(minutes=1)  # last seen: at most one write a minute per session
MAX_ID = 2**31 - 1
CLEAR = ("", None)  # g.remember_cookie: delete the browser's remember-me cookie


@login_manager.user_loader
def load_user(token: str) -> User | None:
    # Called with the session's value, or with the remember-me cookie's when the session has none.
    if token.startswith(REMEMBER):
        return _from_remember_token(token[len(REMEMBER) :])
    parsed = _split(token)
    if parsed is None:
        return None  # a bare user id: a cookie from before sessions had rows
    user_id, secret = parsed
    now = operations.session_clock()
    found = _user_with_session(
        User.id == user_id,
        UserSession.token_hash == operations.digest(secret),
        UserSession.last_seen_at > now - operations.idle_limit(),
    )
    if found is None:
        return None
    user, row = found
    g.user_session = row
    _touch(row, now)
    return user


def _split(token: str) -> tuple[int, str] | None:
    user_id, sep, secret = token.partition(":")
    if not sep or not secret or not user_id.isdigit() or int(user_id) > MAX_ID:
        return None
    return int(user_id), secret


def _user_with_session(*conditions: ColumnElement[bool]) -> tuple[User, UserSession] | None:
    query = (
        select(User, UserSession)
        .join(UserSession, UserSession.user_id == User.id)
        .options(joinedload(User.role_links), joinedload(User.memberships))
        .where(User.active.is_(True), UserSession.ended_at.is_(None), *conditions)
    )
    row = db.session.execute(query).unique().one_or_none()
    return None if row is None else (row[0], row[1])


def _address() -> str:
    return (request.remote_addr or "")[:45]


def _touch(row: UserSession, now: datetime) -> None:
    if now - row.last_seen_at < TOUCH_EVERY:
        return
    # A connection of its own, committed at once and not counted by the page cache: when a
    # session was last seen changes no page anyone keeps.
    try:
        with db.engine.begin() as connection:
            connection.execute(
                update(UserSession)
                .where(UserSession.id == row.id, UserSession.last_seen_at < now - TOUCH_EVERY)
                .values(last_seen_at=now, address=_address())
            )
    except SQLAlchemyError as error:  # best effort: the request goes on without it
        log.warning("Could not note when session %s was last seen: %s", row.id, error)
        return
    set_committed_value(row, "last_seen_at", now)


def _from_remember_token(token: str) -> User | None:
    parsed = _split(token)
    found = None
    if parsed is not None:
        user_id, secret = parsed
        old_hash = operations.digest(secret)
        found = _user_with_session(
            User.id == user_id,
            UserSession.remember_hash == old_hash,
            UserSession.remember_expires_at > operations.session_clock(),
        )
    if found is None:
        _forget_remember()
        return None
    user, row = found
    new_session, new_remember = operations.new_secret(), operations.new_secret()
    now = operations.session_clock()
    values = {
        "token_hash": operations.digest(new_session),
        "remember_hash": operations.digest(new_remember),
        "last_seen_at": now,
        "address": _address(),
        "user_agent": device_summary(request.user_agent.string),
    }
    # Committed at once, on the condition that the old token is still the row's: two requests
    # bringing the same token cannot both win.
    with db.engine.begin() as connection:
        result = connection.execute(
            update(UserSession)
            .where(
                UserSession.id == row.id,
                UserSession.remember_hash == old_hash,
                UserSession.ended_at.is_(None),
            )
            .values(**values)
        )
    if result.rowcount != 1:
        _forget_remember()
        return None
    for name, value in values.items():
        set_committed_value(row, name, value)
    session["_user_id"] = f"{user.id}:{new_session}"
    g.user_session = row
    g.remember_cookie = (f"{REMEMBER}{user.id}:{new_remember}", row.remember_expires_at)
    return user


def _forget_remember() -> None:
    if str(session.get("_user_id", "")).startswith(REMEMBER):
        session.pop("_user_id")
    g.remember_cookie = CLEAR


def current() -> UserSession | None:
    """The session row of this request's user (None when nobody is signed in)."""
    if not current_user.is_authenticated:  # loads the user (and the row) when not done yet
        return None
    return g.get("user_session")


def sign_in(user: User, *, remember: bool) -> None:
    """Open a server-side session for user and give this browser its cookies (the caller commits)."""
    opened = operations.open_session(
        user, remember=remember, user_agent=device_summary(request.user_agent.string), address=_address()
    )
    g.opened_session = (user.id, opened.secret)  # what User.get_id() hands Flask-Login
    login_user(user)
    g.user_session = opened.row
    if opened.remember_token:
        g.remember_cookie = (f"{REMEMBER}{user.id}:{opened.remember_token}", opened.row.remember_expires_at)
    else:
        g.remember_cookie = CLEAR  # a token from an earlier sign-in in this browser goes


def sign_out() -> None:
    """Run through views_util.attempt (the request's commit), like every operation."""
    operations.sign_out(current_user._get_current_object(), current())
    logout_user()
    g.remember_cookie = CLEAR


def write_remember_cookie(response: Response) -> Response:
    """After every request: set or delete the remember-me cookie as the request decided."""
    if "remember_cookie" not in g:
        return response
    config = current_app.config
    name = config.get("REMEMBER_COOKIE_NAME", "remember_token")
    domain, path = config.get("REMEMBER_COOKIE_DOMAIN"), config.get("REMEMBER_COOKIE_PATH", "/")
    payload, expires = g.remember_cookie
    if not payload or expires is None:
        if name in request.cookies:
            response.delete_cookie(name, domain=domain, path=path)
        return response
    response.set_cookie(
        name,
        encode_cookie(payload),
        expires=expires.replace(tzinfo=UTC),
        domain=domain,
        path=path,
        secure=config.get("REMEMBER_COOKIE_SECURE", False),
        httponly=config.get("REMEMBER_COOKIE_HTTPONLY", True),
        samesite=config.get("REMEMBER_COOKIE_SAMESITE"),
    )
    return response


_BROWSERS = (
    ("MicroMessenger", "WeChat"),
    ("wxwork", "WeCom"),
    ("DingTalk", "DingTalk"),
    ("QQBrowser", "QQ Browser"),
    ("360SE", "360 Browser"),
    ("Edg", "Edge"),
    ("Firefox", "Firefox"),
    ("Chrome", "Chrome"),
    ("Chromium", "Chromium"),
    ("Safari", "Safari"),
)
_SYSTEMS = (
    ("Windows", "Windows"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("HarmonyOS", "HarmonyOS"),
    ("Android", "Android"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def device_summary(user_agent: str) -> str:
    """ "Chrome · Windows": enough for the user to recognise a browser, and short to keep."""
    browser = next((label for key, label in _BROWSERS if key in user_agent), "")
    system = next((label for key, label in _SYSTEMS if key in user_agent), "")
    return " · ".join(part for part in (browser, system) if part) or user_agent[:40]
