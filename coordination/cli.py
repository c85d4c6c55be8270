"""Command-line entry points: thin wrappers that call operations."""

from __future__ import annotations

import click
from flask import Flask

from coordination.extensions import db


def register(app: Flask) -> None:
    @app.cli.command("seed")
    @click.option("--demo", is_flag=True, help="Also add demo users for every role.")
    def seed(demo: bool) -> None:
        """Load the Shanghai–Dalian mechanism (idempotent)."""
        from coordination import seed as seeding

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
        from coordination.auth import operations
        from coordination.auth.models import Role
        from coordination.auth.passwords import password_problems

        if problems := password_problems(password, username):
            raise click.UsageError(" ".join(problems))
        try:
            operations.create_user(
                username=username, name=name, email=email, password=password, roles={Role(r) for r in roles}
            )
        except operations.AccountError as error:
            raise click.UsageError(str(error)) from error
        db.session.commit()
        click.echo(f"created user {username}")

    @app.cli.command("sweep")
    def sweep() -> None:
        """Hand every due, unsent message, reminder and report back to the job queue (every minute)."""
        from coordination.notifications import mail
        from coordination.reminders import delivery
        from coordination.supervision import generation

        click.echo(
            f"re-enqueued {mail.sweep()} message(s), {delivery.sweep()} due reminder(s)"
            f" and {generation.sweep()} report(s)"
        )

    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
    def worker(burst: bool) -> None:
        """Run a background-job worker with the scheduler (enqueue_at jobs)."""
        from coordination import jobs

        jobs.run_worker(burst=burst)
