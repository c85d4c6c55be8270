from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import HiddenField, TextAreaField

from coordination.forms import Form, max_length, required


class ArrangementForm(Form):
    """The arrangement as the State Council's notice reads it, or a holiday-cn JSON file."""

    notice = TextAreaField(_l("Text of the notice"), validators=[max_length(5000)])
    file = FileField(_l("Or a holiday-cn JSON file"))


class ConfirmForm(Form):
    payload = HiddenField(validators=[required(), max_length(20000)])
