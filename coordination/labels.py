"""What users read for each state and code: one place, translated."""

import re
from collections.abc import Mapping
from datetime import datetime

from flask_babel import gettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from coordination.timeutil import to_local
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


class LightReasons:
    """Why a light is what it is, for a page of rows: the sentences are translated once, when
    made, and each row only picks one (and fills in its points behind schedule)."""

    def __init__(self, rule: TrafficRule) -> None:
        self.fixed = {
            Reason.OVERDUE: _("Past its deadline."),
            Reason.PENDING_EXTENSION: _("An extension request is waiting for a decision."),
            Reason.DEADLINE_NEAR: _(
                "Due within %(n)d working days and less than %(percent)d%% done.",
                n=rule.warning_workdays,
                percent=rule.at_risk_percent,
            ),
        }
        # Translated without its figure (gettext formats only when given one): filled in per row.
        self.behind = _("Behind schedule by %(points)d points: progress lags the share of its time gone by.")

    def __call__(self, assessment: Assessment) -> str:
        if assessment.reason == Reason.BEHIND_SCHEDULE:
            return self.behind % {"points": assessment.behind_by}
        return self.fixed.get(assessment.reason, "") if assessment.reason else ""


def light_reason(assessment: Assessment, rule: TrafficRule) -> str:
    """Why the light is what it is, in a sentence (empty for green and finished)."""
    return LightReasons(rule)(assessment)


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
IMPORT_STATE_LABELS = {
    "queued": _l("Queued"),
    "running": _l("Being read"),
    "done": _l("Imported"),
    "rejected": _l("Not imported"),
    "failed": _l("Failed"),
}
ALL_LABELS["import_state"] = IMPORT_STATE_LABELS


class ResolvedLabels(dict):
    """The label tables in one language, each resolved on first use: a page of fifty rows would
    otherwise look the same translations up hundreds of times. Resolve only while that language
    is the current one (resolved_labels does)."""

    def __missing__(self, group: str) -> dict[str, str]:
        resolved = {key: str(value) for key, value in ALL_LABELS[group].items()}
        self[group] = resolved
        return resolved


_RESOLVED: dict[str, ResolvedLabels] = {}


def resolved_labels(locale: str) -> ResolvedLabels:
    """The label tables in `locale`, which must be the current locale. Kept for the life of the
    process: the translations are loaded once at start and the tables are constants."""
    labels = _RESOLVED.get(locale)
    if labels is None:
        labels = _RESOLVED.setdefault(locale, ResolvedLabels())
    return labels


CALENDAR_SOURCE_LABELS = {
    "chinesecalendar": _l("Loaded at installation (chinesecalendar)"),
    "notice": _l("Entered from the State Council notice"),
    "holiday_cn": _l("Imported from a holiday-cn file"),
}
ALL_LABELS["calendar_source"] = CALENDAR_SOURCE_LABELS

OUTBOX_STATUS_LABELS = {
    "pending": _l("Waiting to be sent"),
    "sending": _l("Being sent"),
    "sent": _l("Sent"),
    "failed": _l("Failed"),
    "cancelled": _l("Cancelled"),
}
ALL_LABELS["outbox_status"] = OUTBOX_STATUS_LABELS
# The kinds of outbox row (coordination/outbox.py Kind.name).
OUTBOX_SOURCE_LABELS = {
    "mail": _l("E-mail message"),
    "reminder": _l("Reminder"),
    "report": _l("Generated report"),
    "notification": _l("Notification e-mail"),
    "robot": _l("Robot message (WeCom / DingTalk)"),
}
ALL_LABELS["outbox_source"] = OUTBOX_SOURCE_LABELS
# What a notification is about (workflows.notifications.RULES), for the 通知 page and its filter.
NOTIFICATION_KIND_LABELS = {
    "task_assigned": _l("New tasks assigned"),
    "task_returned": _l("Task returned"),
    "extension_approved": _l("Extension approved"),
    "extension_rejected": _l("Extension rejected"),
    "task_cancelled": _l("Task cancelled"),
    "deadline_moved": _l("Deadline moved"),
    "task_closed": _l("Task closed"),
    "completion_submitted": _l("Completion submitted for review"),
    "extension_requested": _l("Extension requested"),
    "plan_consultation": _l("Plan open for comments"),
    "plan_comment": _l("Comment on a plan"),
    "plan_adopted": _l("Plan adopted"),
    "plan_issued": _l("Plan issued"),
    "meeting_scheduled": _l("Meeting scheduled"),
    "meeting_changed": _l("Meeting changed"),
    "meeting_cancelled": _l("Meeting cancelled"),
    "minutes_published": _l("Minutes published"),
    "visit_confirmed": _l("Visit confirmed"),
    "visit_changed": _l("Visit changed"),
    "visit_cancelled": _l("Visit cancelled"),
    "reminder": _l("Reminder"),
    "escalation": _l("Escalation notice"),
}
ALL_LABELS["notification_kind"] = NOTIFICATION_KIND_LABELS
AUDIENCE_LABELS = {
    "unit_liaisons": _l("The unit's liaisons"),
    "unit_heads": _l("The unit's head"),
    "verifiers": _l("The lead department that verifies the task"),
    "plan_units": _l("Liaisons of the units named in the plan"),
    "plan_drafters": _l("The plan's drafters"),
    "lead_departments": _l("Both lead departments"),
    "leading_group": _l("Leading-group members"),
    "attendees": _l("Attendees"),
    "escalation": _l("As the escalation step names"),
}
ALL_LABELS["audience"] = AUDIENCE_LABELS
EMAIL_MODE_LABELS = {
    "immediate": _l("At once, one e-mail each"),
    "digest": _l("One daily digest at 09:00 on working days"),
    "off": _l("No e-mail (in the app only)"),
}
ALL_LABELS["email_mode"] = EMAIL_MODE_LABELS

# The audit log in words. Task actions read as in the task's history; a code missing here is
# shown as it is (and the interface-language test names it).
AUDIT_ACTION_LABELS = {
    **ACTION_LABELS,
    "plan.create": _l("created the plan"),
    "plan.start_consultation": _l("opened the plan for consultation"),
    "plan.submit": _l("put the plan on a meeting agenda"),
    "plan.return_to_draft": _l("returned the plan to draft"),
    "plan.adopt": _l("recorded the plan's adoption"),
    "plan.issue": _l("issued the plan"),
    "plan.close": _l("closed the plan's year"),
    "plan.amend": _l("amended the issued plan"),
    "plan.comment": _l("commented on a plan item"),
    "plan.report_cadence": _l("set the progress-report cadence"),
    "plan.import": _l("imported items from Excel"),
    "plan.import_request": _l("uploaded an Excel sheet of items"),
    "plan.item_add": _l("added a plan item"),
    "plan.item_update": _l("changed a plan item"),
    "plan.item_delete": _l("removed a plan item"),
    "meeting.create": _l("created the meeting"),
    "meeting.update": _l("changed the meeting"),
    "meeting.attendee_add": _l("added an attendee"),
    "meeting.attendee_remove": _l("removed an attendee"),
    "meeting.schedule": _l("scheduled the meeting and sent invitations"),
    "meeting.cancel": _l("cancelled the meeting"),
    "meeting.hold": _l("recorded the meeting as held"),
    "meeting.agenda_add": _l("added an agenda item"),
    "meeting.agenda_move": _l("moved an agenda item"),
    "meeting.agenda_remove": _l("removed an agenda item"),
    "meeting.minutes": _l("recorded minutes"),
    "meeting.decision_add": _l("recorded a decision"),
    "meeting.publish_minutes": _l("published the minutes"),
    "visit.create": _l("created the visit"),
    "visit.update": _l("changed the visit"),
    "visit.member_add": _l("added a delegation member"),
    "visit.itinerary_add": _l("added an itinerary item"),
    "visit.itinerary_remove": _l("removed an itinerary item"),
    "visit.confirm": _l("confirmed the visit"),
    "visit.cancel": _l("cancelled the visit"),
    "visit.complete": _l("recorded the visit as completed"),
    "visit.outcome_add": _l("recorded an outcome"),
    "rsvp.answer": _l("answered an invitation"),
    "user.create": _l("created the account"),
    "user.update": _l("changed the account"),
    "user.activate": _l("activated the account"),
    "user.deactivate": _l("deactivated the account"),
    "user.password_change": _l("changed the password"),
    "user.login": _l("signed in"),
    "user.login_failed": _l("failed to sign in"),
    "user.calendar_token": _l("made a calendar feed address"),
    "user.email_mode": _l("changed the e-mail settings"),
    "body.create": _l("created the unit"),
    "body.update": _l("changed the unit"),
    "body.activate": _l("activated the unit"),
    "body.deactivate": _l("deactivated the unit"),
    "seed.mechanism": _l("loaded the mechanism"),
    "seed.demo_users": _l("loaded the demo accounts"),
    "report.request": _l("asked for a report"),
    "report.done": _l("generated a report"),
    "report.failed": _l("failed to generate a report"),
    "reminder.retry": _l("sent a failed reminder again"),
    "mail.retry": _l("sent a failed message again"),
    "report.retry": _l("generated a failed report again"),
    "reminders.read": _l("marked the notifications read"),
    "notifications.read": _l("marked the notifications read"),
    "notifications.audiences": _l("changed who is told of what"),
    "reminders.policy": _l("changed the reminder rules"),
    "evaluation.rubric": _l("changed the evaluation weights"),
    "evaluation.adjust": _l("adjusted an evaluation score"),
    "calendar.confirm": _l("confirmed a year's holiday arrangement"),
    "calendar.change": _l("changed a year's holiday arrangement"),
    "assignment.deadline_recount": _l("moved the deadline to the changed working-day calendar"),
    "supervision.traffic_rule": _l("changed the traffic-light rule"),
    "user.logout": _l("signed out"),
    "user.session_end": _l("ended a signed-in session"),
    "user.sessions_end": _l("ended all signed-in sessions"),
    "robot.add": _l("registered a group robot"),
    "robot.test": _l("sent a group robot a test message"),
    "robot.remove": _l("removed a group robot"),
    "robot.retry": _l("sent a failed group robot message again"),
}

# What an audited record is, by its table.
OBJECT_TYPE_LABELS = {
    "annual_plans": _l("Annual plan"),
    "plan_items": _l("Plan item"),
    "plan_item_comments": _l("Comment"),
    "plan_revisions": _l("Plan revision"),
    "assignments": _l("Task"),
    "extension_requests": _l("Extension request"),
    "progress_reports": _l("Progress report"),
    "attachments": _l("Attachment"),
    "meetings": _l("Meeting"),
    "agenda_items": _l("Agenda item"),
    "attendees": _l("Attendee"),
    "decisions": _l("Decision"),
    "visits": _l("Visit"),
    "itinerary_items": _l("Itinerary item"),
    "visit_outcomes": _l("Outcome"),
    "users": _l("User"),
    "bodies": _l("Unit"),
    "mechanisms": _l("Mechanism"),
    "parties": _l("Party"),
    "areas": _l("Area"),
    "key_tasks": _l("Key task"),
    "reminders": _l("Reminder"),
    "outgoing_mail": _l("Message"),
    "generated_reports": _l("Report"),
    "evaluation_adjustments": _l("Evaluation adjustment"),
    "calendar_years": _l("Holiday arrangement"),
    "user_sessions": _l("Signed-in session"),
    "webhooks": _l("Group robot"),
    "robot_messages": _l("Group robot message"),
    "system": _l("System"),
}
ALL_LABELS["object_type"] = OBJECT_TYPE_LABELS

# The fields of audit snapshots and revisions, as the forms call them.
FIELD_LABELS = {
    "id": _l("Number"),
    "title": _l("Title"),
    "name": _l("Name"),
    "year": _l("Year"),
    "state": _l("Status"),
    "kind": _l("Kind"),
    "role": _l("Role"),
    "text": _l("Text"),
    "reason": _l("Reason"),
    "content": _l("Work content"),
    "expected_results": _l("Expected results"),
    "deadline": _l("Deadline"),
    "priority": _l("Priority"),
    "key_task": _l("Key task"),
    "key_task_number": _l("Key task number"),
    "lead_units": _l("Lead units"),
    "cooperating_units": _l("Co-operating units"),
    "milestones": _l("Milestones"),
    "meeting_id": _l("Meeting number"),
    "document_number": _l("Document number"),
    "report_cadence": _l("Progress reports due"),
    "current_deadline": _l("Current deadline"),
    "original_deadline": _l("Original deadline"),
    "requested_date": _l("Requested deadline"),
    "percent_complete": _l("Progress"),
    "quality": _l("Quality"),
    "return_reason": _l("Reason for return"),
    "cancel_reason": _l("Reason for cancellation"),
    "extension_id": _l("Extension request number"),
    "report_id": _l("Progress report number"),
    "files": _l("Files"),
    "body_id": _l("Unit number"),
    "source": _l("Source"),
    "starts_at": _l("Starts"),
    "ends_at": _l("Ends"),
    "starts_on": _l("First day"),
    "ends_on": _l("Last day"),
    "host_party_id": _l("Host party number"),
    "visiting_party_id": _l("Visiting party number"),
    "party_id": _l("Party number"),
    "venue": _l("Venue"),
    "chair_name": _l("Chair"),
    "leader_name": _l("Delegation leader"),
    "sequence": _l("Invitation version"),
    "reminder_days": _l("Reminder days before"),
    "agenda_item": _l("Agenda item number"),
    "attendee": _l("Attendee number"),
    "member": _l("Delegation member number"),
    "decision": _l("Decision number"),
    "outcome": _l("Outcome"),
    "item": _l("Itinerary item number"),
    "item_id": _l("Plan item number"),
    "items": _l("Items"),
    "partstat": _l("Answer"),
    "username": _l("User name"),
    "email": _l("E-mail"),
    "phone": _l("Phone"),
    "active": _l("Active"),
    "roles": _l("Roles"),
    "body_ids": _l("Unit numbers"),
    "head_of_ids": _l("Heads units (numbers)"),
    "email_mode": _l("E-mail reminders"),
    "tier": _l("Tier"),
    "name_zh": _l("Chinese name"),
    "name_en": _l("English name"),
    "short_name": _l("Short name"),
    "parent_id": _l("Parent unit number"),
    "sort_order": _l("Order"),
    "scope": _l("Scope"),
    "points": _l("Points"),
    "mechanisms": _l("Mechanisms"),
    "parties": _l("Parties"),
    "bodies": _l("Units"),
    "areas": _l("Areas"),
    "key_tasks": _l("Key tasks"),
    "users": _l("Users"),
    "changes": _l("Days changed"),
    "warning_workdays": _l("Warning window (working days)"),
    "at_risk_percent": _l("At-risk progress below (%)"),
    "lag_points": _l("Behind schedule by more than (points)"),
}

# Fields whose values are codes, and the table that says them in words.
SOURCE_LABELS = {
    "plan_item": _l("Annual plan item"),
    "decision": _l("Joint meeting decision"),
    "visit": _l("High-level visit outcome"),
}
FIELD_VALUE_LABELS = {
    "source": SOURCE_LABELS,
    "priority": PRIORITY_LABELS,
    "partstat": PARTSTAT_LABELS,
    "report_cadence": CADENCE_LABELS,
}
WORKDAYS = re.compile(r"^(\d+) workdays$")  # how item snapshots store "N个工作日 after issue"
ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")


def readable_value(field: str, value: object, object_type: str = "") -> str:
    """A snapshot value as a reader of the page would write it."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, list):
        return "、".join(readable_value(field, v, object_type) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{field_label(k)}：{readable_value(k, v, object_type)}" for k, v in value.items())
    if isinstance(value, str):
        if table := _value_table(field, object_type):
            return str(table.get(value, value))
        if match := WORKDAYS.match(value):
            return gettext("%(n)d working days after issue", n=int(match.group(1)))
        if ISO_MOMENT.match(value):  # stored in UTC, read in Beijing time
            return to_local(datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M")
    return str(value)


def field_label(field: str) -> str:
    return str(FIELD_LABELS.get(field, field))


STATE_LABELS_BY_TYPE = {
    "annual_plans": PLAN_STATE_LABELS,
    "assignments": ASSIGNMENT_STATE_LABELS,
    "meetings": MEETING_STATE_LABELS,
    "visits": VISIT_STATE_LABELS,
}
KIND_LABELS_BY_TYPE = {"meetings": MEETING_KIND_LABELS, "visit_outcomes": OUTCOME_KIND_LABELS}
ROLE_LABELS_BY_TYPE = {
    "meetings": ATTENDEE_ROLE_LABELS,
    "plan_items": UNIT_ROLE_LABELS,
    "assignments": UNIT_ROLE_LABELS,
}


def _value_table(field: str, object_type: str) -> Mapping[str, object] | None:
    if field == "source" and object_type == "calendar_years":
        return CALENDAR_SOURCE_LABELS
    if field == "state":
        return STATE_LABELS_BY_TYPE.get(object_type)
    if field == "kind":
        return KIND_LABELS_BY_TYPE.get(object_type)
    if field == "role":
        return ROLE_LABELS_BY_TYPE.get(object_type, {**UNIT_ROLE_LABELS, **ATTENDEE_ROLE_LABELS})
    return FIELD_VALUE_LABELS.get(field)
