from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField
from wtforms.validators import Optional

from coordination.forms import Form, between, required_input


class TrafficRuleForm(Form):
    warning_workdays = IntegerField(
        _l("Yellow when the deadline is within this many working days …"),
        validators=[required_input(), between(0, 30)],
    )
    at_risk_percent = IntegerField(
        _l("… and progress is below this per cent"), validators=[required_input(), between(0, 100)]
    )
    lag_enabled = BooleanField(_l("Check progress against the time elapsed (序时进度)"))
    lag_points = IntegerField(
        _l("Yellow when progress lags the elapsed share of the time by more than (points)"),
        validators=[Optional(), between(1, 100)],
    )

    def validate_lag_points(self, field: IntegerField) -> None:
        from wtforms.validators import ValidationError

        if self.lag_enabled.data and field.data is None:
            raise ValidationError(_l("This field is required."))
