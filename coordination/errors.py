"""Error pages in the user's language; a stale form never ends in a bare 400 or a 500."""

from __future__ import annotations

from flask import Flask, abort, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from coordination.extensions import db, login_manager

# Below the web server's own limits (gunicorn.conf.py: 8190 bytes a request line, 16 KB a header),
# so an over-long address or header is answered by this app, in Chinese, not by the server.
MAX_URL_BYTES = 4096
MAX_HEADER_BYTES = 8192

# Every other HTTP error werkzeug raises (a wrong method, a malformed request…), in words.
OTHER_ERRORS = {
    400: (
        _l("The request could not be read"),
        _l("The browser sent something the system cannot read. Go back, reload the page and try again."),
    ),
    405: (
        _l("Not possible this way"),
        _l("This page cannot be used like that. Go back and use the buttons on the page."),
    ),
    414: (
        _l("The address is too long"),
        _l("The address of the page is too long. Shorten the search or filter and try again."),
    ),
    431: (
        _l("The request is too large"),
        _l(
            "The browser sent too much with the request. Clear the cookies of this site, sign in again "
            "and try again."
        ),
    ),
}


def carries_null_character() -> bool:
    """Whether any part of the request a view might store or look up holds U+0000: PostgreSQL
    text cannot (psycopg raises, a 500), and no one means to type it."""
    parts = [request.path, *request.headers.values()]
    for multi in (request.args, request.form):
        for key, values in multi.lists():
            parts += [key, *values]
    parts += [f"{key}{upload.filename or ''}" for key, upload in request.files.items(multi=True)]
    return any("\x00" in part for part in parts)


def register(app: Flask) -> None:
    @app.before_request
    def refuse_oversized_requests() -> None:
        if len(request.environ.get("RAW_URI") or request.full_path) > MAX_URL_BYTES:
            abort(414)
        if any(len(name) + len(value) > MAX_HEADER_BYTES for name, value in request.headers.items()):
            abort(431)

    @app.before_request
    def refuse_null_characters() -> ResponseReturnValue | None:
        # The one input filter in front of every view (the sign-in form and the calendar feed,
        # which need no session, included); the forms refuse the other control characters.
        if not carries_null_character():
            return None
        return render_template(
            "errors/error.html",
            code=400,
            title=_("The input contains an invisible character"),
            message=_(
                "What you sent contains a null character (an invisible control character, often left "
                "by copying from another program). Nothing was saved: remove it and try again."
            ),
        ), 400

    @app.errorhandler(HTTPException)
    def other_http_error(error: HTTPException) -> ResponseReturnValue:
        code = error.code or 500
        if code < 400:  # a redirect raised as an exception (RequestRedirect) stays one
            return error
        title, message = OTHER_ERRORS.get(
            code,
            (
                _l("The request could not be completed"),
                _l("The system could not complete the request. Go back and try again."),
            ),
        )
        response = error.get_response()
        headers = {k: v for k, v in response.headers.items() if k in ("Allow", "Retry-After")}
        return render_template("errors/error.html", code=code, title=title, message=message), code, headers

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> ResponseReturnValue:
        return render_template(
            "errors/error.html",
            code=400,
            title=_("The form has expired"),
            message=_(
                "For your security the form could not be accepted. Go back, reload the page and try again."
            ),
        ), 400

    @app.errorhandler(403)
    def forbidden(error: HTTPException) -> ResponseReturnValue:
        return render_template(
            "errors/error.html",
            code=403,
            title=_("No permission"),
            message=_("Your account does not have permission to open this page."),
        ), 403

    @app.errorhandler(404)
    def not_found(error: HTTPException) -> ResponseReturnValue:
        return render_template(
            "errors/error.html",
            code=404,
            title=_("Page not found"),
            message=_("The page or record does not exist, or has been moved."),
        ), 404

    @app.errorhandler(413)
    def too_large(error: HTTPException) -> ResponseReturnValue:
        # A file over MAX_CONTENT_LENGTH, a text over MAX_FORM_MEMORY_SIZE or a form of more than
        # MAX_FORM_PARTS fields: werkzeug refuses it before the view. The answer is this page,
        # never a redirect to the Referer, which anyone can set to another site.
        return render_template(
            "errors/error.html",
            code=413,
            title=_("What you sent is too large"),
            message=_("What you sent is too large: files up to 20 MB in all, each text up to 500 KB."),
        ), 413

    @app.errorhandler(429)
    def too_many(error: HTTPException) -> ResponseReturnValue:
        return render_template(
            "errors/error.html",
            code=429,
            title=_("Too many attempts"),
            message=_("Too many attempts in a short time. Please wait a few minutes and try again."),
        ), 429

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError) -> ResponseReturnValue:
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
    def server_error(error: Exception) -> ResponseReturnValue:
        db.session.rollback()
        return render_template(
            "errors/error.html",
            code=500,
            title=_("Something went wrong"),
            message=_("The system could not complete the request. Nothing was saved; please try again."),
        ), 500
