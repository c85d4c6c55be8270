from __future__ import annotations

import math
from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select

from coordination import permissions
from coordination.auth import operations, sessions
from coordination.auth.forms import ROLE_LABELS, ChangePasswordForm, LoginForm, UserForm
from coordination.auth.models import Role, User, UserRole, UserSession
from coordination.auth.throttle import throttle
from coordination.extensions import db, login_manager
from coordination.organizations.queries import body_choices
from coordination.timeutil import to_local
from coordination.urls import safe_next
from coordination.views_util import attempt, search_arg

bp = Blueprint("auth", __name__)


login_manager.login_view = "auth.login"
login_manager.login_message = None
bp.after_app_request(sessions.write_remember_cookie)


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        name, address = form.username.data, request.remote_addr or ""
        # Refused before the password is looked at: a wait is a wait, whatever is typed.
        if (refusal := throttle().check(name, address)) is not None:
            return _too_many(form, refusal.seconds)
        user, right = operations.authenticate(name, form.password.data)
        if not right:
            throttle().failed(name, address)
            if attempt(lambda: operations.note_failed_login(user)):
                flash(_("Wrong user name or password."), "error")
        elif user is None or not user.active:
            flash(_("This account has been deactivated. Contact the administrator."), "error")
        else:
            throttle().succeeded(name, address)

            def sign_in() -> None:
                sessions.sign_in(user, remember=form.remember.data)
                operations.note_login(user)

            if attempt(sign_in):
                return redirect(safe_next(request.args.get("next"), url_for("main.index")))
    return render_template("auth/login.html", form=form)


def _too_many(form: LoginForm, seconds: int) -> ResponseReturnValue:
    until = to_local(operations.session_clock() + timedelta(seconds=seconds)).strftime("%H:%M:%S")
    wait = _("%(n)d seconds", n=seconds) if seconds < 60 else _("%(n)d minutes", n=math.ceil(seconds / 60))
    flash(
        _("Too many failed sign-ins. Try again in %(wait)s (after %(time)s).", wait=wait, time=until), "error"
    )
    response = make_response(render_template("auth/login.html", form=form), 429)
    response.headers["Retry-After"] = str(seconds)
    return response


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> ResponseReturnValue:
    if attempt(sessions.sign_out):
        flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/lang/<code>")
def set_language(code: str) -> ResponseReturnValue:
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(safe_next(request.args.get("next"), url_for("main.index")))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> ResponseReturnValue:
    form = ChangePasswordForm(current_user.username)
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append(_("The current password is wrong."))
        else:
            current = sessions.current()
            if attempt(
                lambda: operations.change_own_password(
                    current_user, form.new.data, keep_session=current.id if current else None
                ),
                success=_("Your password has been changed. You have been signed out everywhere else."),
            ):
                return redirect(url_for("main.index"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/account/sessions")
@login_required
def my_sessions() -> ResponseReturnValue:
    rows = db.session.scalars(operations.active_sessions_query(current_user.id)).all()
    current = sessions.current()
    return render_template("auth/sessions.html", rows=rows, current_id=current.id if current else None)


@bp.route("/account/sessions/<int:session_id>/end", methods=["POST"])
@login_required
def end_session(session_id: int) -> ResponseReturnValue:
    row = db.session.get(UserSession, session_id)
    current = sessions.current()
    if row is None or row.user_id != current_user.id:
        abort(404)
    if current is not None and row.id == current.id:
        return logout()  # ending this browser's own session is signing out
    attempt(lambda: operations.end_own_session(current_user, row), success=_("The session has been ended."))
    return redirect(url_for("auth.my_sessions"))


@bp.route("/account/sessions/end-others", methods=["POST"])
@login_required
def end_other_sessions() -> ResponseReturnValue:
    current = sessions.current()
    if done := attempt(lambda: operations.end_other_sessions(current_user, current.id if current else None)):
        flash(_("Signed out everywhere else (%(n)d sessions).", n=done.value), "success")
    return redirect(url_for("auth.my_sessions"))


# --- administration -------------------------------------------------------------------


@bp.route("/admin/users")
@permissions.require(permissions.can_administer)
def admin_users() -> ResponseReturnValue:
    query = select(User).order_by(User.active.desc(), User.username)
    q = search_arg(request.args)
    if q:
        like = f"%{q}%"
        query = query.where(or_(User.username.ilike(like), User.name.ilike(like), User.email.ilike(like)))
    role = request.args.get("role")
    if role in {r.value for r in Role}:
        query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    users = db.session.scalars(query).all()
    return render_template("auth/admin_users.html", users=users, q=q, role=role, role_labels=ROLE_LABELS)


def _user_form(user: User | None = None) -> UserForm:
    form = UserForm(obj=user if request.method == "GET" else None)  # a POST is read from the form alone
    form.bodies.choices = body_choices()
    form.head_of.choices = form.bodies.choices
    if user is not None and request.method == "GET":
        form.roles.data = sorted(r.value for r in user.roles)
        form.bodies.data = sorted(user.body_ids)
        form.head_of.data = sorted(m.body_id for m in user.memberships if m.is_head)
    return form


def _save_user(form: UserForm, user: User | None) -> User | None:
    fields = {
        "username": form.username.data,
        "name": form.name.data,
        "email": form.email.data or "",
        "phone": form.phone.data or "",
        "roles": {Role(r) for r in form.roles.data},
        "body_ids": form.bodies.data,
        "head_of": form.head_of.data or [],
    }

    def save() -> User:
        if user is None:
            return operations.create_user(password=form.password.data, **fields)
        current = sessions.current() if user.id == current_user.id else None
        operations.update_user(
            user,
            password=form.password.data or None,
            keep_session=current.id if current else None,
            **fields,
        )
        return user

    done = attempt(save, form)
    return done.value if done else None


@bp.route("/admin/users/new", methods=["GET", "POST"])
@permissions.require(permissions.can_administer)
def admin_user_new() -> ResponseReturnValue:
    form = _user_form()
    if form.validate_on_submit():
        if not form.password.data:
            form.password.errors.append(_("A new user needs an initial password."))
        elif (user := _save_user(form, None)) is not None:
            flash(_("User %(name)s created.", name=user.username), "success")
            return redirect(url_for("auth.admin_users"))
    return render_template("auth/admin_user_form.html", form=form, user=None)


@bp.route("/admin/users/<int:user_id>/edit", methods=["GET", "POST"])
@permissions.require(permissions.can_administer)
def admin_user_edit(user_id: int) -> ResponseReturnValue:
    user = db.get_or_404(User, user_id)
    form = _user_form(user)
    if form.validate_on_submit() and _save_user(form, user) is not None:
        flash(_("User %(name)s saved.", name=user.username), "success")
        return redirect(url_for("auth.admin_users"))
    live = db.session.scalar(
        select(func.count()).select_from(operations.active_sessions_query(user.id).order_by(None).subquery())
    )
    return render_template("auth/admin_user_form.html", form=form, user=user, live_sessions=live)


@bp.route("/admin/users/<int:user_id>/sessions/end", methods=["POST"])
@permissions.require(permissions.can_administer)
def admin_end_sessions(user_id: int) -> ResponseReturnValue:
    user = db.get_or_404(User, user_id)
    if user.id == current_user.id:
        flash(_("Use your own list of sessions to end them, or sign out."), "error")
    else:
        if done := attempt(lambda: operations.admin_end_sessions(user)):
            flash(
                _(
                    "%(name)s has been signed out everywhere (%(n)d sessions).",
                    name=user.username,
                    n=done.value,
                ),
                "success",
            )
    return redirect(url_for("auth.admin_user_edit", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/active", methods=["POST"])
@permissions.require(permissions.can_administer)
def admin_user_active(user_id: int) -> ResponseReturnValue:
    user = db.get_or_404(User, user_id)
    active = request.form.get("active") == "1"
    if user.id == current_user.id and not active:
        flash(_("You cannot deactivate your own account."), "error")
    else:
        attempt(
            lambda: operations.set_active(user, active),
            success=_("User %(name)s activated.", name=user.username)
            if active
            else _("User %(name)s deactivated.", name=user.username),
        )
    return redirect(url_for("auth.admin_users"))
