"""A Notice is one thing that happened as its audience is told it (coordination/notifications/
telling.py writes it to the inbox, the e-mail outbox and the robots), and the link to its object."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import url_for

from coordination.urls import external_url
from workflows.notifications import Urgency

# object_key's kind → the page that shows it, and the name of its id in the URL.
PAGES: dict[str, tuple[str, str | None]] = {
    "assignment": ("assignments.show", "assignment_id"),
    "tasks": ("assignments.index", None),
    "plan": ("plans.show", "plan_id"),
    "meeting": ("meetings.show", "meeting_id"),
    "visit": ("visits.show", "visit_id"),
}


@dataclass(frozen=True)
class Notice:
    """One happening told to `user_ids` and to the robots of `body_ids` (and of those users).
    `key` names the happening uniquely (a robot is told it once); lines list its particulars."""

    kind: str  # workflows.notifications.RULES
    key: str
    title: str
    object_key: str  # "assignment:12", "plan:3", "tasks:" …: see PAGES
    user_ids: tuple[int, ...]
    lines: tuple[str, ...] = ()
    unit_id: int | None = None  # the unit it concerns: digests group by it
    body_ids: tuple[int, ...] = ()  # the bodies whose robots are told (the unit, a lead department)
    mechanism_id: int | None = None
    urgency: Urgency = field(default=Urgency.NORMAL)

    @property
    def url(self) -> str:
        """The absolute link to the object (e-mail, robots)."""
        return link_of(self.object_key, external=True)


def link_of(object_key: str, *, external: bool = False) -> str:
    kind, _, ident = object_key.partition(":")
    page = PAGES.get(kind)
    if page is None:
        return external_url("notifications.inbox") if external else url_for("notifications.inbox")
    endpoint, id_name = page
    if not (id_name and ident.isdigit()):
        return external_url(endpoint) if external else url_for(endpoint)
    values: dict[str, object] = {id_name: int(ident)}
    return external_url(endpoint, **values) if external else url_for(endpoint, **values)  # type: ignore[arg-type]
