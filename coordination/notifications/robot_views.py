"""The group robots' pages: my own robots (/account/robots) and a unit's (/units/N/robots).

A robot is registered with its webhook address (and a DingTalk robot's signing secret); a test
message goes out before it is saved. Afterwards the address and the secret are only ever shown
masked. Who may: a person for their own robots; a unit's liaisons and heads for the unit's, and
administrators for any unit's (permissions.may_manage_unit_robots)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import PasswordField, RadioField, StringField

from coordination import permissions
from coordination.extensions import db
from coordination.forms import Form
from coordination.notifications import channels, operations
from coordination.notifications.models import Webhook
from coordination.organizations.models import Body
from coordination.views_util import attempt

bp = Blueprint("robots", __name__)


class RobotForm(Form):
    provider = RadioField(
        _l("Messenger"),
        choices=[(p, label) for p, label in channels.PROVIDER_LABELS.items()],
        default=channels.WECOM,
    )
    name = StringField(_l("Name"), description=_l("The group chat's name, so you recognise it here."))
    url = StringField(
        _l("Webhook address"),
        description=_l(
            "WeCom: https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=… · "
            "DingTalk: https://oapi.dingtalk.com/robot/send?access_token=… (copy it from the robot's "
            "settings in the group chat)."
        ),
    )
    secret = PasswordField(
        _l("Signing secret (DingTalk only)"),
        description=_l("DingTalk robots with the 加签 security setting: the secret starting with SEC."),
    )


def _robots(*where: Any) -> list[Webhook]:
    return list(db.session.scalars(select(Webhook).where(*where).order_by(Webhook.active.desc(), Webhook.id)))


def _view(robot: Webhook) -> dict[str, Any]:
    return {
        "robot": robot,
        "provider": channels.PROVIDER_LABELS.get(robot.provider, robot.provider),
        "url": channels.mask_url(robot.url),
        "secret": channels.mask_secret(robot.secret),
    }


def _add(form: RobotForm, *, body: Body | None) -> bool:
    done = attempt(
        lambda: operations.add_robot(
            current_user,
            provider=form.provider.data or "",
            name=form.name.data or "",
            url=form.url.data or "",
            secret=form.secret.data or "",
            body=body,
            user=None if body is not None else current_user,
        ),
        form,
        success=_("The robot answered the test message and was saved."),
    )
    return bool(done)


@bp.route("/account/robots", methods=["GET", "POST"])
@permissions.require(permissions.can_read_mechanism)
def mine() -> Any:
    form = RobotForm()
    if form.validate_on_submit() and _add(form, body=None):
        return redirect(url_for("robots.mine"))
    units = [
        body
        for body in sorted(current_user.bodies, key=lambda b: b.id)
        if permissions.may_manage_unit_robots(current_user, body.id)
    ]
    return render_template(
        "robots/robots.html",
        title=_("My group robots"),
        intro=_("Notifications meant for you also go to these robots (a group with just you, for example)."),
        robots=[_view(r) for r in _robots(Webhook.user_id == current_user.id)],
        form=form,
        action=url_for("robots.mine"),
        units=units,
    )


@bp.route("/units/<int:body_id>/robots", methods=["GET", "POST"])
@permissions.require(permissions.can_read_mechanism)
def unit(body_id: int) -> Any:
    body = db.get_or_404(Body, body_id)
    if not permissions.may_manage_unit_robots(current_user, body.id):
        abort(403)
    form = RobotForm()
    if form.validate_on_submit() and _add(form, body=body):
        return redirect(url_for("robots.unit", body_id=body.id))
    return render_template(
        "robots/robots.html",
        title=_("Group robots of %(unit)s", unit=body.name_zh),
        intro=_("Notifications to the unit (tasks assigned, returned, decided) also go to these groups."),
        robots=[_view(r) for r in _robots(Webhook.body_id == body.id)],
        form=form,
        action=url_for("robots.unit", body_id=body.id),
        units=[],
    )


def _managed(webhook_id: int) -> Webhook:
    robot = db.get_or_404(Webhook, webhook_id)
    if robot.body_id is not None:
        allowed = permissions.may_manage_unit_robots(current_user, robot.body_id)
    else:
        allowed = robot.user_id == current_user.id
    if not allowed:
        abort(403)
    return robot


def _back(robot: Webhook) -> Response:
    if robot.body_id is not None:
        return redirect(url_for("robots.unit", body_id=robot.body_id))
    return redirect(url_for("robots.mine"))


@bp.route("/robots/<int:webhook_id>/test", methods=["POST"])
@permissions.require(permissions.can_read_mechanism)
def test(webhook_id: int) -> Any:
    robot = _managed(webhook_id)
    done = attempt(lambda: operations.send_test_message(robot, current_user))
    if done:
        answer = done.value
        if answer.ok:
            flash(_("The robot answered: %(answer)s", answer=answer.summary()), "success")
        else:
            refused = _("The robot did not accept the test message: %(answer)s", answer=answer.summary())
            flash(refused, "error")
    return _back(robot)


@bp.route("/robots/<int:webhook_id>/remove", methods=["POST"])
@permissions.require(permissions.can_read_mechanism)
def remove(webhook_id: int) -> Any:
    robot = _managed(webhook_id)
    attempt(lambda: operations.remove_robot(robot, current_user), success=_("The robot was removed."))
    return _back(robot)
