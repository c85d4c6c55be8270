"""Error pages in the user's language; a stale form never ends in a bare 400 or a 500."""

from __future__ import annotations

from typing import Any

from flask import Flask, flash, g, redirect, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError

from coordination.extensions import db, login_manager


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

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError) -> Any:
        # PostgreSQL restarting or unreachable: say so, in a page that needs no database.
        app.logger.error("database unavailable: %s", getattr(error, "orig", error))
        try:
            db.session.rollback()
        except OperationalError:
            db.session.remove()
        g.database_unavailable = True
        if "_login_user" not in g:
            g._login_user = login_manager.anonymous_user()
        return (
            render_template(
                "errors/error.html",
                code=503,
                title=_("The database is not reachable"),
                message=_(
                    "The system cannot reach its database at the moment. What you just sent was not "
                    "saved; please try again in a minute."
                ),
            ),
            503,
            {"Retry-After": "30"},
        )

    @app.errorhandler(500)
    def server_error(error: Any) -> Any:
        db.session.rollback()
        return render_template(
            "errors/error.html",
            code=500,
            title=_("Something went wrong"),
            message=_("The system could not complete the request. Nothing was saved; please try again."),
        ), 500
