from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectMultipleField, StringField
from wtforms.validators import Email, Optional, Regexp, ValidationError

from coordination.auth.models import Role
from coordination.auth.passwords import password_problems
from coordination.forms import Form, MultiCheckboxField, max_length, required

if TYPE_CHECKING:
    from wtforms import Field

ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.LEADER: _l("Leading-group member"),
    Role.LEAD_STAFF: _l("Lead-department staff"),
    Role.SECRETARY: _l("Secretary"),
    Role.LIAISON: _l("Member-unit liaison"),
}


class LoginForm(Form):
    username = StringField(_l("User name"), validators=[required(), max_length(60)])
    password = PasswordField(_l("Password"), validators=[required(), max_length(200)])
    remember = BooleanField(_l("Keep me signed in on this computer"))


class ChangePasswordForm(Form):
    current = PasswordField(_l("Current password"), validators=[required()])
    new = PasswordField(_l("New password"), validators=[required(), max_length(200)])
    confirm = PasswordField(_l("Repeat new password"), validators=[required()])

    def __init__(self, username: str, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._username = username

    def validate_new(self, field: Field) -> None:
        if problems := password_problems(field.data or "", self._username):
            raise ValidationError(" ".join(problems))

    def validate_confirm(self, field: Field) -> None:
        if field.data != self.new.data:
            raise ValidationError(_l("The two passwords differ."))


class UserForm(Form):
    username = StringField(
        _l("User name"),
        validators=[
            required(),
            max_length(60),
            Regexp(r"^[A-Za-z0-9_.-]+$", message=_l("Letters, digits, dot, dash and underscore only.")),
        ],
    )
    name = StringField(_l("Full name"), validators=[required(), max_length(60)])
    email = EmailField(
        _l("E-mail"),
        validators=[Optional(), max_length(254), Email(message=_l("Not a valid e-mail address."))],
    )
    phone = StringField(_l("Phone"), validators=[Optional(), max_length(30)])
    roles = MultiCheckboxField(_l("Roles"), choices=[(r.value, label) for r, label in ROLE_LABELS.items()])
    bodies = SelectMultipleField(_l("Member of"), coerce=int)
    head_of = SelectMultipleField(
        _l("Head of"),
        coerce=int,
        description=_l("Heads are copied on escalations of their unit's overdue tasks."),
    )

    def validate_head_of(self, field: Field) -> None:
        if set(field.data or []) - set(self.bodies.data or []):
            raise ValidationError(_l("A head must also be a member of the unit."))

    password = PasswordField(
        _l("Password"),
        description=_l("Leave empty to keep the current password."),
        validators=[Optional(), max_length(200)],
    )

    def validate_password(self, field: Field) -> None:
        if field.data and (problems := password_problems(field.data, self.username.data or "")):
            raise ValidationError(" ".join(problems))
