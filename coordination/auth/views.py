from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from coordination import permissions
from coordination.auth import operations
from coordination.auth.forms import ROLE_LABELS, ChangePasswordForm, LoginForm, UserForm
from coordination.auth.models import Role, User, UserRole
from coordination.extensions import db, limiter, login_manager
from coordination.organizations.queries import body_choices
from coordination.urls import safe_next
from coordination.views_util import search_arg

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    # Every request asks for the user's roles and units: one query brings all three.
    if not user_id.isdigit():
        return None
    query = (
        select(User)
        .options(joinedload(User.role_links), joinedload(User.memberships))
        .where(User.id == int(user_id))
    )
    return db.session.scalars(query).unique().one_or_none()


login_manager.login_view = "auth.login"
login_manager.login_message = None


def _login_username_key() -> str:
    return "login-user:" + (request.form.get("username") or "").strip().lower()


def _failed(response: Any) -> bool:
    # A successful login redirects; only failed attempts count towards the throttle.
    return response.status_code == 200


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], deduct_when=_failed)
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"],
    methods=["POST"],
    key_func=_login_username_key,
    deduct_when=_failed,
)
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = operations.find_by_username(form.username.data)
        if user is None or not user.check_password(form.password.data):
            operations.note_failed_login(form.username.data)
            db.session.commit()
            flash(_("Wrong user name or password."), "error")
        elif not user.active:
            flash(_("This account has been deactivated. Contact the administrator."), "error")
        else:
            login_user(user, remember=form.remember.data)
            operations.note_login(user)
            db.session.commit()
            return redirect(safe_next(request.args.get("next"), url_for("main.index")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Any:
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/lang/<code>")
def set_language(code: str) -> Any:
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(safe_next(request.args.get("next"), url_for("main.index")))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Any:
    form = ChangePasswordForm(current_user.username)
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append(_("The current password is wrong."))
        else:
            operations.change_own_password(current_user, form.new.data)
            db.session.commit()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("main.index"))
    return render_template("auth/change_password.html", form=form)


# --- administration -------------------------------------------------------------------


@bp.route("/admin/users")
@permissions.require(permissions.can_administer)
def admin_users() -> Any:
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
    try:
        if user is None:
            user = operations.create_user(password=form.password.data, **fields)
        else:
            operations.update_user(user, password=form.password.data or None, **fields)
    except operations.AccountError as error:
        db.session.rollback()
        form.username.errors.append(str(error))
        return None
    db.session.commit()
    return user


@bp.route("/admin/users/new", methods=["GET", "POST"])
@permissions.require(permissions.can_administer)
def admin_user_new() -> Any:
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
def admin_user_edit(user_id: int) -> Any:
    user = db.get_or_404(User, user_id)
    form = _user_form(user)
    if form.validate_on_submit() and _save_user(form, user) is not None:
        flash(_("User %(name)s saved.", name=user.username), "success")
        return redirect(url_for("auth.admin_users"))
    return render_template("auth/admin_user_form.html", form=form, user=user)


@bp.route("/admin/users/<int:user_id>/active", methods=["POST"])
@permissions.require(permissions.can_administer)
def admin_user_active(user_id: int) -> Any:
    user = db.get_or_404(User, user_id)
    active = request.form.get("active") == "1"
    if user.id == current_user.id and not active:
        flash(_("You cannot deactivate your own account."), "error")
    else:
        operations.set_active(user, active)
        db.session.commit()
        flash(
            _("User %(name)s activated.", name=user.username)
            if active
            else _("User %(name)s deactivated.", name=user.username),
            "success",
        )
    return redirect(url_for("auth.admin_users"))
