"""Who is told what, and when the e-mail goes (workflows/notifications.py), against the statutory
calendar of autumn 2026: Sunday 20 September is worked, 25–27 September and 1–7 October are rest
days, Saturday 10 October is worked."""

from datetime import datetime

import pytest

from workflows.notifications import (
    RULES,
    Audience,
    UnknownAudience,
    Urgency,
    audiences_of,
    checked_overrides,
    email_due,
    next_digest,
)

TUESDAY_10 = datetime(2026, 9, 15, 10, 0)


def test_the_default_table_tells_units_and_verifiers_what_the_issue_asks():
    assert audiences_of("task_assigned") == {Audience.UNIT_LIAISONS}
    assert audiences_of("completion_submitted") == {Audience.VERIFIERS}
    assert audiences_of("extension_requested") == {Audience.VERIFIERS}
    assert audiences_of("plan_consultation") == {Audience.PLAN_UNITS}
    assert audiences_of("plan_comment") == {Audience.PLAN_DRAFTERS}
    assert audiences_of("plan_issued") == {Audience.LEAD_DEPARTMENTS, Audience.LEADING_GROUP}
    assert RULES["task_returned"].urgency is Urgency.URGENT
    assert RULES["extension_rejected"].urgency is Urgency.URGENT
    assert RULES["escalation"].urgency is Urgency.URGENT
    assert not RULES["meeting_scheduled"].by_email  # the invitation e-mail already tells attendees


def test_a_mechanism_changes_the_audience_and_only_differences_are_kept():
    kept = checked_overrides(
        {"task_returned": ["unit_liaisons", "unit_heads"], "task_assigned": ["unit_liaisons"]}
    )
    assert kept == {"task_returned": ["unit_heads", "unit_liaisons"]}
    assert audiences_of("task_returned", kept) == {Audience.UNIT_LIAISONS, Audience.UNIT_HEADS}
    assert audiences_of("task_assigned", kept) == {Audience.UNIT_LIAISONS}
    assert audiences_of("plan_comment", {"plan_comment": []}) == frozenset()  # told nobody: allowed


@pytest.mark.parametrize(
    "chosen", [{"no_such_kind": []}, {"task_returned": ["everyone"]}, {"escalation": ["unit_heads"]}]
)
def test_unknown_kinds_and_audiences_are_refused(chosen):
    with pytest.raises(UnknownAudience):
        checked_overrides(chosen)


def test_immediate_goes_now_on_a_working_day_and_waits_out_the_night():
    assert email_due("immediate", Urgency.NORMAL, TUESDAY_10) == TUESDAY_10
    assert email_due("immediate", Urgency.NORMAL, datetime(2026, 9, 15, 22, 30)) == datetime(
        2026, 9, 16, 9, 0
    )


def test_digest_goes_at_nine_on_the_next_working_day():
    assert email_due("digest", Urgency.NORMAL, TUESDAY_10) == datetime(2026, 9, 16, 9, 0)
    assert email_due("digest", Urgency.NORMAL, datetime(2026, 9, 16, 8, 0)) == datetime(2026, 9, 16, 9, 0)
    # Friday afternoon → the worked Sunday.
    assert next_digest(datetime(2026, 9, 18, 15, 0)) == datetime(2026, 9, 20, 9, 0)
    # Thursday before three rest days → Monday.
    assert next_digest(datetime(2026, 9, 24, 11, 0)) == datetime(2026, 9, 28, 9, 0)
    # The eve of National Day → the first working day after the holiday.
    assert next_digest(datetime(2026, 9, 30, 11, 0)) == datetime(2026, 10, 8, 9, 0)
    # Friday after it → the worked Saturday.
    assert next_digest(datetime(2026, 10, 9, 11, 0)) == datetime(2026, 10, 10, 9, 0)


def test_urgent_is_immediate_for_digest_users_but_not_for_those_who_turned_email_off():
    assert email_due("digest", Urgency.URGENT, TUESDAY_10) == TUESDAY_10
    assert email_due("off", Urgency.URGENT, TUESDAY_10) is None
    assert email_due("off", Urgency.NORMAL, TUESDAY_10) is None
    assert email_due("immediate", Urgency.NORMAL, TUESDAY_10, by_email=False) is None
    # Urgent at night still waits for the morning: nothing is mailed in quiet hours.
    assert email_due("digest", Urgency.URGENT, datetime(2026, 10, 3, 10, 0)) == datetime(2026, 10, 8, 9, 0)
