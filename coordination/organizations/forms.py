from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import NumberRange, Optional

from coordination.forms import Form, max_length, required
from coordination.organizations.models import BodyKind, Tier

TIER_LABELS = {
    Tier.DECISION: _l("Decision layer"),
    Tier.COORDINATION: _l("Coordination layer"),
    Tier.EXECUTION: _l("Execution layer"),
}

KIND_LABELS = {
    BodyKind.LEADING_GROUP: _l("Leading group"),
    BodyKind.LEAD_DEPARTMENT: _l("Lead department"),
    BodyKind.MEMBER_UNIT: _l("Member unit"),
    BodyKind.DISTRICT: _l("District or county"),
    BodyKind.ZONE: _l("New area or zone"),
}


class BodyForm(Form):
    party_id = SelectField(_l("Party"), coerce=int, validators=[required()])
    tier = SelectField(_l("Tier"), choices=[(t.value, label) for t, label in TIER_LABELS.items()])
    kind = SelectField(_l("Kind"), choices=[(k.value, label) for k, label in KIND_LABELS.items()])
    name_zh = StringField(_l("Name (Chinese)"), validators=[required(), max_length(100)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), max_length(200)])
    short_name = StringField(_l("Short name"), validators=[Optional(), max_length(40)])
    parent_id = SelectField(_l("Parent unit"), coerce=int, validators=[Optional()])
    sort_order = IntegerField(
        _l("Order"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=9999, message=_l("Between 0 and 9999."))],
    )
