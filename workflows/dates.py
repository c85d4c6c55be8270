"""The dates a user may give: within the mechanism's period, one year either side.

Every date typed into a form, read from an imported sheet or put into a filter passes this one
rule. Without it a deadline in 2299 makes reminders, lights and working-day counts run over
centuries, and 9999-12-31 overflows the first date arithmetic done on it. One year either side
leaves room for the plan drafted the autumn before the period starts and for extensions and
final reports that run into the year after it ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

MARGIN_YEARS = 1
# Whatever a mechanism says, nothing before 1900 (timezone arithmetic on year 1 overflows) or
# after 9998 (date.max is 9999-12-31: a day added to it overflows).
EARLIEST_YEAR, LATEST_YEAR = 1900, 9998


@dataclass(frozen=True)
class DateRange:
    first: date
    last: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= _as_date(day) <= self.last


def _as_date(day: date) -> date:
    # A datetime is a date too; compare its day.
    return date(day.year, day.month, day.day)


def accepted_dates(period_start: int, period_end: int, margin_years: int = MARGIN_YEARS) -> DateRange:
    """From 1 January of the year before the period to 31 December of the year after it."""
    first = min(max(period_start - margin_years, EARLIEST_YEAR), LATEST_YEAR)
    last = max(min(period_end + margin_years, LATEST_YEAR), first)
    return DateRange(date(first, 1, 1), date(last, 12, 31))


# Where no mechanism is at hand (an empty database): still nothing that overflows.
ANY_SANE_DATE = DateRange(date(EARLIEST_YEAR, 1, 1), date(LATEST_YEAR, 12, 31))
