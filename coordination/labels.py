"""What users read for each state and code: one place, translated."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from workflows.traffic import Assessment, Reason, TrafficRule

PLAN_STATE_LABELS = {
    "draft": _l("Draft"),
    "consultation": _l("In consultation"),
    "submitted": _l("On the meeting agenda"),
    "adopted": _l("Adopted"),
    "issued": _l("Issued"),
    "closed": _l("Closed"),
}

ASSIGNMENT_STATE_LABELS = {
    "assigned": _l("Assigned"),
    "acknowledged": _l("Acknowledged"),
    "in_progress": _l("In progress"),
    "submitted": _l("Completion submitted"),
    "closed": _l("Closed"),
    "returned": _l("Returned"),
    "cancelled": _l("Cancelled"),
}

EXTENSION_STATE_LABELS = {
    "pending": _l("Pending"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "withdrawn": _l("Withdrawn"),
}

MEETING_STATE_LABELS = {
    "draft": _l("Draft"),
    "scheduled": _l("Scheduled"),
    "held": _l("Held"),
    "minutes_published": _l("Minutes published"),
    "cancelled": _l("Cancelled"),
}

MEETING_KIND_LABELS = {"joint": _l("Joint meeting"), "topic": _l("Topic meeting")}

UNIT_ROLE_LABELS = {"lead": _l("Lead unit"), "cooperating": _l("Co-operating unit")}

PRIORITY_LABELS = {"high": _l("High"), "normal": _l("Normal"), "low": _l("Low")}

LIGHT_LABELS = {
    "green": _l("On track"),
    "yellow": _l("At risk"),
    "red": _l("Overdue"),
    "none": _l("Finished"),
}


def light_reason(assessment: Assessment, rule: TrafficRule) -> str:
    """Why the light is what it is, in a sentence (empty for green and finished)."""
    if assessment.reason == Reason.OVERDUE:
        return _("Past its deadline.")
    if assessment.reason == Reason.PENDING_EXTENSION:
        return _("An extension request is waiting for a decision.")
    if assessment.reason == Reason.DEADLINE_NEAR:
        return _(
            "Due within %(n)d working days and less than %(percent)d%% done.",
            n=rule.warning_workdays,
            percent=rule.at_risk_percent,
        )
    if assessment.reason == Reason.BEHIND_SCHEDULE:
        return _(
            "Behind schedule by %(points)d points: progress lags the share of its time gone by.",
            points=assessment.behind_by,
        )
    return ""


ALL_LABELS = {
    "plan_state": PLAN_STATE_LABELS,
    "assignment_state": ASSIGNMENT_STATE_LABELS,
    "extension_state": EXTENSION_STATE_LABELS,
    "meeting_state": MEETING_STATE_LABELS,
    "meeting_kind": MEETING_KIND_LABELS,
    "unit_role": UNIT_ROLE_LABELS,
    "priority": PRIORITY_LABELS,
    "light": LIGHT_LABELS,
}

# What the history of a task says for each audited action.
ACTION_LABELS = {
    "assignment.create": _l("assigned the task"),
    "assignment.acknowledge": _l("acknowledged"),
    "assignment.start": _l("started work"),
    "assignment.resume": _l("resumed work"),
    "assignment.report": _l("reported progress"),
    "assignment.extension_request": _l("asked for an extension"),
    "assignment.extension_approve": _l("approved the extension"),
    "assignment.extension_reject": _l("rejected the extension"),
    "assignment.extension_withdraw": _l("withdrew the extension request"),
    "assignment.submit_completion": _l("submitted completion"),
    "assignment.evidence": _l("attached evidence"),
    "assignment.close": _l("verified and closed"),
    "assignment.return": _l("returned for rework"),
    "assignment.cancel": _l("cancelled"),
    "assignment.amend": _l("changed by a plan amendment"),
}

VISIT_STATE_LABELS = {
    "planned": _l("Planned"),
    "confirmed": _l("Confirmed"),
    "completed": _l("Completed"),
    "cancelled": _l("Cancelled"),
}
ATTENDEE_ROLE_LABELS = {"chair": _l("Chair"), "required": _l("Required"), "optional": _l("Optional")}
PARTSTAT_LABELS = {
    "NEEDS-ACTION": _l("No answer yet"),
    "ACCEPTED": _l("Accepted"),
    "DECLINED": _l("Declined"),
    "TENTATIVE": _l("Tentative"),
}
ITINERARY_KIND_LABELS = {
    "meeting": _l("Meeting"),
    "site_visit": _l("Site visit"),
    "signing": _l("Signing ceremony"),
}
OUTCOME_KIND_LABELS = {"agreement": _l("Agreement signed"), "matter": _l("Matter agreed")}
ALL_LABELS.update(
    visit_state=VISIT_STATE_LABELS,
    attendee_role=ATTENDEE_ROLE_LABELS,
    partstat=PARTSTAT_LABELS,
    itinerary_kind=ITINERARY_KIND_LABELS,
    outcome_kind=OUTCOME_KIND_LABELS,
)

REMINDER_STATUS_LABELS = {
    "pending": _l("Scheduled"),
    "sending": _l("Being sent"),
    "sent": _l("Sent"),
    "failed": _l("Failed"),
    "cancelled": _l("Cancelled"),
}
ALL_LABELS["reminder_status"] = REMINDER_STATUS_LABELS

CADENCE_LABELS = {"monthly": _l("Monthly"), "quarterly": _l("Quarterly"), "none": _l("No fixed cadence")}
ALL_LABELS["cadence"] = CADENCE_LABELS

EVALUATION_COMPONENT_LABELS = {
    "completion": _l("Completion"),
    "timeliness": _l("Timeliness"),
    "extensions": _l("No extension"),
    "quality": _l("Quality"),
    "reporting": _l("Reporting"),
}
ALL_LABELS["component"] = EVALUATION_COMPONENT_LABELS

REPORT_STATE_LABELS = {
    "queued": _l("Queued"),
    "running": _l("Being generated"),
    "done": _l("Ready"),
    "failed": _l("Failed"),
}
ALL_LABELS["report_state"] = REPORT_STATE_LABELS


class ResolvedLabels(dict):
    """The label tables in the request's language, each resolved on first use: a page of fifty
    rows would otherwise look the same translations up hundreds of times."""

    def __missing__(self, group: str) -> dict[str, str]:
        resolved = {key: str(value) for key, value in ALL_LABELS[group].items()}
        self[group] = resolved
        return resolved


CALENDAR_SOURCE_LABELS = {
    "chinesecalendar": _l("Loaded at installation (chinesecalendar)"),
    "notice": _l("Entered from the State Council notice"),
    "holiday_cn": _l("Imported from a holiday-cn file"),
}
ALL_LABELS["calendar_source"] = CALENDAR_SOURCE_LABELS
