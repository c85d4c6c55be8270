from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import NumberRange, Optional, ValidationError

from coordination.forms import Form, OneTimeKey, max_length, required, required_input, within_period
from coordination.labels import ATTENDEE_ROLE_LABELS, MEETING_KIND_LABELS

ATTENDEE_ROLES = [(k, ATTENDEE_ROLE_LABELS[k]) for k in ("required", "chair", "optional")]


class MeetingForm(OneTimeKey, Form):
    kind = SelectField(_l("Kind"), choices=list(MEETING_KIND_LABELS.items()), default="joint")
    title = StringField(_l("Title"), validators=[required(), max_length(200)])
    starts_at = DateTimeLocalField(
        _l("Starts (Beijing time)"), format="%Y-%m-%dT%H:%M", validators=[required_input(), within_period()]
    )
    ends_at = DateTimeLocalField(
        _l("Ends (Beijing time)"), format="%Y-%m-%dT%H:%M", validators=[required_input(), within_period()]
    )
    host_party_id = SelectField(_l("Host"), coerce=int, validators=[required()])
    venue = StringField(_l("Venue"), validators=[Optional(), max_length(200)])
    chair_name = StringField(_l("Chair"), validators=[Optional(), max_length(60)])
    reminder_days = StringField(
        _l("Remind attendees … days before"),
        description=_l("Leave empty for the mechanism's rule, e.g. 7, 1."),
        validators=[Optional(), max_length(40)],
    )
    version = HiddenField()

    def validate_reminder_days(self, field: Any) -> None:
        from coordination.reminders.forms import parse_days

        self.parsed_reminder_days = list(parse_days(field.data)) if (field.data or "").strip() else None

    def validate_ends_at(self, field: Any) -> None:
        if self.starts_at.data and field.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("The end must be after the start."))


class AttendeeForm(OneTimeKey, Form):
    """Invite a user or a guest, to a meeting or into a visit's delegation."""

    user_id = SelectField(_l("A user of the system"), coerce=int, validators=[Optional()])
    name = StringField(_l("Or a guest: name"), validators=[Optional(), max_length(60)])
    email = StringField(_l("Guest's e-mail"), validators=[Optional(), max_length(254)])
    role = SelectField(_l("Role"), choices=ATTENDEE_ROLES, default="required")

    def with_users(self) -> AttendeeForm:
        from sqlalchemy import select

        from coordination.auth.models import User
        from coordination.extensions import db

        users = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name))
        self.user_id.choices = [(0, "—")] + [(u.id, f"{u.name}（{u.username}）") for u in users]
        return self

    def invitee(self) -> dict[str, Any]:
        """The keyword arguments of add_attendee / add_member."""
        from coordination.auth.models import User
        from coordination.extensions import db

        return {
            "user": db.session.get(User, self.user_id.data) if self.user_id.data else None,
            "name": self.name.data or "",
            "email": self.email.data or "",
            "role": self.role.data,
        }


class AgendaForm(OneTimeKey, Form):
    title = StringField(_l("Agenda item"), validators=[required(), max_length(200)])
    presenter_body_id = SelectField(_l("Presented by"), coerce=int, validators=[Optional()])
    planned_minutes = IntegerField(
        _l("Minutes planned"),
        validators=[Optional(), NumberRange(min=1, max=600, message=_l("Between 1 and 600 minutes."))],
    )


class OutcomeForm(Form):
    outcome = TextAreaField(_l("Outcome"), validators=[Optional(), max_length(5000)])


class DecisionForm(OneTimeKey, Form):
    text = TextAreaField(_l("Decision"), validators=[required(), max_length(2000)])
    agenda_item_id = SelectField(_l("Agenda item"), coerce=int, validators=[Optional()])
    key_task_id = SelectField(_l("Key task"), coerce=int, validators=[Optional()])
    body_ids = SelectMultipleField(_l("Units that carry it out"), coerce=int)
    deadline = DateField(_l("Deadline"), validators=[required_input(), within_period()])


class CancelForm(Form):
    reason = TextAreaField(_l("Reason"), validators=[required(), max_length(2000)])
