"""Domain events: every one the system has, declared here and nowhere else.

An operation changes its own package's data, writes its audit event and then sends one of these
(as Indico's operations send `signals.event.*`). Whoever must react — the reminder schedule,
invitations, calendar feeds, notifications, counts — subscribes in its own package, so a lower
layer never imports the higher ones that follow it. Receivers run inside the sender's
transaction: what they write commits or rolls back with the change; anything that leaves the
process is written to the outbox, never sent from a receiver.

Payloads are ids, never model objects, so a receiver reloads what it needs (from the session's
identity map: no extra query for rows the sender holds). `sender` is the id of the thing the
event is about; `actor_id` is the user who did it (None for the system: jobs, sweeps, seeds).
Send with `send(signal, sender_id, actor_id=…, …)` below.
"""

from __future__ import annotations

from blinker import NamedSignal, Namespace

_signals = Namespace()


def _signal(name: str, doc: str) -> NamedSignal:
    return _signals.signal(name, doc=doc)


# --- the working-day calendar ---------------------------------------------------------------
calendar_changed = _signal("calendar-changed", "sender: the year (int) confirmed or changed.")

# --- annual plans ---------------------------------------------------------------------------
plan_consultation_started = _signal("plan-consultation-started", "sender: plan id; actor_id.")
plan_commented = _signal("plan-commented", "sender: plan id; actor_id; item_id; comment_id.")
plan_submitted = _signal("plan-submitted", "sender: plan id; actor_id; meeting_id.")
plan_returned_to_draft = _signal(
    "plan-returned-to-draft", "sender: plan id; actor_id; meeting_id (the meeting it was on, or None)."
)
plan_adopted = _signal("plan-adopted", "sender: plan id; actor_id; meeting_id (or None).")
plan_issued = _signal(
    "plan-issued",
    "sender: plan id; actor_id; issued_on (date). Assignments subscribe and create the plan's "
    "tasks in the same transaction.",
)
plan_amended = _signal(
    "plan-amended",
    "sender: plan id; actor_id; item_id; change ('added', 'changed', 'deleted'); reason.",
)
plan_report_cadence_changed = _signal("plan-report-cadence-changed", "sender: plan id; actor_id; cadence.")

# --- assignments (tasks) --------------------------------------------------------------------
assignments_created = _signal(
    "assignments-created",
    "sender: mechanism id; actor_id; assignment_ids (list[int]); source ('plan', 'decision', "
    "'outcome', 'amendment'). One event for a batch, so subscribers work in bulk.",
)
assignment_acknowledged = _signal("assignment-acknowledged", "sender: assignment id; actor_id.")
assignment_started = _signal("assignment-started", "sender: assignment id; actor_id.")
assignment_reported = _signal("assignment-reported", "sender: assignment id; actor_id; update_id.")
assignment_returned = _signal("assignment-returned", "sender: assignment id; actor_id; reason.")
assignment_closed = _signal("assignment-closed", "sender: assignment id; actor_id.")
assignment_cancelled = _signal("assignment-cancelled", "sender: assignment id; actor_id; reason.")
assignment_changed = _signal(
    "assignment-changed",
    "sender: assignment id; actor_id; fields (list[str]): deadline, body or title changed by an "
    "amendment or a recount.",
)
extension_requested = _signal("extension-requested", "sender: assignment id; actor_id; request_id.")
extension_decided = _signal(
    "extension-decided", "sender: assignment id; actor_id; request_id; granted (bool)."
)
completion_submitted = _signal("completion-submitted", "sender: assignment id; actor_id.")
extension_withdrawn = _signal("extension-withdrawn", "sender: assignment id; actor_id; request_id.")

# --- the mechanism's reference data ---------------------------------------------------------
reference_changed = _signal(
    "reference-changed",
    "sender: mechanism id; actor_id; what ('units', 'framework', 'settings'): what every page reads "
    "of the mechanism changed.",
)

# --- joint meetings -------------------------------------------------------------------------
meeting_scheduled = _signal("meeting-scheduled", "sender: meeting id; actor_id.")
meeting_changed = _signal("meeting-changed", "sender: meeting id; actor_id.")
meeting_cancelled = _signal("meeting-cancelled", "sender: meeting id; actor_id; reason.")
meeting_held = _signal("meeting-held", "sender: meeting id; actor_id.")
minutes_published = _signal("minutes-published", "sender: meeting id; actor_id.")
decision_assigned = _signal(
    "decision-assigned", "sender: decision id; actor_id; meeting_id; assignment_ids (list[int])."
)

# --- visits ---------------------------------------------------------------------------------
visit_confirmed = _signal("visit-confirmed", "sender: visit id; actor_id.")
visit_changed = _signal("visit-changed", "sender: visit id; actor_id.")
visit_cancelled = _signal("visit-cancelled", "sender: visit id; actor_id; reason.")
visit_completed = _signal("visit-completed", "sender: visit id; actor_id.")
outcome_assigned = _signal(
    "outcome-assigned", "sender: outcome id; actor_id; visit_id; assignment_ids (list[int])."
)


def send(signal: NamedSignal, sender: int, /, **payload: object) -> None:
    """Sends a domain event to its receivers, in this transaction."""
    # blinker's own keyword named, so mypy does not take the payload for it
    signal.send(sender, _async_wrapper=None, **payload)


def every_signal() -> dict[str, NamedSignal]:
    """Name → signal, for the docs and the test that every one is sent somewhere."""
    return dict(_signals)
