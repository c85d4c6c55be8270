from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import ValidationError

from coordination.forms import Form, between, parse_days, required_input


def days_field(label: Any) -> StringField:
    return StringField(label, validators=[required_input()])


class PolicyForm(Form):
    before = days_field(_l("Remind before the deadline (working days)"))
    on_the_day = BooleanField(_l("Remind on the day itself"))
    urge_every = IntegerField(
        _l("Urge every … working days while overdue"), validators=[required_input(), between(1, 30)]
    )
    escalate_unit_head = IntegerField(
        _l("Copy the unit's head after … working days overdue"),
        validators=[required_input(), between(1, 120)],
    )
    escalate_lead_department = IntegerField(
        _l("Copy the lead department after … working days overdue"),
        validators=[required_input(), between(1, 120)],
    )
    escalate_leading_group = IntegerField(
        _l("Copy the leading group after … working days overdue"),
        validators=[required_input(), between(1, 120)],
    )
    report_before = IntegerField(
        _l("Remind before a progress report is due (working days)"),
        validators=[required_input(), between(1, 20)],
    )
    report_urge_after = IntegerField(
        _l("Urge after a missing progress report (working days)"),
        validators=[required_input(), between(1, 20)],
    )
    meeting_days_before = days_field(_l("Remind attendees before meetings and visits (days)"))
    organiser_chase_days_before = IntegerField(
        _l("Tell the organiser who has not answered (days before)"),
        validators=[required_input(), between(1, 30)],
    )

    def validate_before(self, field: Any) -> None:
        self.before_days = parse_days(field.data or "")

    def validate_meeting_days_before(self, field: Any) -> None:
        self.meeting_days = parse_days(field.data or "")

    def validate_escalate_leading_group(self, field: Any) -> None:
        steps = (self.escalate_unit_head.data, self.escalate_lead_department.data, field.data)
        if None not in steps and not steps[0] <= steps[1] <= steps[2]:
            raise ValidationError(
                _l("The ladder climbs: unit head, then lead department, then leading group.")
            )
