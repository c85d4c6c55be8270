"""PRC working days: statutory holidays and adjusted working weekends (调休).

The arrangement of each year is data (the State Council publishes next year's around November),
so it is a `WorkCalendar` value: the days that differ from Monday–Friday, and which years an
administrator has confirmed. The application installs a provider that reads it from the database;
outside the application (pure tests, scripts) the calendar of the `chinesecalendar` package is
used. A year that is not confirmed falls back to Monday–Friday; every computation that touched
such a year is noted on the calendar (`unconfirmed_years_touched`) so that pages can say so.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

import chinese_calendar

ADJUSTED_WORKDAY_NAME = "调休上班"


@dataclass(frozen=True)
class CalendarDay:
    """One day that is not what Monday–Friday would make it, or a named holiday."""

    day: date
    is_workday: bool
    name: str = ""


def _weekdays_through(ordinal: int) -> int:
    """Mondays to Fridays among the days 1 … ordinal (day 1, 0001-01-01, is a Monday)."""
    weeks, rest = divmod(ordinal, 7)
    return weeks * 5 + min(rest, 5)


@dataclass(frozen=True)
class _RankIndex:
    """The exceptions that differ from Monday–Friday, as sorted ordinals with running totals of
    their effect (+1 a working weekend day, -1 a weekday off), so that counting working days up
    to any date is a formula and a binary search, whatever the distance."""

    ordinals: list[int]
    running: list[int]  # running[i]: the effect of ordinals[:i]

    @classmethod
    def of(cls, exceptions: Mapping[date, bool], confirmed: frozenset[int]) -> _RankIndex:
        effects = sorted(
            (day.toordinal(), 1 if working else -1)
            for day, working in exceptions.items()
            if day.year in confirmed and working != (day.weekday() < 5)
        )
        running = [0]
        for _ordinal, effect in effects:
            running.append(running[-1] + effect)
        return cls([o for o, _e in effects], running)

    def rank(self, ordinal: int) -> int:
        """Working days among the days 1 … ordinal."""
        return _weekdays_through(ordinal) + self.running[bisect_right(self.ordinals, ordinal)]


@dataclass
class WorkCalendar:
    """Working days by an explicit list of exceptions to Monday–Friday, per confirmed year."""

    exceptions: Mapping[date, bool] = field(default_factory=dict)
    confirmed_years: frozenset[int] = frozenset()
    # Years not confirmed that a computation fell back to Monday–Friday for; read by the pages.
    unconfirmed_years_touched: set[int] = field(default_factory=set)
    _index: list[_RankIndex] = field(default_factory=list, repr=False, compare=False)  # built once, shared

    def _ranks(self) -> _RankIndex:
        if not self._index:
            self._index.append(_RankIndex.of(self.exceptions, self.confirmed_years))
        return self._index[0]

    def _note_span(self, first: date, last: date) -> None:
        for year in range(first.year, last.year + 1):
            if year not in self.confirmed_years:
                self.unconfirmed_years_touched.add(year)

    def count(self, a: date, b: date) -> int:
        """Working days d with a < d <= b (a <= b)."""
        self._note_span(a, b)
        ranks = self._ranks()
        return ranks.rank(b.toordinal()) - ranks.rank(a.toordinal())

    def first_reaching(self, start: date, n: int) -> date:
        """n > 0: the n-th working day after start; n < 0: the |n|-th before it; n = 0: start
        if it is a working day, else the next one. A binary search over ranks: no walk."""
        ranks = self._ranks()
        origin = start.toordinal()
        if n > 0:
            target, low, high = ranks.rank(origin) + n, origin + 1, origin + 2 * n + 31
        else:
            target = ranks.rank(origin - 1) + n + 1
            low, high = origin + 2 * n - 31, origin + 31
            while ranks.rank(low - 1) >= target:  # a span of holidays longer than the margin
                low -= origin - low
        while ranks.rank(high) < target:
            high += high - origin
        while low < high:
            middle = (low + high) // 2
            if ranks.rank(middle) >= target:
                high = middle
            else:
                low = middle + 1
        found = date.fromordinal(low)
        self._note_span(min(start, found), max(start, found))
        return found

    def covers(self, day: date) -> bool:
        return day.year in self.confirmed_years

    def is_workday(self, day: date) -> bool:
        if day.year not in self.confirmed_years:
            self.unconfirmed_years_touched.add(day.year)
            return day.weekday() < 5
        official = self.exceptions.get(day)
        return day.weekday() < 5 if official is None else official

    def note(self, year: int) -> None:
        """A page about to count in `year` (a form taking "N个工作日") says so when it is not confirmed."""
        if year not in self.confirmed_years:
            self.unconfirmed_years_touched.add(year)

    def fresh(self) -> WorkCalendar:
        """The same calendar with nothing touched yet (the data and its index are shared)."""
        self._ranks()
        return WorkCalendar(self.exceptions, self.confirmed_years, set(), self._index)

    @classmethod
    def from_days(cls, days: Iterable[CalendarDay], confirmed_years: Iterable[int]) -> WorkCalendar:
        return cls({d.day: d.is_workday for d in days}, frozenset(confirmed_years))


# --- the calendar in force -------------------------------------------------------------------

_override: ContextVar[WorkCalendar | None] = ContextVar("work_calendar", default=None)
_provider: Callable[[], WorkCalendar | None] | None = None


def install(provider: Callable[[], WorkCalendar | None]) -> None:
    """The application's source of the calendar (None from it: use the package's)."""
    global _provider
    _provider = provider


@contextmanager
def using(calendar: WorkCalendar) -> Iterator[WorkCalendar]:
    """Compute with `calendar` inside the block (tests, previews of a year not yet saved)."""
    token = _override.set(calendar)
    try:
        yield calendar
    finally:
        _override.reset(token)


def active() -> WorkCalendar:
    calendar = _override.get()
    if calendar is None and _provider is not None:
        calendar = _provider()
    return calendar if calendar is not None else package_calendar()


# --- arithmetic --------------------------------------------------------------------------------


def calendar_covers(day: date) -> bool:
    """False when the arrangement for day's year is not confirmed (Monday–Friday is assumed)."""
    return active().covers(day)


def note_year(year: int) -> None:
    active().note(year)


def is_workday(day: date) -> bool:
    return active().is_workday(day)


def next_workday(day: date) -> date:
    """day itself when it is a working day, else the first working day after it."""
    return active().first_reaching(day, 0)


def add_workdays(start: date, n: int) -> date:
    """The n-th working day after start (n > 0) or before it (n < 0), not counting start.
    n = 0 gives start when it is a working day, else the next working day."""
    return active().first_reaching(start, n)


def workdays_between(a: date, b: date) -> int:
    """Working days d with a < d <= b; negative when b is before a."""
    calendar = active()
    return calendar.count(a, b) if a <= b else -calendar.count(b, a)


# --- sources of a year's arrangement ------------------------------------------------------------


def package_years() -> range:
    """The years the installed chinesecalendar package knows."""
    years = sorted({d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays})
    return range(years[0], years[-1] + 1)


_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


@cache
def package_days(year: int) -> tuple[CalendarDay, ...]:
    """chinesecalendar's arrangement of `year` as exceptions to Monday–Friday, with names."""
    days = []
    day = date(year, 1, 1)
    while day.year == year:
        resting, holiday = chinese_calendar.get_holiday_detail(day)  # holiday: its English name
        if resting and holiday is not None:
            days.append(CalendarDay(day, False, _HOLIDAY_NAMES.get(str(holiday), str(holiday))))
        elif not resting and day.weekday() >= 5:
            days.append(CalendarDay(day, True, ADJUSTED_WORKDAY_NAME))
        day += timedelta(days=1)
    return tuple(days)


@cache
def _package_calendar() -> WorkCalendar:
    years = package_years()
    return WorkCalendar.from_days([d for year in years for d in package_days(year)], years)


def package_calendar() -> WorkCalendar:
    return _package_calendar().fresh()


class ArrangementError(ValueError):
    """An arrangement that cannot be read: a reason key and the line or entry (from 1)."""

    def __init__(self, reason: str, where: int | None = None) -> None:
        super().__init__(f"{reason} (at {where})" if where else reason)
        self.reason = reason
        self.where = where


def parse_holiday_cn(document: object) -> tuple[int, list[CalendarDay]]:
    """The holiday-cn JSON format: {"year": 2027, "days": [{"name", "date", "isOffDay"}, ...]}."""
    if not isinstance(document, dict) or not isinstance(document.get("year"), int):
        raise ArrangementError("no year")
    year = document["year"]
    entries = document.get("days")
    if not isinstance(entries, list):
        raise ArrangementError("no days")
    days: dict[date, CalendarDay] = {}
    for number, entry in enumerate(entries, start=1):
        try:
            day = date.fromisoformat(entry["date"])
            off = entry["isOffDay"]
            name = str(entry.get("name") or "")[:40]
        except (TypeError, KeyError, ValueError) as error:
            raise ArrangementError("not a day", number) from error
        if not isinstance(off, bool):
            raise ArrangementError("not a day", number)
        # holiday-cn lists a New Year holiday that starts on 31 December in the next year's file.
        if abs(day.year - year) > 1:
            raise ArrangementError("not in the year", number)
        days[day] = CalendarDay(day, not off, name if off else ADJUSTED_WORKDAY_NAME)
    return year, sorted(days.values(), key=lambda d: d.day)


# 一、元旦：1月1日（周五）至3日（周日）放假调休，共3天。1月4日（周一）上班。
_NOTICE_LINE = re.compile(r"^\s*(?:[一二三四五六七八九十]+、)?\s*(?P<name>[^：:]+?)\s*[：:](?P<rest>.+)$")
_PARENTHESES = re.compile(r"[（(][^）)]*[）)]")
_DATE = re.compile(r"(?:(?P<y>\d{4})年)?(?:(?P<m>\d{1,2})月)?(?P<d>\d{1,2})日")


def _notice_dates(text: str, year: int, line: int) -> list[date]:
    found, month, current_year = [], None, year
    for match in _DATE.finditer(text):
        current_year = int(match["y"]) if match["y"] else current_year
        month = int(match["m"]) if match["m"] else month
        if month is None:
            raise ArrangementError("day without month", line)
        try:
            found.append(date(current_year, month, int(match["d"])))
        except ValueError as error:
            raise ArrangementError("not a date", line) from error
    return found


def parse_notice(year: int, text: str) -> list[CalendarDay]:
    """The arrangement as the State Council's notice reads, one holiday a line:
    "春节：2月6日（周六）至14日（周日）放假调休，共9天。2月20日（周六）上班。"."""
    days: dict[date, CalendarDay] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        match = _NOTICE_LINE.match(_PARENTHESES.sub("", raw))
        if match is None or "放假" not in match["rest"]:
            raise ArrangementError("not a holiday line", number)
        name = match["name"][:40]
        off_part, _sep, work_part = match["rest"].partition("放假")
        off = _notice_dates(off_part, year, number)
        if not off or len(off) > 2:
            raise ArrangementError("first and last day", number)
        first, last = off[0], off[-1]
        if last < first or (last - first).days > 15:
            raise ArrangementError("days not in order", number)
        day = first
        while day <= last:
            days[day] = CalendarDay(day, False, name)
            day += timedelta(days=1)
        for sentence in re.split(r"[。；;]", work_part):
            if "上班" in sentence:
                for working in _notice_dates(sentence, year, number):
                    days[working] = CalendarDay(working, True, ADJUSTED_WORKDAY_NAME)
    if not days:
        raise ArrangementError("no holiday lines")
    return sorted(days.values(), key=lambda d: d.day)
