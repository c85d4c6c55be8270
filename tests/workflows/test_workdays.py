"""Working days around Spring Festival and National Day, with the adjusted working weekends."""

from datetime import date

import chinese_calendar
import pytest

from workflows.assignment import AssignmentState
from workflows.traffic import Light, traffic_light
from workflows.workdays import add_workdays, calendar_covers, is_workday, next_workday, workdays_between


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2024, 2, 4), True),  # Sunday, adjusted working day before Spring Festival 2024
        (date(2024, 2, 9), True),  # 除夕 2024 was not in the statutory holiday (10–17 Feb)
        (date(2024, 2, 12), False),  # Monday of the holiday
        (date(2024, 2, 18), True),  # Sunday, adjusted working day after the holiday
        (date(2024, 9, 29), True),  # Sunday before National Day 2024
        (date(2024, 10, 7), False),  # Monday, still National Day
        (date(2024, 10, 12), True),  # Saturday after National Day
        (date(2025, 1, 26), True),  # Sunday before Spring Festival 2025
        (date(2025, 2, 4), False),
        (date(2025, 10, 8), False),  # National Day and Mid-Autumn 2025
        (date(2025, 10, 11), True),  # Saturday after it
        (date(2026, 2, 14), True),  # Saturday before Spring Festival 2026
    ],
)
def test_statutory_calendar(day, working):
    assert is_workday(day) is working
    assert is_workday(day) is chinese_calendar.is_workday(day)  # the source we trust, checked


def test_adding_working_days_skips_spring_festival_2024():
    # Friday 9 Feb 2024 + 1 working day: the holiday runs 10–17 Feb and Sunday 18 Feb is an
    # adjusted working day.
    assert add_workdays(date(2024, 2, 9), 1) == date(2024, 2, 18)
    assert add_workdays(date(2024, 2, 9), 2) == date(2024, 2, 19)
    assert workdays_between(date(2024, 2, 9), date(2024, 2, 19)) == 2


def test_adding_working_days_around_national_day_2024():
    assert add_workdays(date(2024, 9, 27), 1) == date(2024, 9, 29)  # Sunday, adjusted
    assert add_workdays(date(2024, 9, 30), 1) == date(2024, 10, 8)
    assert add_workdays(date(2024, 10, 8), -1) == date(2024, 9, 30)


def test_zero_and_negative_working_days():
    assert add_workdays(date(2024, 10, 3), 0) == date(2024, 10, 8)
    assert add_workdays(date(2024, 10, 8), 0) == date(2024, 10, 8)
    assert next_workday(date(2024, 10, 1)) == date(2024, 10, 8)


def test_counting_working_days_between():
    assert workdays_between(date(2024, 9, 30), date(2024, 10, 8)) == 1
    assert workdays_between(date(2024, 10, 8), date(2024, 9, 30)) == -1
    assert workdays_between(date(2024, 2, 5), date(2024, 2, 5)) == 0


def test_years_the_calendar_does_not_cover_fall_back_to_weekdays():
    assert calendar_covers(date(2026, 6, 1))
    assert not calendar_covers(date(2030, 1, 1))
    assert is_workday(date(2030, 1, 1))  # a Tuesday: New Year is unknown, weekdays count
    assert not is_workday(date(2030, 1, 5))  # Saturday
    assert add_workdays(date(2030, 1, 4), 1) == date(2030, 1, 7)


T = date(2026, 11, 24)


@pytest.mark.parametrize(
    ("state", "deadline", "percent", "pending", "light"),
    [
        (AssignmentState.CLOSED, date(2026, 1, 1), 100, False, Light.NONE),
        (AssignmentState.CANCELLED, date(2026, 1, 1), 0, False, Light.NONE),
        (AssignmentState.IN_PROGRESS, date(2026, 11, 23), 90, False, Light.RED),
        (AssignmentState.SUBMITTED, date(2026, 11, 23), 100, False, Light.GREEN),
        (AssignmentState.IN_PROGRESS, date(2026, 12, 31), 10, True, Light.YELLOW),
        (AssignmentState.IN_PROGRESS, date(2026, 11, 27), 20, False, Light.YELLOW),
        (AssignmentState.IN_PROGRESS, date(2026, 11, 27), 90, False, Light.GREEN),
        (AssignmentState.ASSIGNED, date(2026, 12, 31), 0, False, Light.GREEN),
    ],
)
def test_traffic_lights(state, deadline, percent, pending, light):
    assert traffic_light(state, deadline, T, percent, pending) == light
