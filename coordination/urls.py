"""URL helpers shared by views."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(target: str | None, default: str) -> str:
    """Only same-site relative paths: an open redirect after login is a phishing aid."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def external_url(endpoint: str, **values: object) -> str:
    """An absolute link for e-mail and calendars, on the configured public address, whether or
    not a request is being served (jobs and the CLI compose mail too)."""
    from flask import current_app, url_for

    with current_app.test_request_context(base_url=current_app.config["SERVER_BASE_URL"]):
        return url_for(endpoint, _external=True, **values)
