from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, IntegerField, TextAreaField

from coordination.forms import Form, between, required, required_input


def _number(label: object, low: int = 0, high: int = 100) -> IntegerField:
    return IntegerField(label, validators=[required_input(), between(low, high)])


class RubricForm(Form):
    completion = _number(_l("Completion (tasks closed)"))
    timeliness = _number(_l("Timeliness (closed by the original deadline)"))
    extensions = _number(_l("No extension needed"))
    quality = _number(_l("Quality score at verification"))
    reporting = _number(_l("Reporting discipline (progress reports filed)"))
    commend_top = _number(_l("Units proposed for commendation per party"), high=50)
    commend_min = _number(_l("Minimum final score for commendation"))


class AdjustmentForm(Form):
    points = DecimalField(
        _l("Points (−20 to +20)"), places=1, validators=[required_input(), between(-20, 20)]
    )
    reason = TextAreaField(_l("Reason"), validators=[required()])
