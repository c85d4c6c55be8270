"""The app factory: binds the extensions, registers every blueprint and the receivers of domain
events. The top of the layers (ARCHITECTURE.md): it imports every package, none imports it."""

from __future__ import annotations

import logging
import os
from datetime import datetime
from typing import TYPE_CHECKING

from flask import Flask, Response, g, has_request_context, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.routing import IntegerConverter

from coordination import cli, datacache, errors, inbox, jobs, navigation, permissions, readonly
from coordination.assignments import plan_pages  # noqa: F401  (the plan pages join on import)
from coordination.assignments import subscribers as assignment_subscribers  # noqa: F401  (receivers)
from coordination.assignments.views import bp as assignments_bp
from coordination.audit.views import bp as audit_bp
from coordination.auth.views import bp as auth_bp
from coordination.config import INSTANCE_DIR, Config
from coordination.evaluation.views import bp as evaluation_bp
from coordination.extensions import babel, csrf, db, limiter, login_manager, migrate
from coordination.framework.views import bp as framework_bp
from coordination.labels import resolved_labels
from coordination.main.views import bp as main_bp
from coordination.meetings import plan_agenda  # noqa: F401  (its page and receiver join on import)
from coordination.meetings.views import bp as meetings_bp
from coordination.notifications import mail as notification_mail  # noqa: F401  (its outbox kind)
from coordination.notifications import subscribers as notification_subscribers  # noqa: F401  (receivers)
from coordination.notifications.inbox_views import bp as notifications_bp
from coordination.notifications.robot_views import bp as robots_bp
from coordination.notifications.views import bp as rsvp_bp
from coordination.organizations.views import bp as organizations_bp
from coordination.plans.views import bp as plans_bp
from coordination.reminders import subscribers as reminder_subscribers  # noqa: F401  (receivers)
from coordination.reminders.queries import task_supervision
from coordination.reminders.views import bp as reminders_bp
from coordination.supervision import key_tasks  # noqa: F401  (its page joins the framework blueprint)
from coordination.supervision import subscribers as supervision_subscribers  # noqa: F401  (receivers)
from coordination.supervision.views import bp as supervision_bp
from coordination.timeutil import to_local
from coordination.urls import reaches_only_this_machine
from coordination.visits.views import bp as visits_bp
from coordination.workcalendar import queries as work_calendar
from coordination.workcalendar.views import bp as workcalendar_bp
from workflows import workdays

if TYPE_CHECKING:
    from sqlalchemy.engine.interfaces import DBAPIConnection
    from sqlalchemy.pool import ConnectionPoolEntry
    from werkzeug.routing import Map

    from coordination.assignments.models import Assignment


def create_app(config: type[Config] | dict[str, object] | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_path=str(os.environ.get("INSTANCE_PATH") or _default_instance()),
    )
    # Ids in URLs beyond what the databases store are simply not found (not an overflow).
    app.url_map.converters["int"] = BoundedInt
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    os.makedirs(app.instance_path, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Asia/Shanghai")
    limiter.init_app(app)
    jobs.init_app(app)
    datacache.init_app(app)
    readonly.init_app(app)

    _register_blueprints(app)
    _connect_subscribers()
    _register_template_helpers(app)
    _register_security_headers(app)
    errors.register(app)  # its input checks run before any other hook of the app's
    cli.register(app)
    logging.basicConfig(level=logging.INFO)
    _warn_about_unreachable_links(app)
    return app


def _warn_about_unreachable_links(app: Flask) -> None:
    base_url = app.config["SERVER_BASE_URL"]
    if app.config["MAIL_SERVER"] and reaches_only_this_machine(base_url):
        app.logger.warning(
            "SERVER_BASE_URL is %s, which only this machine opens, while mail goes out through %s: "
            "set SERVER_BASE_URL to the address users reach the app on",
            base_url,
            app.config["MAIL_SERVER"],
        )


class BoundedInt(IntegerConverter):
    def __init__(self, map: Map, fixed_digits: int = 0, max: int | None = 2**31 - 1) -> None:
        super().__init__(map, fixed_digits=fixed_digits, max=max)


def _default_instance() -> str:
    return str(INSTANCE_DIR)


def select_locale() -> str:
    languages = ("zh_Hans_CN", "en")
    if not has_request_context():
        return "zh_Hans_CN"  # CLI and jobs write Chinese (audit summaries, e-mails)
    if (lang := session.get("lang")) in languages:
        return lang
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return "zh_Hans_CN"  # Chinese first, whatever the browser says.


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: DBAPIConnection, connection_record: ConnectionPoolEntry) -> None:
    # SQLite ignores foreign keys unless told; WAL lets the worker read while the web writes.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


def _register_blueprints(app: Flask) -> None:
    for bp in (
        supervision_bp,
        evaluation_bp,
        reminders_bp,
        visits_bp,
        rsvp_bp,
        notifications_bp,
        robots_bp,
        main_bp,
        auth_bp,
        organizations_bp,
        framework_bp,
        audit_bp,
        plans_bp,
        assignments_bp,
        meetings_bp,
        workcalendar_bp,
    ):
        app.register_blueprint(bp)


def _connect_subscribers() -> None:
    """Working days come from the calendar the administrators keep; packages that follow other
    packages' domain events connect their receivers on import."""
    workdays.install(work_calendar.current)


def _register_template_helpers(app: Flask) -> None:
    @app.template_global()
    def can_open_task(assignment: Assignment) -> bool:
        """Lists name every unit's task; only those the user may open are links."""
        return current_user.is_authenticated and permissions.can_view_assignment(current_user, assignment)

    @app.template_global()
    def can_see(assignment: Assignment, field: str) -> bool:
        """Lists show every unit's task by the plan's shared picture; the rest of it only to those
        who may open the task (permissions.can_see_task_field)."""
        user = current_user
        return user.is_authenticated and permissions.can_see_task_field(user, assignment, field)

    # The task page shows the reminders' escalations; the reminders sit a layer above it.
    app.add_template_global(task_supervision)

    @app.template_filter("local")
    def local_filter(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        return to_local(value).strftime(fmt) if value else ""

    @app.template_filter("percent")
    def percent_filter(value: float | None, fmt: str = "%.0f") -> str:
        # A rate with nothing to count is "—", never "0%".
        return "—" if value is None else f"{fmt % value}%"

    @app.template_filter("days")
    def days_filter(value: float | None) -> str:
        return "—" if value is None else f"{value:.1f}"

    @app.context_processor
    def inject_layout() -> dict[str, object]:
        if g.get("database_unavailable"):  # the 503 page: nothing that needs the database
            return {"labels": {}, "unread": 0, "nav_items": [], "current_locale": str(get_locale())}

        locale = str(get_locale())
        return {
            "calendar_notices": _calendar_notices,
            "labels": resolved_labels(locale),
            "unread": _unread(),
            "nav_items": navigation.items_for(current_user),
            "current_locale": locale,
        }

    @app.before_request
    def remember_endpoint() -> None:
        g.endpoint = request.endpoint


def _calendar_notices() -> list[tuple[str, str | None]]:
    """Said on the page it concerns: counting over a year not entered, next year to enter (to
    administrators from 1 November), deadlines to review after a change (to lead departments).
    Called from the layout after the page's own figures are computed."""
    notices: list[tuple[str, str | None]] = []
    admin = current_user.is_authenticated and permissions.can_administer(current_user)
    for year in work_calendar.unconfirmed_years_touched():
        notices.append(
            (
                _(
                    "The %(year)s holiday arrangement has not been entered yet; Monday to Friday are counted as working days for now.",  # noqa: E501
                    year=year,
                ),
                url_for("workcalendar.year", year=year) if admin else None,
            )
        )
    if not current_user.is_authenticated:
        return notices
    if admin and (missing := work_calendar.next_year_missing()):
        notices.append(
            (
                _(
                    "Enter the %(year)s holiday arrangement: the State Council publishes it around November.",
                    year=missing,
                ),
                url_for("workcalendar.year", year=missing),
            )
        )
    if permissions.can_manage_plans(current_user) and work_calendar.review_pending_years():
        notices.append(
            (
                _(
                    "The holiday arrangement changed: some deadlines counted in working days need your review."  # noqa: E501
                ),
                url_for("assignments.calendar_review"),
            )
        )
    return notices


def _unread() -> int:
    if not (current_user and current_user.is_authenticated):
        return 0
    return inbox.unread_count(current_user.id)


def _register_security_headers(app: Flask) -> None:
    csp = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; "
        "object-src 'none'"
    )

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response
