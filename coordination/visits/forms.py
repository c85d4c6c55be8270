from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DateTimeLocalField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional

from coordination.forms import Form, OneTimeKey, max_length, required, required_input, within_period

ITEM_KINDS = [
    ("meeting", _l("Meeting")),
    ("site_visit", _l("Site visit")),
    ("signing", _l("Signing ceremony")),
]
OUTCOME_KINDS = [("agreement", _l("Agreement signed")), ("matter", _l("Matter agreed"))]


class VisitForm(OneTimeKey, Form):
    title = StringField(_l("Title"), validators=[required(), max_length(200)])
    visiting_party_id = SelectField(_l("Visiting side"), coerce=int, validators=[required()])
    host_party_id = SelectField(_l("Host city"), coerce=int, validators=[required()])
    starts_on = DateField(_l("From"), validators=[required_input(), within_period()])
    ends_on = DateField(_l("To"), validators=[required_input(), within_period()])
    leader_name = StringField(_l("Head of delegation"), validators=[required(), max_length(60)])
    host_contact = StringField(_l("Host contact"), validators=[Optional(), max_length(200)])
    reception_notes = TextAreaField(_l("Reception notes"), validators=[Optional(), max_length(5000)])
    version = HiddenField()


class ItineraryForm(OneTimeKey, Form):
    kind = SelectField(_l("Kind"), choices=ITEM_KINDS, default="meeting")
    title = StringField(_l("Item"), validators=[required(), max_length(200)])
    starts_at = DateTimeLocalField(
        _l("Starts (Beijing time)"), format="%Y-%m-%dT%H:%M", validators=[required_input(), within_period()]
    )
    ends_at = DateTimeLocalField(
        _l("Ends (Beijing time)"), format="%Y-%m-%dT%H:%M", validators=[required_input(), within_period()]
    )
    place = StringField(_l("Place"), validators=[Optional(), max_length(200)])


class VisitOutcomeForm(OneTimeKey, Form):
    kind = SelectField(_l("Kind"), choices=OUTCOME_KINDS, default="matter")
    text = TextAreaField(_l("Outcome"), validators=[required(), max_length(2000)])
    key_task_id = SelectField(_l("Key task"), coerce=int, validators=[Optional()])
    body_ids = SelectMultipleField(_l("Units that carry it out"), coerce=int)
    deadline = DateField(_l("Deadline"), validators=[required_input(), within_period()])
