"""Signed RSVP links: unguessable, bound to one attendee of one meeting or visit, revocable."""

from __future__ import annotations

import secrets

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from coordination.events.models import Attendee
from coordination.extensions import db
from coordination.urls import external_url

ANSWERS = {"accepted": "ACCEPTED", "declined": "DECLINED", "tentative": "TENTATIVE"}


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="rsvp-v1")


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


def token_for(attendee: Attendee) -> str:
    event = ("m", attendee.meeting_id) if attendee.meeting_id else ("v", attendee.visit_id)
    return _serializer().dumps([attendee.id, *event, attendee.rsvp_nonce])


def links_for(attendee: Attendee) -> dict[str, str]:
    token = token_for(attendee)
    return {answer: external_url("rsvp.answer", token=token, answer=answer) for answer in ANSWERS}


def attendee_from(token: str) -> Attendee | None:
    """The attendee the token was made for, or None when forged, altered or revoked."""
    try:
        attendee_id, kind, event_id, nonce = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    attendee = db.session.get(Attendee, attendee_id) if isinstance(attendee_id, int) else None
    if attendee is None or not secrets.compare_digest(str(attendee.rsvp_nonce), str(nonce)):
        return None
    if (kind, event_id) != (("m", attendee.meeting_id) if attendee.meeting_id else ("v", attendee.visit_id)):
        return None
    return attendee
