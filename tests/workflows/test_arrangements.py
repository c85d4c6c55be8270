"""Reading a year's arrangement as the State Council's notice reads and as holiday-cn files hold it."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.workdays import (
    ADJUSTED_WORKDAY_NAME,
    ArrangementError,
    CalendarDay,
    WorkCalendar,
    add_workdays,
    package_calendar,
    package_days,
    parse_holiday_cn,
    parse_notice,
    using,
    workdays_between,
)

# The 2026 arrangement written as the notice reads it; chinesecalendar holds the same.
NOTICE_2026 = """一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
三、清明节：4月4日（周六）至6日（周一）放假，共3天。
四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
五、端午节：6月19日（周五）至21日（周日）放假，共3天。
六、中秋节：9月25日（周五）至27日（周日）放假，共3天。9月20日（周日）上班。
七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。10月10日（周六）上班。
"""


def test_the_notice_as_it_reads_gives_the_packages_arrangement():
    days = parse_notice(2026, NOTICE_2026)
    package = package_calendar()
    typed = WorkCalendar.from_days(days, {2026})
    day = date(2026, 1, 1)
    while day.year == 2026:
        assert typed.is_workday(day) is package.is_workday(day), day
        day = date.fromordinal(day.toordinal() + 1)
    named = {d.day: d.name for d in days}
    assert named[date(2026, 2, 16)] == "春节"
    assert named[date(2026, 2, 28)] == ADJUSTED_WORKDAY_NAME


def test_a_holiday_on_one_day_and_one_starting_in_december():
    notice = "一、元旦：2022年12月31日至2023年1月2日放假调休，共3天。\n二、劳动节：5月1日放假。"
    days = parse_notice(2023, notice)
    assert [d.day for d in days] == [date(2022, 12, 31), date(2023, 1, 1), date(2023, 1, 2), date(2023, 5, 1)]


@pytest.mark.parametrize(
    ("text", "reason", "line"),
    [
        ("元旦放假", "not a holiday line", 1),
        ("\n春节：2月30日至3月2日放假。", "not a date", 2),
        ("春节：至放假。", "first and last day", 1),
        ("春节：2月10日至1月2日放假。", "days not in order", 1),
        ("春节：10日至12日放假。", "day without month", 1),
        ("", "no holiday lines", None),
    ],
)
def test_a_notice_that_cannot_be_read_says_where(text, reason, line):
    with pytest.raises(ArrangementError) as raised:
        parse_notice(2027, text)
    assert (raised.value.reason, raised.value.where) == (reason, line)


def test_holiday_cn_file():
    year, days = parse_holiday_cn(
        {
            "year": 2027,
            "days": [
                {"name": "元旦", "date": "2027-01-01", "isOffDay": True},
                {"name": "春节", "date": "2027-02-07", "isOffDay": False},
            ],
        }
    )
    assert year == 2027
    assert days == [
        CalendarDay(date(2027, 1, 1), False, "元旦"),
        CalendarDay(date(2027, 2, 7), True, ADJUSTED_WORKDAY_NAME),
    ]


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ([], "no year"),
        ({"year": "2027", "days": []}, "no year"),
        ({"year": 2027}, "no days"),
        ({"year": 2027, "days": [{"date": "2027-13-01", "isOffDay": True}]}, "not a day"),
        ({"year": 2027, "days": [{"date": "2027-01-01", "isOffDay": "yes"}]}, "not a day"),
        ({"year": 2027, "days": [{"date": "2030-01-01", "isOffDay": True}]}, "not in the year"),
    ],
)
def test_holiday_cn_file_refused(document, reason):
    with pytest.raises(ArrangementError) as raised:
        parse_holiday_cn(document)
    assert raised.value.reason == reason


def test_an_unconfirmed_year_counts_monday_to_friday_and_says_so():
    calendar = WorkCalendar.from_days([], {2026})
    with using(calendar):
        # The example: 30 working days from 2 December 2026 with 2027 not entered.
        assert add_workdays(date(2026, 12, 2), 30) == date(2027, 1, 13)
    assert calendar.unconfirmed_years_touched == {2027}
    confirmed = WorkCalendar.from_days([CalendarDay(date(2027, 1, 1), False, "元旦")], {2026, 2027})
    with using(confirmed):
        assert add_workdays(date(2026, 12, 2), 30) == date(2027, 1, 14)
        assert workdays_between(date(2026, 12, 31), date(2027, 1, 4)) == 1
    assert confirmed.unconfirmed_years_touched == set()


def _walk_add(calendar: WorkCalendar, start: date, n: int) -> date:
    """The definition, one day at a time: what the fast arithmetic must agree with."""
    if n == 0:
        day = start
        while not calendar.is_workday(day):
            day = date.fromordinal(day.toordinal() + 1)
        return day
    step, day, remaining = (1 if n > 0 else -1), start, abs(n)
    while remaining:
        day = date.fromordinal(day.toordinal() + step)
        remaining -= calendar.is_workday(day)
    return day


def _walk_between(calendar: WorkCalendar, a: date, b: date) -> int:
    low, high = sorted((a, b))
    days = range(low.toordinal() + 1, high.toordinal() + 1)
    count = sum(calendar.is_workday(date.fromordinal(o)) for o in days)
    return count if a <= b else -count


@settings(max_examples=300, deadline=None)
@given(
    start=st.dates(min_value=date(2003, 6, 1), max_value=date(2027, 12, 31)),
    n=st.integers(min_value=-400, max_value=400),
    other=st.dates(min_value=date(2003, 6, 1), max_value=date(2027, 12, 31)),
)
def test_fast_arithmetic_agrees_with_counting_day_by_day(start, n, other):
    # The package's years plus a made-up 2027 with a long holiday, and 2028 not confirmed.
    days = [d for year in range(2004, 2027) for d in package_days(year)]
    days += [CalendarDay(date(2027, 1, 1) + timedelta(days=k), False, "假") for k in range(20)]
    days += [CalendarDay(date(2027, 1, 23), True, ADJUSTED_WORKDAY_NAME)]
    calendar = WorkCalendar.from_days(days, range(2004, 2028))
    with using(calendar):
        assert add_workdays(start, n) == _walk_add(calendar, start, n)
        assert workdays_between(start, other) == _walk_between(calendar, start, other)


def test_counting_over_centuries_does_not_walk_day_by_day():
    calendar = package_calendar()

    def walked(day: date) -> bool:
        raise AssertionError(f"looked at {day} one day at a time")

    calendar.is_workday = walked
    with using(calendar):
        assert add_workdays(date(2026, 12, 1), 200_000) > date(2700, 1, 1)
        assert workdays_between(date(2026, 1, 1), date(2999, 12, 31)) > 250_000
    assert 2999 in calendar.unconfirmed_years_touched
