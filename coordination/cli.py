"""Command-line entry points: thin wrappers that call operations."""

from __future__ import annotations

from datetime import datetime
from typing import BinaryIO

import click
from flask import Flask

from coordination import jobs, outbox
from coordination import seed as seeding
from coordination.auth import operations as accounts
from coordination.auth.models import Role
from coordination.auth.passwords import password_problems
from coordination.extensions import db
from coordination.notifications import mail as notification_mail  # noqa: F401  (its outbox kind)
from coordination.notifications import robot_delivery  # noqa: F401  (its outbox kind)
from coordination.operations import OperationError
from coordination.outbox import mail  # noqa: F401  (its outbox kind)
from coordination.plans import imports
from coordination.reminders import delivery  # noqa: F401  (its outbox kind)
from coordination.supervision import generation  # noqa: F401  (its outbox kind)
from coordination.workcalendar import operations as work_calendar
from coordination.workcalendar import queries as work_calendar_queries
from coordination.workcalendar.models import SOURCE_FILE
from workflows.workdays import ArrangementError, active, add_workdays, parse_holiday_cn


def register(app: Flask) -> None:
    @app.cli.command("seed")
    @click.option("--demo", is_flag=True, help="Also add demo users for every role.")
    def seed(demo: bool) -> None:
        """Load the Shanghai–Dalian mechanism (idempotent)."""
        created = seeding.load_mechanism()
        if demo:
            created += seeding.load_demo_users()
            db.session.flush()
            created += seeding.load_demo_work()
        db.session.commit()
        click.echo("created: " + (seeding._describe(created) if created else "nothing (already loaded)"))

    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--name", required=True)
    @click.option("--email", default="")
    @click.option(
        "--role",
        "roles",
        multiple=True,
        type=click.Choice(["admin", "leader", "lead_staff", "secretary", "liaison"]),
    )
    @click.password_option()
    def create_user(username: str, name: str, email: str, roles: tuple[str, ...], password: str) -> None:
        """Create an account (the password is asked for, never echoed)."""
        if problems := password_problems(password, username):
            raise click.UsageError(" ".join(problems))
        try:
            accounts.create_user(
                username=username, name=name, email=email, password=password, roles={Role(r) for r in roles}
            )
        except OperationError as error:
            raise click.UsageError(str(error)) from error
        db.session.commit()
        click.echo(f"created user {username}")

    @app.cli.command("sweep")
    def sweep() -> None:
        """Hand every due outbox row (mail, reminders, reports, notification e-mail, robot
        messages) and waiting plan import back to the job queue (every minute)."""
        due = outbox.sweep_all()
        counts = ", ".join(f"{table} {count}" for table, count in due.items())
        click.echo(f"re-enqueued: {counts}, plan imports {imports.sweep()}")

    app.cli.add_command(calendar_group)

    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
    def worker(burst: bool) -> None:
        """Run a background-job worker with the scheduler (enqueue_at jobs)."""
        jobs.run_worker(burst=burst)


calendar_group = click.Group("calendar", help="The working-day calendar: holidays, adjusted working days.")


@calendar_group.command("status")
def calendar_status() -> None:
    """Each year: confirmed or not, from what, how many rest and adjusted working days."""
    for status in work_calendar_queries.year_statuses():
        if status.row is None:
            click.echo(f"{status.year}  not entered (counted Monday to Friday)")
        else:
            by = status.row.confirmed_by.username if status.row.confirmed_by else "system"
            click.echo(
                f"{status.year}  confirmed  {status.row.source:<16} {status.holidays:>3} rest"
                f" {status.adjusted:>2} adjusted  by {by} at {status.row.confirmed_at:%Y-%m-%d %H:%M} UTC"
            )


@calendar_group.command("import")
@click.argument("file", type=click.File("rb"))
def calendar_import(file: BinaryIO) -> None:
    """Confirm a year from a holiday-cn JSON file ({"year": 2027, "days": [...]})."""
    import json

    try:
        year, days = parse_holiday_cn(json.loads(file.read().decode("utf-8-sig")))
        changed = work_calendar.confirm_year(year, days, SOURCE_FILE, None)
    except (ValueError, ArrangementError, OperationError) as error:
        raise click.ClickException(f"not imported: {error}") from error
    db.session.commit()
    click.echo(f"{year} confirmed: {len(days)} days listed, {len(changed)} days changed")
    for change in changed:
        before = "work" if change.before_workday else "rest"
        after = "work" if change.after_workday else "rest"
        click.echo(f"  {change.day}  {before} -> {after}  {change.after_name}")


@calendar_group.command("add", context_settings={"ignore_unknown_options": True})  # N may be "-5"
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.argument("n", type=int)
def calendar_add(day: datetime, n: int) -> None:
    """Print the date N working days after DAY (N may be negative), by the calendar as it stands."""
    result = add_workdays(day.date(), n)
    click.echo(result.isoformat())
    touched = sorted(active().unconfirmed_years_touched)
    if touched:
        years = ", ".join(map(str, touched))
        click.echo(f"warning: {years} not confirmed; counted Monday to Friday", err=True)
