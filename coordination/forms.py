"""Shared form pieces: validators with messages in the user's language."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from flask_babel import get_translations, lazy_ngettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectMultipleField, StringField, TextAreaField, widgets
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from coordination.organizations.queries import date_refusal
from coordination.submissions import is_key, new_key
from coordination.text import has_controls

if TYPE_CHECKING:
    from wtforms import Field

# WTForms' own messages, listed so extraction puts them in our catalogue (WTForms ships no
# zh_Hans_CN catalogue of its own).
WTFORMS_MESSAGES = (
    _l("Not a valid choice."),
    _l("Invalid Choice: could not coerce."),
    _l("Invalid choice(s): one or more data inputs could not be coerced."),
    _l("Choices cannot be None."),
    lazy_ngettext(
        "'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field.",
        1,
    ),
    _l("Not a valid integer value."),
    _l("Not a valid decimal value."),
    _l("Not a valid float value."),
    _l("Not a valid date value."),
    _l("Not a valid datetime value."),
    _l("Not a valid time value."),
    _l("Not a valid week value."),
    _l("Number must be at least %(min)s."),
    _l("Number must be at most %(max)s."),
    _l("Number must be between %(min)s and %(max)s."),
    _l("This field cannot be edited."),
    _l("This field is disabled and cannot have a value."),
    _l("Invalid email address."),
    _l("Invalid input."),
    _l("This field is required."),
)


class _BabelTranslations:
    # Unformatted lookups: WTForms applies its own %-formatting afterwards.
    def gettext(self, string: str) -> str:
        return get_translations().gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ngettext(singular, plural, n)


ONE_LINE = _l("Keep this on one line: remove line breaks, tabs and other control characters.")
NO_CONTROLS = _l("Remove the invisible control characters from this text.")


class Form(FlaskForm):
    """Base form: WTForms' built-in messages speak the user's language, and no text field of any
    form takes control characters (a text area keeps its line breaks and tabs)."""

    class Meta:
        def get_translations(self, form: FlaskForm) -> _BabelTranslations:
            return _BabelTranslations()

    def validate(
        self, extra_validators: Mapping[str, Sequence[Callable[[FlaskForm, Field], object]]] | None = None
    ) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            # StringField covers every text input: text areas, passwords, e-mail, hidden fields.
            if not isinstance(field, StringField) or not isinstance(field.data, str):
                continue
            multiline = isinstance(field, TextAreaField)
            if has_controls(field.data, multiline=multiline):
                field.errors = [*field.errors, NO_CONTROLS if multiline else ONE_LINE]
                valid = False
        return valid


class OneTimeKey:
    """Mixin for a form that creates something: a one-time key, made when the form is rendered
    (kept as posted when a refused form is shown again), so that sending it twice creates one
    record (see coordination.views_util.submit_once). A value that no form of ours made is
    replaced, so it never reaches the database."""

    once_key = HiddenField()

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if not is_key(self.once_key.data):
            self.once_key.data = new_key()


def parse_days(text: str, *, low: int = 1, high: int = 60) -> tuple[int, ...]:
    """'7, 3, 1' → (7, 3, 1); Chinese commas too."""
    parts = [p for p in text.replace("，", ",").replace("、", ",").replace(" ", ",").split(",") if p]
    try:
        days = tuple(sorted({int(p) for p in parts}, reverse=True))
    except ValueError as error:
        raise ValidationError(_l("Numbers separated by commas, e.g. 7, 3, 1.")) from error
    if not days or any(not low <= d <= high for d in days):
        raise ValidationError(_l("Each number between %(a)d and %(b)d.", a=low, b=high))
    return days


def required() -> DataRequired:
    return DataRequired(message=_l("This field is required."))


def between(low: int, high: int) -> NumberRange:
    return NumberRange(min=low, max=high, message=_l("Between %(a)d and %(b)d.", a=low, b=high))


def required_input() -> InputRequired:
    """For dates and numbers: an unparsable value then says so, instead of 'required'."""
    return InputRequired(message=_l("This field is required."))


def max_length(n: int) -> Length:
    return Length(max=n, message=_l("At most %(max)d characters.", max=n))


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form: FlaskForm) -> None:
        # Unknown values are rejected with a message instead of WTForms' English default.
        valid = {value for value, *_ in self.iter_choices()}
        for value in self.data or []:
            if str(value) not in {str(v) for v in valid}:
                raise ValidationError(self.gettext("Not a valid choice."))


class WithinPeriod:
    """A date or date-time within the mechanism's period, one year either side (workflows.dates):
    far-future dates would make reminders and working-day counts run over centuries."""

    def __call__(self, form: FlaskForm, field: Field) -> None:
        if message := date_refusal(field.data):
            raise ValidationError(message)


def within_period() -> WithinPeriod:
    return WithinPeriod()
