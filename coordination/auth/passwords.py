"""The password policy, in one place for the change-password and admin forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

MIN_LENGTH = 10


def password_problems(password: str, username: str = "") -> list[str]:
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_l("At least %(n)d characters.", n=MIN_LENGTH))
    if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
        problems.append(_l("Use both letters and digits."))
    if username and username.lower() in password.lower():
        problems.append(_l("Must not contain the user name."))
    return [str(p) for p in problems]
