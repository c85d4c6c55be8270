"""Group robots (企业微信 / 钉钉) against a loopback stand-in that checks what the providers
document (tests/robot_standin.py): the exact bodies and signatures, batching, the 20-a-minute
rate on a controllable clock, back-off, permanent failures on /admin/outbox, one robot failing
without holding up another, the address checks (SSRF), masking, registration with its test
message, and exactly once with a worker killed mid-batch while half the requests fail."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.parse
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from coordination import outbox
from coordination.extensions import db
from coordination.notifications import channels, robot_delivery, robots
from coordination.notifications.models import RobotMessage, Webhook
from coordination.notifications.notice import Notice
from coordination.organizations.models import Body
from coordination.timeutil import _frozen_utc, utcnow
from tests import factories as f
from tests.conftest import ROOT, make_app, reset_schema
from tests.robot_standin import RobotStandIn

LINK = "http://coordination.test/tasks/7"


@pytest.fixture
def standin():
    server = RobotStandIn().start()
    yield server
    server.stop()


class Clock:
    """The app's clock (timeutil.utcnow) and the stand-in's, frozen together and moved by hand."""

    def __init__(self, standin: RobotStandIn) -> None:
        self.at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        self.token = _frozen_utc.set(self.at)
        standin.now = lambda: self.at.replace(tzinfo=UTC).timestamp()

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)
        _frozen_utc.set(self.at)

    def stop(self) -> None:
        _frozen_utc.reset(self.token)


@pytest.fixture
def clock(standin):
    frozen = Clock(standin)
    yield frozen
    frozen.stop()


def robot(url: str, provider: str = "wecom", secret: str = "", name: str = "港口局工作群") -> Webhook:
    webhook = Webhook(
        provider=provider, name=name, url=url, secret=secret, body_id=f.body("大连港口与口岸局").id
    )
    db.session.add(webhook)
    db.session.commit()
    return webhook


def queue(
    webhook: Webhook, n: int = 1, *, text: str = "任务：建设航运中心", urgency: str = "normal", **extra
):
    """n robot messages due now, as robots.queue writes them."""
    now = utcnow()
    rows = [
        {
            "webhook_id": webhook.id,
            "dedupe_key": f"test:{webhook.id}:{i}:{now.isoformat()}",
            "kind": "task_assigned",
            "urgency": urgency,
            "title": f"新任务 {i}",
            "text": text,
            "url": LINK,
            "mentions": extra.get("mentions", ""),
            "answer": "",
            "created_at": now + timedelta(microseconds=i),
            "due_at": now,
        }
        for i in range(n)
    ]
    db.session.execute(insert(RobotMessage), rows)
    db.session.commit()


def states(webhook: Webhook) -> dict[str, int]:
    db.session.expire_all()
    return dict(
        db.session.execute(
            select(RobotMessage.status, func.count())
            .where(RobotMessage.webhook_id == webhook.id)
            .group_by(RobotMessage.status)
        ).all()
    )


def rows_of(webhook: Webhook) -> list[RobotMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(RobotMessage).where(RobotMessage.webhook_id == webhook.id).order_by(RobotMessage.id)
        )
    )


# --- exact bodies and signatures ---------------------------------------------------------------


def test_a_wecom_message_is_the_documented_markdown_body(app, standin):
    webhook = robot(standin.wecom_url("wecom-key-0001"))
    queue(webhook, text="任务：建设航运中心\n期限：2027-03-31")
    assert robot_delivery.deliver([webhook.id]) == 1
    assert standin.bodies() == [
        {
            "msgtype": "markdown",
            "markdown": {"content": f"### 新任务 0\n任务：建设航运中心\n期限：2027-03-31\n[查看]({LINK})"},
        }
    ]
    assert states(webhook) == {"sent": 1}
    [row] = rows_of(webhook)
    assert row.answer == '{"errcode": 0, "errmsg": "ok"}' and row.attempts == 1
    assert db.session.get(Webhook, webhook.id).last_answer == "errcode 0: ok"


def test_a_dingtalk_message_is_signed_and_ats_its_mobiles(app, standin):
    secret = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"
    webhook = robot(standin.dingtalk_url("ding-token-0001", secret), provider="dingtalk", secret=secret)
    queue(webhook, urgency="urgent", mentions="13800001111,13900002222")
    before = int(time.time() * 1000)
    assert robot_delivery.deliver([webhook.id]) == 1
    [accepted] = standin.accepted
    assert accepted.body == {
        "msgtype": "markdown",
        "markdown": {
            "title": "【紧急】新任务 0",
            "text": f'### <font color="warning">【紧急】</font>新任务 0\n任务：建设航运中心\n[查看]({LINK})'
            "\n\n@13800001111 @13900002222",
        },
        "at": {"atMobiles": ["13800001111", "13900002222"], "isAtAll": False},
    }
    timestamp = int(accepted.query["timestamp"])
    assert before <= timestamp <= int(time.time() * 1000)
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    assert accepted.query["sign"] == base64.b64encode(digest).decode()  # as sent: URL-encoded once


def test_the_signature_is_url_encoded_base64_of_the_hmac():
    # A fixed vector: the +, / and = of base64 must reach DingTalk percent-encoded.
    secret, timestamp = "SECtest", 1700000000000
    raw = base64.b64encode(hmac.new(b"SECtest", b"1700000000000\nSECtest", hashlib.sha256).digest()).decode()
    assert channels.dingtalk_sign(secret, timestamp) == urllib.parse.quote(raw, safe="")
    signed = channels.DingTalkRobot().signed_url(
        channels.Destination("https://h/robot/send?access_token=t", secret), timestamp
    )
    sign = urllib.parse.quote(raw, safe="")
    assert signed == f"https://h/robot/send?access_token=t&timestamp={timestamp}&sign={sign}"


def test_a_wrong_dingtalk_secret_is_answered_sign_not_match_and_fails_at_once(app, standin, client, login):
    webhook = robot(
        standin.dingtalk_url("ding-token-0002", "SECright"), provider="dingtalk", secret="SECwrong"
    )
    queue(webhook)
    robot_delivery.deliver([webhook.id])
    [row] = rows_of(webhook)
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.last_error == "RobotError: errcode 310000: sign not match"
    assert standin.accepted == []


# --- batching ------------------------------------------------------------------------------------


def test_rows_due_together_go_out_as_one_request(app, standin):
    webhook = robot(standin.wecom_url("wecom-key-0002"))
    queue(webhook, 3)
    assert robot_delivery.deliver([webhook.id]) == 1
    [body] = standin.bodies()
    content = body["markdown"]["content"]
    assert content.count("### 新任务") == 3 and content.index("新任务 0") < content.index("新任务 2")
    assert states(webhook) == {"sent": 3}
    assert len({r.batch for r in rows_of(webhook)}) == 1


def test_what_does_not_fit_4096_bytes_goes_in_further_messages(app, standin):
    webhook = robot(standin.wecom_url("wecom-key-0003"))
    queue(webhook, 7, text="说明" * 300)  # 1,800 bytes each: two to a message
    assert robot_delivery.deliver([webhook.id]) == 4
    sizes = [len(b["markdown"]["content"].encode()) for b in standin.bodies()]
    assert max(sizes) <= 4096 and [b["markdown"]["content"].count("###") for b in standin.bodies()] == [
        2,
        2,
        2,
        1,
    ]
    assert states(webhook) == {"sent": 7}


def test_one_row_over_the_limit_is_cut_to_fit(app, standin):
    webhook = robot(standin.wecom_url("wecom-key-0004"))
    queue(webhook, text="很长的说明" * 600)
    assert robot_delivery.deliver([webhook.id]) == 1
    [body] = standin.bodies()
    content = body["markdown"]["content"]
    assert len(content.encode()) <= 4096 and content.endswith(f"…\n[查看]({LINK})")


def test_robots_queue_writes_what_delivery_sends(app, standin):
    """From a notice (the producers' path) to the request: the unit's robot is told."""
    webhook = robot(standin.wecom_url("wecom-key-0005"))
    notice = Notice(
        kind="task_assigned",
        key="plan:1:issued",
        title="您单位有 2 项新任务",
        object_key="tasks:",
        user_ids=(),
        lines=("建设航运中心", "港口合作"),
        body_ids=(webhook.body_id,),
    )
    assert robots.queue([notice]) == [webhook.id]
    db.session.commit()
    robot_delivery.deliver([webhook.id])
    [body] = standin.bodies()
    assert body["markdown"]["content"].startswith("### 您单位有 2 项新任务\n建设航运中心\n港口合作\n[查看](")


# --- the rate: 20 a minute ----------------------------------------------------------------------


def test_twenty_five_messages_twenty_in_the_first_minute_the_rest_later(app, standin, clock):
    webhook = robot(standin.wecom_url("wecom-key-0006"))
    queue(webhook, 25, text="说明" * 1000)  # 3,000 bytes: one message each
    assert robot_delivery.deliver([webhook.id]) == 20
    assert len(standin.accepted) == 20 and all(a == {"errcode": 0, "errmsg": "ok"} for a in standin.answers)
    waiting = [r for r in rows_of(webhook) if r.status == "pending"]
    assert len(waiting) == 5
    assert {r.attempts for r in waiting} == {0}  # waiting for the minute spends no attempt
    assert min(r.due_at for r in waiting) > clock.at + timedelta(seconds=59)
    assert robot_delivery.deliver([webhook.id]) == 0  # still the same minute: nothing is claimed
    assert {r.attempts for r in rows_of(webhook) if r.status == "pending"} == {0}
    clock.advance(61)
    assert robot_delivery.deliver([webhook.id]) == 5
    assert states(webhook) == {"sent": 25} and len(standin.accepted) == 25
    assert 45009 not in [a["errcode"] for a in standin.answers]  # the provider never had to refuse


def test_one_at_a_time_the_twenty_first_waits_for_the_minute(app, standin, clock):
    webhook = robot(standin.wecom_url("wecom-key-0007"))
    for _ in range(21):
        queue(webhook)
        robot_delivery.deliver([webhook.id])
        clock.advance(1)
    assert len(standin.accepted) == 20 and states(webhook) == {"sent": 20, "pending": 1}
    clock.advance(40)  # 60 s after the first
    assert robot_delivery.deliver([webhook.id]) == 1 and states(webhook) == {"sent": 21}


def test_a_rate_limit_answer_retries_after_a_minute(app, standin, clock):
    webhook = robot(standin.wecom_url("wecom-key-0008"))
    standin.window["wecom-key-0008"] = [standin.now()] * 20  # another system used the robot's minute
    queue(webhook, 2)
    assert robot_delivery.deliver([webhook.id]) == 1
    rows = rows_of(webhook)
    assert {(r.status, r.attempts) for r in rows} == {("pending", 1)}
    assert {r.due_at for r in rows} == {clock.at + timedelta(seconds=60)}
    assert {r.last_error for r in rows} == {"RobotError: errcode 45009: api freq out of limit"}
    assert db.session.get(Webhook, webhook.id).last_answer == "errcode 45009: api freq out of limit"
    clock.advance(61)
    robot_delivery.deliver([webhook.id])
    assert states(webhook) == {"sent": 2}


# --- failures --------------------------------------------------------------------------------------


@pytest.mark.parametrize("failure", ["http 500", "dropped connection"])
def test_no_answer_backs_off_as_the_outbox_does(app, standin, clock, failure):
    webhook = robot(standin.wecom_url("wecom-key-0009"))
    standin.failure_rate = 1.0
    standin.failures = 1 if failure == "dropped connection" else 0  # alternates: an even one is dropped
    queue(webhook, 2)
    robot_delivery.deliver([webhook.id])
    rows = rows_of(webhook)
    assert {(r.status, r.attempts, r.due_at) for r in rows} == {("pending", 1, clock.at + outbox.BACKOFF[0])}
    error = rows[0].last_error
    assert ("HTTP 500" in error) if failure == "http 500" else ("RemoteDisconnected" in error), error
    assert "wecom-key-0009" not in error
    standin.failure_rate = 0.0
    clock.advance(61)
    robot_delivery.deliver([webhook.id])
    assert states(webhook) == {"sent": 2} and len(standin.accepted) == 1


def test_after_max_attempts_a_row_is_failed(app, standin, clock):
    webhook = robot(standin.wecom_url("wecom-key-0010"))
    standin.failure_rate = 1.0
    queue(webhook)
    for _ in range(RobotMessage.max_attempts):
        robot_delivery.deliver([webhook.id])
        clock.advance(5 * 3600)
    [row] = rows_of(webhook)
    assert (row.status, row.attempts) == ("failed", RobotMessage.max_attempts)


def test_a_bad_key_fails_at_once_and_shows_on_the_outbox_page(app, standin, client, login):
    webhook = robot(standin.wecom_url("wecom-key-0011"))
    standin.wecom_keys.discard("wecom-key-0011")  # the robot was removed from its group
    queue(webhook, 2)
    robot_delivery.deliver([webhook.id])
    assert {(r.status, r.attempts) for r in rows_of(webhook)} == {("failed", 1)}
    login("admin")
    page = client.get("/admin/outbox?source=robot&status=failed").get_data(as_text=True)
    assert "errcode 93000: invalid webhook url" in page and "港口局工作群" in page and "新任务 1" in page
    assert "wecom-key-0011" not in page
    [row] = rows_of(webhook)[:1]
    standin.wecom_keys.add("wecom-key-0011")
    assert client.post(f"/admin/outbox/robot/{row.id}/retry").status_code == 302
    robot_delivery.deliver([webhook.id])
    assert states(webhook) == {"sent": 1, "failed": 1}


def test_a_robot_that_hangs_does_not_hold_up_another(app, standin):
    slow = RobotStandIn(delay=3).start()
    try:
        app.config["ROBOT_TIMEOUT_SECONDS"] = 0.5
        hanging = robot(slow.wecom_url("slow-key"), name="慢")
        fine = robot(standin.wecom_url("wecom-key-0012"), name="快")
        queue(hanging, 3, text="说明" * 1000)
        queue(fine, 2)
        started = time.monotonic()
        assert robot_delivery.deliver([hanging.id, fine.id]) == 1
        assert time.monotonic() - started < 2.5  # one timeout, not one per message
        assert states(fine) == {"sent": 2}
        # The message that timed out spent its attempt; the two not tried wait as long, unspent.
        assert [(r.status, r.attempts) for r in rows_of(hanging)] == [
            ("pending", 1),
            ("pending", 0),
            ("pending", 0),
        ]
        assert len({r.due_at for r in rows_of(hanging)}) == 1
        assert "TimeoutError" in rows_of(hanging)[0].last_error
    finally:
        slow.stop()


def test_a_removed_robot_is_sent_nothing(app, standin):
    webhook = robot(standin.wecom_url("wecom-key-0013"))
    queue(webhook, 2)
    webhook.active = False
    db.session.commit()
    assert robot_delivery.deliver([webhook.id]) == 0
    assert states(webhook) == {"cancelled": 2} and standin.accepted == []


# --- secrets ---------------------------------------------------------------------------------------


def test_addresses_and_secrets_are_masked():
    assert (
        channels.mask_url(
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=ab3f9c2e-1111-2222-3333-0123456789"
        )
        == "https://qyapi.weixin.qq.com/…key=ab…89"
    )
    assert (
        channels.mask_url("https://oapi.dingtalk.com/robot/send?access_token=9f8e7d6c5b4a39281706")
        == "https://oapi.dingtalk.com/…access_token=9f…06"
    )
    assert channels.mask_url("https://h/cgi-bin/webhook/send?key=short") == "https://h/…key=…"
    assert channels.mask_secret("SEC0123456789abcdef") == "SE…ef"


def test_no_key_reaches_the_log(app, standin, caplog):
    webhook = robot(standin.wecom_url("wecom-secret-key-0014"))
    standin.failure_rate = 1.0
    queue(webhook)
    with caplog.at_level(logging.DEBUG):
        robot_delivery.deliver([webhook.id])
        standin.failure_rate = 0.0
        standin.wecom_keys.discard("wecom-secret-key-0014")
        outbox.retry(rows_of(webhook)[0])
        db.session.commit()
        robot_delivery.deliver([webhook.id])
    assert "robot" in caplog.text and "wecom-secret-key-0014" not in caplog.text
    assert "…key=we…14" in caplog.text


# --- the address checks (SSRF) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "url", "expected"),
    [
        ("wecom", "", channels.NO_URL),
        ("wecom", "qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc", channels.NOT_A_URL),
        ("wecom", "https://", channels.NOT_A_URL),
        ("wecom", "https://exa mple.com/cgi-bin/webhook/send?key=abc", channels.NOT_A_URL),
        ("wecom", "https://user:pw@10.0.0.1/cgi-bin/webhook/send?key=abc", channels.NOT_A_URL),
        ("wecom", "ftp://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc", channels.NOT_A_URL),
        ("wecom", "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc", channels.NOT_HTTPS),
        ("wecom", "http://127.0.0.1:8080/cgi-bin/webhook/send?key=abc", channels.NOT_HTTPS),
        ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send", channels.WRONG_SHAPE["wecom"]),
        ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=", channels.WRONG_SHAPE["wecom"]),
        ("wecom", "https://oapi.dingtalk.com/robot/send?access_token=abc", channels.WRONG_SHAPE["wecom"]),
        (
            "dingtalk",
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc",
            channels.WRONG_SHAPE["dingtalk"],
        ),
    ],
)
def test_malformed_and_non_https_addresses_are_refused(app, provider, url, expected):
    assert channels.refusal(provider, url, allow_loopback=False) == str(expected)


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "localhost", "10.1.2.3", "192.168.1.10", "172.16.0.5", "169.254.169.254", "[::1]",
     "[fe80::1]", "0.0.0.0", "100.64.0.1", "[::ffff:10.0.0.1]", "240.0.0.1"],  # noqa: S104 - refused, never bound
)  # fmt: skip
def test_private_loopback_link_local_and_reserved_hosts_are_refused(app, host):
    url = f"https://{host}/cgi-bin/webhook/send?key=abcdef123456"
    name = host.strip("[]")
    assert channels.refusal("wecom", url, allow_loopback=False) == str(channels.PRIVATE_HOST) % {"host": name}


def test_loopback_is_allowed_only_when_configured(app, standin):
    url = standin.wecom_url("wecom-key-0015")
    assert channels.refusal("wecom", url, allow_loopback=True) is None
    assert channels.refusal("wecom", url, allow_loopback=False) == str(channels.NOT_HTTPS)


def test_a_host_that_turns_private_at_send_time_is_not_sent_to(app, standin, monkeypatch):
    """DNS rebinding: the check runs again before every request, and connects to the IP checked."""
    webhook = robot(standin.wecom_url("wecom-key-0016"))
    queue(webhook)
    app.config["ROBOT_ALLOW_LOOPBACK"] = False
    robot_delivery.deliver([webhook.id])
    [row] = rows_of(webhook)
    assert row.status == "failed" and standin.requests == 0


# --- registering, testing, removing (the pages) ----------------------------------------------------


def _form(provider: str, url: str, secret: str = "", name: str = "港口局工作群") -> dict[str, str]:
    return {"provider": provider, "name": name, "url": url, "secret": secret}


def test_a_liaison_registers_the_units_wecom_robot_after_its_test_message(app, standin, client, login):
    port = f.body("大连港口与口岸局")
    url = standin.wecom_url("ab3f9c2e-5e8e-4c1a-9d55-00000000dd89")
    login("liaison.dl.port")
    response = client.post(f"/units/{port.id}/robots", data=_form("wecom", url))
    assert response.status_code == 302
    [webhook] = db.session.scalars(select(Webhook)).all()
    assert (webhook.body_id, webhook.user_id, webhook.url, webhook.active) == (port.id, None, url, True)
    [body] = standin.bodies()
    assert body["markdown"]["content"].startswith(
        "### 沪连对口合作：机器人已接通\n此群将收到「大连港口与口岸局」的工作通知"
    )
    page = client.get(f"/units/{port.id}/robots").get_data(as_text=True)
    assert "ab3f9c2e-5e8e" not in page and f"http://127.0.0.1:{standin.port}/…key=ab…89" in page
    assert "机器人已回应测试消息并已保存" in page and "企业微信群机器人" in page


def test_a_wrong_dingtalk_secret_is_refused_before_saving(app, standin, client, login):
    url = standin.dingtalk_url("ding-token-0003", "SECright-secret")
    login("liaison.dl.port")
    response = client.post("/account/robots", data=_form("dingtalk", url, "SECwrong-secret"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "sign not match" in page and "未保存" in page
    assert db.session.scalar(select(func.count()).select_from(Webhook)) == 0
    response = client.post("/account/robots", data=_form("dingtalk", url, "SECright-secret"))
    assert response.status_code == 302
    [webhook] = db.session.scalars(select(Webhook)).all()
    assert webhook.user_id == f.user("liaison.dl.port").id and webhook.secret == "SECright-secret"
    page = client.get("/account/robots").get_data(as_text=True)
    assert "SECright-secret" not in page and "SE…et" in page


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc", "必须以 https:// 开头"),
        ("not a url", "不是有效的网址"),
        ("https://qyapi.weixin.qq.com/cgi-bin/other?key=abc", "不是企业微信群机器人的地址"),
        ("https://10.0.0.8/cgi-bin/webhook/send?key=abcdef123", "内网或本机地址"),
    ],
)
def test_bad_addresses_are_refused_in_chinese_before_saving(app, web_app, client, login, url, message):
    web_app.config["ROBOT_ALLOW_LOOPBACK"] = False
    login("liaison.dl.port")
    page = client.post("/account/robots", data=_form("wecom", url)).get_data(as_text=True)
    assert message in page
    assert db.session.scalar(select(func.count()).select_from(Webhook)) == 0


def test_the_test_button_shows_the_answer_and_remove_cancels_what_waits(app, standin, client, login):
    webhook = robot(standin.wecom_url("wecom-key-0017"))
    queue(webhook, 2)
    login("liaison.dl.port")
    page = client.post(f"/robots/{webhook.id}/test", follow_redirects=True).get_data(as_text=True)
    assert "机器人回应：errcode 0: ok" in page and len(standin.accepted) == 1
    standin.wecom_keys.discard("wecom-key-0017")
    page = client.post(f"/robots/{webhook.id}/test", follow_redirects=True).get_data(as_text=True)
    assert "errcode 93000: invalid webhook url" in page
    client.post(f"/robots/{webhook.id}/remove")
    assert states(webhook) == {"cancelled": 2} and db.session.get(Webhook, webhook.id).active is False
    login("liaison.sh.sci")  # another unit's liaison may not
    assert client.post(f"/robots/{webhook.id}/test").status_code == 403


def test_the_test_button_sends_at_most_three_a_minute(app, standin, client, login):
    webhook = robot(standin.wecom_url("wecom-key-0018"))
    login("liaison.dl.port")
    for _ in range(3):
        client.post(f"/robots/{webhook.id}/test")
    page = client.post(f"/robots/{webhook.id}/test", follow_redirects=True).get_data(as_text=True)
    assert "该机器人刚刚已发送过多条测试消息，请一分钟后再试。" in page
    assert len(standin.accepted) == 3  # the fourth was not sent


def test_a_persons_robot_is_theirs_alone(app, standin, client, login):
    login("liaison.dl.port")
    client.post("/account/robots", data=_form("wecom", standin.wecom_url("wecom-key-0018")))
    [webhook] = db.session.scalars(select(Webhook)).all()
    login("liaison.sh.sci")
    assert client.post(f"/robots/{webhook.id}/remove").status_code == 403
    assert "港口局工作群" not in client.get("/account/robots").get_data(as_text=True)


# --- exactly once: a worker killed mid-batch, half the requests failing ------------------------------

ROBOTS, PER_ROBOT = 6, 10


def _worker(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst"],
        cwd=ROOT,
        env=env,
        start_new_session=True,  # SIGKILL reaches the worker and the work horse it forked
        stdout=subprocess.DEVNULL,
        stderr=open(env["INSTANCE_PATH"] + "-worker.log", "a"),
    )


def test_every_robot_message_arrives_exactly_once_despite_a_killed_worker_and_failing_requests(
    database_url, tmp_path
):
    # Its own database on SQLite; on PostgreSQL the test database, rebuilt afterwards.
    url = f"sqlite:///{tmp_path / 'robots.db'}" if database_url.startswith("sqlite") else database_url
    queue_name = f"robots-{os.getpid()}-{time.monotonic_ns()}"
    app = make_app(url, RQ_QUEUE=queue_name, CLAIM_TIMEOUT_SECONDS=2)
    reset_schema(app)
    standin = RobotStandIn(failure_rate=0.5, gate_after=5).start()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "RQ_QUEUE": queue_name,
        "CLAIM_TIMEOUT_SECONDS": "2",
        "ROBOT_ALLOW_LOOPBACK": "1",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "robots",
    }
    worker = None
    try:
        with app.app_context():
            from coordination import seed

            seed.load_mechanism()
            body_id = db.session.scalar(select(Body.id).order_by(Body.id))
            hooks = []
            for n in range(ROBOTS):
                hook = Webhook(
                    provider="wecom", name=f"群{n}", url=standin.wecom_url(f"fault-key-{n}"), body_id=body_id
                )
                db.session.add(hook)
                hooks.append(hook)
            db.session.commit()
            expected = {f"fault:{hook.id}:{i}" for hook in hooks for i in range(PER_ROBOT)}
            now = utcnow()
            db.session.execute(
                insert(RobotMessage),
                [
                    {
                        "webhook_id": hook.id,
                        "dedupe_key": f"fault:{hook.id}:{i}",
                        "kind": "task_assigned",
                        "urgency": "normal",
                        "title": f"fault:{hook.id}:{i}",
                        "text": "说明" * 700,  # 2,100 bytes: one row a message, 10 requests a robot
                        "url": LINK,
                        "mentions": "",
                        "answer": "",
                        "created_at": now + timedelta(microseconds=i),
                        "due_at": now,
                    }
                    for hook in hooks
                    for i in range(PER_ROBOT)
                ],
            )
            db.session.commit()
            assert outbox.sweep(RobotMessage) == ROBOTS * PER_ROBOT
            worker = _worker(env)
            assert standin.gate_hit.wait(60), "the worker never reached the robots"
            os.killpg(worker.pid, signal.SIGKILL)  # mid-batch: rows claimed, a request held unanswered
            worker.wait(10)
            standin.gate_after = None
            standin.release.set()
            deadline, retried = time.time() + 240, 0
            while time.time() < deadline:
                time.sleep(2.2)  # longer than the claim timeout: the killed worker's rows are released
                db.session.execute(  # time passes: back-offs and rate windows are over
                    RobotMessage.__table__.update()
                    .where(RobotMessage.status == outbox.PENDING)
                    .values(due_at=utcnow())
                )
                db.session.execute(
                    RobotMessage.__table__.update()
                    .where(RobotMessage.status == outbox.SENT)
                    .values(sent_at=utcnow() - timedelta(minutes=2))
                )
                db.session.commit()
                standin.window.clear()
                # With half the requests failing, a row can fail its six attempts in a row (1 in
                # 64): an administrator retries it from /admin/outbox, as they would.
                for row in db.session.scalars(
                    select(RobotMessage).where(RobotMessage.status == outbox.FAILED)
                ):
                    outbox.retry(row)
                    retried += 1
                db.session.commit()
                if outbox.sweep(RobotMessage) == 0:
                    break
                runner = _worker(env)
                runner.wait(120)
            db.session.expire_all()
            final = dict(
                db.session.execute(
                    select(RobotMessage.status, func.count()).group_by(RobotMessage.status)
                ).all()
            )
    finally:
        if worker is not None and worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        standin.stop()
        from coordination.jobs import get_queue

        with app.app_context():
            get_queue().delete(delete_jobs=True)
        reset_schema(app)
    titles = Counter(
        line[4:] for a in standin.accepted for line in a.text.splitlines() if line.startswith("### ")
    )
    assert final == {"sent": ROBOTS * PER_ROBOT}
    assert standin.failures > 20  # half the requests did fail
    assert retried < ROBOTS * PER_ROBOT // 10
    assert set(titles) == expected  # none lost
    assert max(titles.values()) == 1  # none twice
