from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import NumberRange, Optional, ValidationError

from coordination.forms import Form, OneTimeKey, max_length, required
from coordination.labels import CADENCE_LABELS, PRIORITY_LABELS

if TYPE_CHECKING:
    from wtforms import Field

WORKDAYS_RE = re.compile(r"^(\d{1,3})\s*(个工作日|工作日|working days?|workdays?)$", re.IGNORECASE)


def parse_item_deadline(text: str) -> tuple[date | None, int | None]:
    """A fixed date, or N working days counted from the day the plan is issued."""
    text = text.strip()
    try:
        return date.fromisoformat(text), None
    except ValueError:
        pass
    if match := WORKDAYS_RE.match(text):
        return None, int(match.group(1))
    raise ValidationError(_l("Enter a date (2026-12-31) or a number of working days (20个工作日)."))


class PlanForm(OneTimeKey, Form):
    year = IntegerField(
        _l("Year"),
        validators=[required(), NumberRange(min=2000, max=2100, message=_l("Enter a year such as 2026."))],
    )
    title = StringField(_l("Title"), validators=[required(), max_length(200)])
    report_cadence = SelectField(
        _l("Progress reports due"), choices=list(CADENCE_LABELS.items()), default="monthly"
    )
    version = HiddenField()


class CadenceForm(Form):
    report_cadence = SelectField(_l("Progress reports due"), choices=list(CADENCE_LABELS.items()))


class ItemForm(OneTimeKey, Form):
    key_task_id = SelectField(_l("Key task"), coerce=int, validators=[required()])
    title = StringField(_l("Item"), validators=[required(), max_length(200)])
    content = TextAreaField(_l("Work content"), validators=[Optional(), max_length(5000)])
    expected_results = TextAreaField(
        _l("Expected results"),
        description=_l("Measurable where possible: numbers, documents, events."),
        validators=[Optional(), max_length(5000)],
    )
    deadline = StringField(
        _l("Deadline"),
        description=_l(
            "A date such as 2026-12-31, or a number of working days after the plan is issued, such as 20个工作日."  # noqa: E501
        ),
        validators=[required(), max_length(40)],
    )
    priority = SelectField(_l("Priority"), choices=list(PRIORITY_LABELS.items()), default="normal")
    lead_body_ids = SelectMultipleField(_l("Lead units (at most one per side)"), coerce=int)
    cooperating_body_ids = SelectMultipleField(_l("Co-operating units"), coerce=int)
    milestones = TextAreaField(
        _l("Milestones"),
        description=_l("One per line: date, a space, then the milestone, e.g. 2026-06-30 完成中期评估"),
        validators=[Optional(), max_length(3000)],
    )
    amendment_reason = TextAreaField(_l("Reason for the amendment"), validators=[Optional(), max_length(500)])
    version = HiddenField()

    parsed_deadline: date | None = None
    parsed_workdays: int | None = None

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.parsed_milestones: list[tuple[str, date]] = []

    def validate_deadline(self, field: Field) -> None:
        self.parsed_deadline, self.parsed_workdays = parse_item_deadline(field.data or "")

    def validate_milestones(self, field: Field) -> None:
        self.parsed_milestones = []
        for number, line in enumerate((field.data or "").splitlines(), start=1):
            if not line.strip():
                continue
            day, _, title = line.strip().partition(" ")
            try:
                self.parsed_milestones.append((title.strip(), date.fromisoformat(day)))
            except ValueError as error:
                raise ValidationError(
                    _l("Line %(n)d: start with a date such as 2026-06-30.", n=number)
                ) from error
            if not title.strip():
                raise ValidationError(_l("Line %(n)d: name the milestone after the date.", n=number))


class SubmitForm(Form):
    meeting_id = SelectField(_l("Joint meeting"), coerce=int, validators=[required()])


class IssueForm(Form):
    document_number = StringField(
        _l("Document number"),
        description=_l("e.g. 沪合作办〔2026〕12号"),
        validators=[Optional(), max_length(60)],
    )


class CommentForm(OneTimeKey, Form):
    text = TextAreaField(_l("Comment"), validators=[required(), max_length(2000)])


class ImportForm(Form):
    pass
