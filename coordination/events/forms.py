"""Forms every meeting and visit page has: inviting someone, and cancelling with a reason."""

from __future__ import annotations

from typing import TypedDict

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from coordination.auth.models import User
from coordination.extensions import db
from coordination.forms import Form, OneTimeKey, max_length, required
from coordination.labels import ATTENDEE_ROLE_LABELS

ATTENDEE_ROLES = [(k, ATTENDEE_ROLE_LABELS[k]) for k in ("required", "chair", "optional")]


class Invitee(TypedDict):
    """The keyword arguments of events.operations.Kind.invite."""

    user: User | None
    name: str
    email: str
    role: str


class AttendeeForm(OneTimeKey, Form):
    """Invite a user or a guest, to a meeting or into a visit's delegation."""

    user_id = SelectField(_l("A user of the system"), coerce=int, validators=[Optional()])
    name = StringField(_l("Or a guest: name"), validators=[Optional(), max_length(60)])
    email = StringField(_l("Guest's e-mail"), validators=[Optional(), max_length(254)])
    role = SelectField(_l("Role"), choices=ATTENDEE_ROLES, default="required")

    def with_users(self) -> AttendeeForm:
        users = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name))
        self.user_id.choices = [(0, "—")] + [(u.id, f"{u.name}（{u.username}）") for u in users]
        return self

    def invitee(self) -> Invitee:
        """The keyword arguments of events.operations.invite (add_attendee / add_member)."""
        return {
            "user": db.session.get(User, self.user_id.data) if self.user_id.data else None,
            "name": self.name.data or "",
            "email": self.email.data or "",
            "role": self.role.data,
        }


class CancelForm(Form):
    reason = TextAreaField(_l("Reason"), validators=[required(), max_length(2000)])
