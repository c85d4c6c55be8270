"""Error pages in the user's language; a stale form never ends in a bare 400 or a 500."""

from __future__ import annotations

from typing import Any

from flask import Flask, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from coordination.extensions import db


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Any:
        return render_template(
            "errors/error.html",
            code=400,
            title=_("The form has expired"),
            message=_(
                "For your security the form could not be accepted. Go back, reload the page and try again."
            ),
        ), 400

    @app.errorhandler(403)
    def forbidden(error: Any) -> Any:
        return render_template(
            "errors/error.html",
            code=403,
            title=_("No permission"),
            message=_("Your account does not have permission to open this page."),
        ), 403

    @app.errorhandler(404)
    def not_found(error: Any) -> Any:
        return render_template(
            "errors/error.html",
            code=404,
            title=_("Page not found"),
            message=_("The page or record does not exist, or has been moved."),
        ), 404

    @app.errorhandler(413)
    def too_large(error: Any) -> Any:
        flash(_("The upload is too large."), "error")
        return redirect(request.referrer or "/"), 303

    @app.errorhandler(429)
    def too_many(error: Any) -> Any:
        return render_template(
            "errors/error.html",
            code=429,
            title=_("Too many attempts"),
            message=_("Too many attempts in a short time. Please wait a few minutes and try again."),
        ), 429

    @app.errorhandler(500)
    def server_error(error: Any) -> Any:
        db.session.rollback()
        return render_template(
            "errors/error.html",
            code=500,
            title=_("Something went wrong"),
            message=_("The system could not complete the request. Nothing was saved; please try again."),
        ), 500
