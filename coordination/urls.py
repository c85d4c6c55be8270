"""URL helpers shared by views."""

from __future__ import annotations

import ipaddress
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
    from flask import current_app

    base = current_app.config["SERVER_BASE_URL"]
    adapters = current_app.extensions.setdefault("external_url_adapters", {})
    adapter = adapters.get(base)
    if adapter is None:  # binding once per address: building a request per link is costly
        parts = urlsplit(base)
        adapter = adapters[base] = current_app.url_map.bind(
            parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "http"
        )
    return adapter.build(endpoint, values, force_external=True)


def reaches_only_this_machine(url: str) -> bool:
    """A loopback (or unspecified) host: a link to it opens nothing on a recipient's computer."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False  # a name: whether others reach it is theirs to say
    return address.is_loopback or address.is_unspecified
