"""Who may do what: pure predicates over a user, and a decorator that answers 403."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from coordination.auth.models import Role, User

F = TypeVar("F", bound=Callable[..., Any])


def is_admin(user: User) -> bool:
    return user.has_role(Role.ADMIN)


def can_administer(user: User) -> bool:
    return is_admin(user)


def can_view_audit(user: User) -> bool:
    return is_admin(user)


def can_read_mechanism(user: User) -> bool:
    return user.is_authenticated


def require(predicate: Callable[[User], bool]) -> Callable[[F], F]:
    """Anonymous users go to the login page; signed-in users without the right get 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            from coordination.extensions import login_manager

            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not predicate(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator
