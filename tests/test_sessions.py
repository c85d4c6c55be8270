"""Sessions and sign-in under attack: old cookies replayed after sign-out, a password change,
deactivation and an administrator's "sign out everywhere"; remember tokens replayed after they
were rotated or expired; password guessing that must not lock the owner (or an office) out;
timing that must not tell which user names exist; audit entries that must not keep a password
typed into the user-name box."""

from __future__ import annotations

import statistics
import time
import uuid
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_login.utils import encode_cookie
from sqlalchemy import select, update

from coordination.audit.models import AuditEvent
from coordination.auth import operations as accounts
from coordination.auth.models import UserSession
from coordination.extensions import db
from tests import factories as f
from tests.conftest import DEMO_PASSWORD, SHARED_KEYS, Client, make_app

SESSION, REMEMBER = "session", "remember_token"
SIGNED_IN_PAGE = "/account/password"  # any page only a signed-in user sees, never kept


def _sign_in(
    client: FlaskClient, username: str, password: str = DEMO_PASSWORD, remember: bool = False
) -> None:
    data = {"username": username, "password": password} | ({"remember": "y"} if remember else {})
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)


def _cookie(client: FlaskClient, name: str) -> str:
    cookie = client.get_cookie(name)
    assert cookie is not None, f"no {name} cookie"
    return cookie.value


def _signed_in(client: FlaskClient) -> bool:
    response = client.get(SIGNED_IN_PAGE)
    assert response.status_code in (200, 302)
    return response.status_code == 200


def _browser(web_app: Flask, **cookies: str) -> FlaskClient:
    """A browser holding only these cookies (a stolen copy, or the same browser restarted)."""
    browser = web_app.test_client()
    for name, value in cookies.items():
        browser.set_cookie(name, value)
    return browser


def _events(action: str) -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ).all()


def _rows(username: str) -> list[UserSession]:
    return db.session.scalars(select(UserSession).where(UserSession.user_id == f.user(username).id)).all()


# --- the old cookie replayed -------------------------------------------------------------------


def test_the_session_cookie_is_refused_after_sign_out(client, web_app):
    f.issued_plan(items=1)
    _sign_in(client, "liaison.dl.port")
    assert client.get("/tasks").status_code == 200
    stolen = _cookie(client, SESSION)
    client.post("/logout")
    thief = _browser(web_app, session=stolen)
    for path in ("/tasks", SIGNED_IN_PAGE):
        response = thief.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    row = _rows("liaison.dl.port")[0]
    assert row.ended_at is not None and row.end_reason == "signed_out"
    assert len(_events("user.logout")) == 1


def test_the_remember_cookie_is_refused_after_sign_out(client, web_app):
    _sign_in(client, "lead.sh", remember=True)
    remember = _cookie(client, REMEMBER)
    response = client.post("/logout")
    assert any(c.startswith(f"{REMEMBER}=;") for c in response.headers.getlist("Set-Cookie"))
    assert not _signed_in(_browser(web_app, remember_token=remember))


def test_a_password_change_signs_out_everywhere_else(client, web_app):
    other = web_app.test_client()
    _sign_in(other, "liaison.dl.sci", remember=True)
    stolen_session, stolen_remember = _cookie(other, SESSION), _cookie(other, REMEMBER)
    _sign_in(client, "liaison.dl.sci")
    new = "a-new-pass-77"
    response = client.post("/account/password", data={"current": DEMO_PASSWORD, "new": new, "confirm": new})
    assert response.status_code == 302
    assert _signed_in(client)  # the browser that changed it stays signed in
    assert not _signed_in(other)
    assert not _signed_in(_browser(web_app, session=stolen_session))
    assert not _signed_in(_browser(web_app, remember_token=stolen_remember))
    assert _events("user.password_change")[0].after == {"sessions_ended": 1}


def test_an_administrators_new_password_ends_the_users_sessions(client, web_app, login):
    victim = web_app.test_client()
    _sign_in(victim, "liaison.dl.sci", remember=True)
    remember = _cookie(victim, REMEMBER)
    login("admin")
    user = f.user("liaison.dl.sci")
    page = client.get(f"/admin/users/{user.id}/edit").get_data(as_text=True)
    assert "当前有 1 个有效会话" in page
    form = {
        "username": user.username,
        "name": user.name,
        "email": user.email,
        "password": "reset-by-admin-42",
        "roles": sorted(r.value for r in user.roles),
        "bodies": sorted(user.body_ids),
    }
    assert client.post(f"/admin/users/{user.id}/edit", data=form).status_code == 302
    assert not _signed_in(victim)
    assert not _signed_in(_browser(web_app, remember_token=remember))
    assert _signed_in(client)  # the administrator's own session is not touched


def test_an_administrator_signs_a_user_out_everywhere(client, web_app, login):
    laptop, phone = web_app.test_client(), web_app.test_client()
    _sign_in(laptop, "lead.dl")
    _sign_in(phone, "lead.dl", remember=True)
    cookies = {SESSION: _cookie(phone, SESSION), REMEMBER: _cookie(phone, REMEMBER)}
    login("admin")
    lead = f.user("lead.dl")
    response = client.post(f"/admin/users/{lead.id}/sessions/end")
    assert response.status_code == 302
    assert "共 2 个会话" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert not _signed_in(laptop) and not _signed_in(phone)
    assert not _signed_in(_browser(web_app, **cookies))
    assert not _signed_in(_browser(web_app, remember_token=cookies[REMEMBER]))
    event = _events("user.sessions_end")[0]
    assert event.object_id == lead.id and event.actor_id == f.user("admin").id
    assert event.after == {"sessions_ended": 2}
    assert _signed_in(client)


def test_deactivation_ends_the_users_sessions_at_once(client, web_app, login):
    liaison = web_app.test_client()
    _sign_in(liaison, "liaison.sh.sci", remember=True)
    remember = _cookie(liaison, REMEMBER)
    login("admin")
    client.post(f"/admin/users/{f.user('liaison.sh.sci').id}/active", data={"active": "0"})
    assert not _signed_in(liaison)
    assert not _signed_in(_browser(web_app, remember_token=remember))
    assert all(row.end_reason == "deactivated" for row in _rows("liaison.sh.sci"))


def test_cookies_of_the_old_format_sign_nobody_in(client, web_app):
    """'<user id>|<signature>' was valid for a year, and the session held the bare user id."""
    lead = f.user("lead.sh")
    with web_app.app_context():
        old_remember = encode_cookie(str(lead.id))
    assert not _signed_in(_browser(web_app, remember_token=old_remember))
    with client.session_transaction() as session:
        session["_user_id"] = str(lead.id)
        session["_fresh"] = True
    assert not _signed_in(client)


# --- remember tokens: single use, short-lived ------------------------------------------------


def test_a_remember_token_works_once_and_is_replaced(client, web_app):
    _sign_in(client, "lead.sh", remember=True)
    first = _cookie(client, REMEMBER)
    restarted = _browser(web_app, remember_token=first)  # the browser closed: no session cookie
    response = restarted.get(SIGNED_IN_PAGE)
    assert response.status_code == 200
    second = _cookie(restarted, REMEMBER)
    assert second != first
    # The copy taken before the rotation is refused, and the refused browser's cookie is dropped.
    thief = _browser(web_app, remember_token=first)
    assert not _signed_in(thief)
    assert thief.get_cookie(REMEMBER) is None
    assert _signed_in(_browser(web_app, remember_token=second))
    assert len(_rows("lead.sh")) == 1  # one browser, one row, whatever its tokens


def test_every_sign_in_gets_its_own_remember_token(web_app):
    tokens = set()
    for _ in range(2):
        browser = web_app.test_client()
        _sign_in(browser, "lead.sh", remember=True)
        tokens.add(_cookie(browser, REMEMBER))
    assert len(tokens) == 2


def test_remember_tokens_expire_after_the_configured_days(client, web_app):
    web_app.config["REMEMBER_COOKIE_DURATION"] = timedelta(days=3)
    response = client.post("/login", data={"username": "lead.sh", "password": DEMO_PASSWORD, "remember": "y"})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{REMEMBER}="))
    row = _rows("lead.sh")[0]
    assert row.remember_expires_at - row.created_at == timedelta(days=3)
    assert str(row.remember_expires_at.year) in cookie  # the browser forgets it then too
    remember = _cookie(client, REMEMBER)
    db.session.execute(
        update(UserSession).where(UserSession.id == row.id).values(remember_expires_at=row.created_at)
    )
    db.session.commit()
    assert not _signed_in(_browser(web_app, remember_token=remember))


def test_the_default_remember_duration_is_fourteen_days(app):
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=14)


def test_an_idle_session_ends_and_a_remembered_browser_signs_in_again(client, web_app):
    _sign_in(client, "lead.sh", remember=True)
    plain = web_app.test_client()
    _sign_in(plain, "lead.sh")
    db.session.execute(
        update(UserSession).values(last_seen_at=accounts.session_clock() - timedelta(hours=13))
    )
    db.session.commit()
    assert not _signed_in(plain)
    old_session = _cookie(client, SESSION)
    assert _signed_in(client)  # through its remember token, which was replaced
    assert not _signed_in(_browser(web_app, session=old_session))


# --- the user's own sessions -----------------------------------------------------------------


def test_the_user_sees_their_sessions_and_ends_one(client, web_app):
    phone = _browser(web_app)
    phone.environ_base.update(REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="Mozilla/5.0 (iPhone) Safari/604.1")
    _sign_in(phone, "liaison.dl.port")
    client.environ_base.update(HTTP_USER_AGENT="Mozilla/5.0 (Windows NT 10.0) Chrome/120.0 Safari/537.36")
    _sign_in(client, "liaison.dl.port")
    page = client.get("/account/sessions").get_data(as_text=True)
    assert "Safari · iOS" in page and "10.1.2.3" in page and "Chrome · Windows" in page
    assert "本浏览器" in page and "最近活动" in page
    phone_row = next(r for r in _rows("liaison.dl.port") if r.address == "10.1.2.3")
    response = client.post(f"/account/sessions/{phone_row.id}/end")
    assert response.status_code == 302
    assert not _signed_in(phone) and _signed_in(client)
    assert _events("user.session_end")[0].after["address"] == "10.1.2.3"
    assert "10.1.2.3" not in client.get("/account/sessions").get_data(as_text=True)


def test_the_user_signs_out_everywhere_else(client, web_app):
    others = [web_app.test_client() for _ in range(2)]
    for other in others:
        _sign_in(other, "lead.dl", remember=True)
    _sign_in(client, "lead.dl")
    response = client.post("/account/sessions/end-others")
    assert "共 2 个会话" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert not any(_signed_in(other) for other in others)
    assert _signed_in(client)
    assert _events("user.sessions_end")[0].after == {"sessions_ended": 2}


def test_nobody_ends_another_users_session(client, web_app, login):
    victim = web_app.test_client()
    _sign_in(victim, "lead.sh")
    row = _rows("lead.sh")[0]
    login("liaison.dl.port")
    assert client.post(f"/account/sessions/{row.id}/end").status_code == 404
    assert client.post("/account/sessions/end-others").status_code == 302
    assert _signed_in(victim)


def test_last_seen_is_written_at_most_once_a_minute(client):
    _sign_in(client, "lead.sh")
    row = _rows("lead.sh")[0]
    signed_in_at = row.last_seen_at
    client.get(SIGNED_IN_PAGE)
    db.session.refresh(row)
    assert row.last_seen_at == signed_in_at
    earlier = accounts.session_clock() - timedelta(minutes=2)
    db.session.execute(update(UserSession).where(UserSession.id == row.id).values(last_seen_at=earlier))
    db.session.commit()
    client.get(SIGNED_IN_PAGE)
    db.session.refresh(row)
    assert row.last_seen_at > earlier + timedelta(minutes=1)


def test_a_signed_in_request_checks_the_session_in_the_user_query(client, web_app):
    """One query brings the user, roles, units and the session: no extra round trip a request."""
    from sqlalchemy import event

    _sign_in(client, "lead.sh")
    statements: list[str] = []
    with web_app.app_context():
        engine = db.engine

    def note(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        client.get(SIGNED_IN_PAGE)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    touching = [s for s in statements if "user_sessions" in s]
    assert len(touching) == 1 and "users" in touching[0] and "user_roles" in touching[0]


# --- the throttle ------------------------------------------------------------------------------


def _fail(client: FlaskClient, username: str, times: int) -> list[int]:
    return [
        client.post("/login", data={"username": username, "password": "wrong-guess-1"}).status_code
        for _ in range(times)
    ]


def test_nine_failures_on_one_account_leave_the_other_accounts_open(client):
    statuses = _fail(client, "lead.dl", 9)
    assert statuses[:5] == [200] * 5 and set(statuses[5:]) == {429}
    _sign_in(client, "lead.sh")  # a colleague behind the same address


def test_the_throttled_answer_says_in_chinese_when_to_try_again(client):
    _fail(client, "lead.dl", 5)
    response = client.post("/login", data={"username": "lead.dl", "password": DEMO_PASSWORD})
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "登录尝试次数过多，请在 30 秒后" in page and "以后）再试" in page
    assert 25 <= int(response.headers["Retry-After"]) <= 30


def test_failures_from_one_address_do_not_stop_the_owner_elsewhere(web_app):
    attacker, owner = web_app.test_client(), web_app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    owner.environ_base["REMOTE_ADDR"] = "10.20.30.40"
    assert 429 in _fail(attacker, "lead.dl", 12)
    _sign_in(owner, "lead.dl")


def test_the_delay_grows_with_each_failure(app):
    from coordination.auth.throttle import LoginThrottle

    throttle = LoginThrottle(app)
    throttle.prefix = f"test-{uuid.uuid4().hex}:"
    waits = []
    for _ in range(11):
        throttle.failed("lead.dl", "198.51.100.7")
        refusal = throttle.check("lead.dl", "198.51.100.7")
        waits.append(refusal.seconds if refusal else 0)
    assert waits[:4] == [0, 0, 0, 0]
    assert [round(w, -1) for w in waits[4:]] == [30, 60, 120, 240, 480, 900, 900]
    assert throttle.check("LEAD.dl ", "198.51.100.8") is None  # another address: not refused
    throttle.succeeded("lead.dl", "198.51.100.7")
    assert throttle.check("lead.dl", "198.51.100.7") is None


def test_an_address_is_throttled_only_at_a_much_higher_count(web_app):
    web_app.config.update(LOGIN_ADDRESS_FAILURES=12)
    office, outside = web_app.test_client(), web_app.test_client()
    outside.environ_base["REMOTE_ADDR"] = "192.0.2.50"
    for name in ("nobody.1", "nobody.2", "nobody.3"):
        assert _fail(office, name, 4) == [200] * 4
    response = office.post("/login", data={"username": "lead.sh", "password": DEMO_PASSWORD})
    assert response.status_code == 429  # twelve failures from one address: a guessing machine
    _sign_in(outside, "lead.sh")


def _second_process(app: Flask, **config: object) -> Flask:
    """Another web process of the same deployment (its own memory, the same database and Redis)."""
    web = make_app(
        app.config["SQLALCHEMY_DATABASE_URI"], **({k: app.config[k] for k in SHARED_KEYS} | config)
    )
    web.test_client_class = Client
    return web


def test_two_processes_share_the_counts_through_redis(app, web_app):
    first, second = web_app.test_client(), _second_process(app).test_client()
    assert _fail(first, "lead.dl", 3) == [200] * 3
    assert _fail(second, "lead.dl", 2) == [200] * 2
    response = first.post("/login", data={"username": "lead.dl", "password": DEMO_PASSWORD})
    assert response.status_code == 429
    assert second.post("/login", data={"username": "lead.dl", "password": DEMO_PASSWORD}).status_code == 429


def test_without_redis_each_process_counts_and_says_so(app, caplog):
    import logging

    caplog.set_level(logging.WARNING)
    web = _second_process(app, REDIS_URL="redis://127.0.0.1:1/0")
    client = web.test_client()
    assert _fail(client, "lead.dl", 5) == [200] * 5
    assert client.post("/login", data={"username": "lead.dl", "password": DEMO_PASSWORD}).status_code == 429
    assert "Redis unreachable" in caplog.text
    assert caplog.text.count("Redis unreachable") == 1  # said once, not at every attempt


# --- what a failed sign-in tells -------------------------------------------------------------


@pytest.fixture
def scrypt_app(app):
    """As in production: scrypt hashes, and no throttle in the way of repeated tries."""
    web = _second_process(app, PASSWORD_HASH_METHOD="scrypt", LOGIN_FREE_FAILURES=1000)
    user = f.user("lead.sh")
    with web.app_context():
        user.set_password(DEMO_PASSWORD)
    db.session.commit()
    return web


def test_unknown_user_names_take_as_long_as_known_ones(scrypt_app):
    client = scrypt_app.test_client()

    def median_seconds(username: str) -> float:
        times = []
        for _ in range(5):
            start = time.perf_counter()
            response = client.post("/login", data={"username": username, "password": "wrong-guess-1"})
            times.append(time.perf_counter() - start)
            assert response.status_code == 200
        return statistics.median(times)

    median_seconds("nobody.at.all")  # warm up: the dummy hash is made once per process
    known, unknown = median_seconds("lead.sh"), median_seconds("nobody.at.all")
    assert known > 0.02, "scrypt should be in use"
    assert unknown > known * 0.6, (known, unknown)


def test_a_password_typed_as_the_user_name_is_not_kept(client):
    client.post("/login", data={"username": "My-Secret-Pass-93", "password": "x"})
    client.post("/login", data={"username": "Lead.SH", "password": "wrong-guess-1"})
    unknown, known = _events("user.login_failed")
    assert "My-Secret-Pass-93" not in f"{unknown.summary} {unknown.before} {unknown.after}"
    assert unknown.summary == "未知用户名" and unknown.object_id is None
    lead = f.user("lead.sh")
    assert known.summary == "lead.sh" and known.object_id == lead.id and known.actor_id is None
