from __future__ import annotations

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

from coordination.forms import (
    Form,
    OneTimeKey,
    max_length,
    parse_days,
    required,
    required_input,
    within_period,
)
from coordination.labels import MEETING_KIND_LABELS


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

    def validate_reminder_days(self, field: StringField) -> None:
        self.parsed_reminder_days = list(parse_days(field.data)) if (field.data or "").strip() else None

    def validate_ends_at(self, field: DateTimeLocalField) -> None:
        if self.starts_at.data and field.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("The end must be after the start."))


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
