from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import NumberRange, Optional

from coordination.forms import Form, OneTimeKey, max_length, required, required_input, within_period

FILES_HELP = _l("PDF, OFD, Word, Excel, PowerPoint, images, text or zip; at most 10 MB each.")


class VersionedForm(Form):
    version = HiddenField()


class ReportForm(OneTimeKey, VersionedForm):
    period = StringField(
        _l("Period"), description=_l("e.g. 2026年11月 or 第四季度"), validators=[Optional(), max_length(40)]
    )
    percent = IntegerField(
        _l("Percent complete"),
        validators=[required(), NumberRange(min=0, max=100, message=_l("Between 0 and 100."))],
    )
    text = TextAreaField(_l("Progress"), validators=[required(), max_length(5000)])
    files = MultipleFileField(_l("Attachments"), description=FILES_HELP)


class ExtensionForm(OneTimeKey, VersionedForm):
    requested_date = DateField(_l("New deadline requested"), validators=[required_input(), within_period()])
    reason = TextAreaField(_l("Reason"), validators=[required(), max_length(2000)])
    progress = TextAreaField(_l("Current progress"), validators=[Optional(), max_length(2000)])


class CompletionForm(VersionedForm):
    results = TextAreaField(_l("Results achieved"), validators=[required(), max_length(5000)])
    files = MultipleFileField(_l("Evidence"), description=FILES_HELP)


class CloseForm(VersionedForm):
    quality = SelectField(
        _l("Quality score"),
        choices=[("", "—"), ("5", "5"), ("4", "4"), ("3", "3"), ("2", "2"), ("1", "1")],
        validators=[Optional()],
    )
    note = TextAreaField(_l("Verification note"), validators=[Optional(), max_length(2000)])


class ReasonForm(VersionedForm):
    reason = TextAreaField(_l("Reason"), validators=[required(), max_length(2000)])


class DecisionForm(VersionedForm):
    note = TextAreaField(_l("Note"), validators=[Optional(), max_length(2000)])


class RecountForm(Form):
    reason = TextAreaField(_l("Reason"), validators=[required(), max_length(1000)])
