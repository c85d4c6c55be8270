from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField, SelectField, StringField
from wtforms.validators import Optional, ValidationError

from coordination.forms import Form, max_length, required
from coordination.labels import MEETING_KIND_LABELS


class MeetingForm(Form):
    kind = SelectField(_l("Kind"), choices=list(MEETING_KIND_LABELS.items()), default="joint")
    title = StringField(_l("Title"), validators=[required(), max_length(200)])
    starts_at = DateTimeLocalField(
        _l("Starts (Beijing time)"), format="%Y-%m-%dT%H:%M", validators=[required()]
    )
    ends_at = DateTimeLocalField(_l("Ends (Beijing time)"), format="%Y-%m-%dT%H:%M", validators=[required()])
    host_party_id = SelectField(_l("Host"), coerce=int, validators=[required()])
    venue = StringField(_l("Venue"), validators=[Optional(), max_length(200)])

    def validate_ends_at(self, field: Any) -> None:
        if self.starts_at.data and field.data and field.data <= self.starts_at.data:
            raise ValidationError(_l("The end must be after the start."))
