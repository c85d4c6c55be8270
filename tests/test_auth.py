from sqlalchemy import select

from coordination.audit.models import AuditEvent
from coordination.auth.models import User
from coordination.extensions import db
from tests.conftest import DEMO_PASSWORD


def _events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_anonymous_is_sent_to_login(client):
    response = client.get("/mechanism")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_login_and_logout(client):
    response = client.post("/login", data={"username": "lead.sh", "password": "demo-pass-2026"})
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "陈思敏" in page
    assert len(_events("user.login")) == 1
    client.post("/logout")
    assert client.get("/").status_code == 302


def test_user_name_is_case_insensitive(client):
    assert (
        client.post("/login", data={"username": "Lead.SH", "password": "demo-pass-2026"}).status_code == 302
    )


def test_wrong_password_and_unknown_user_get_the_same_chinese_message(client):
    for username in ("lead.sh", "nobody"):
        response = client.post("/login", data={"username": username, "password": "wrong-password-1"})
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "用户名或密码错误" in page
        assert f'value="{username}"' in page  # the form keeps what was typed
    assert len(_events("user.login_failed")) == 2


def test_empty_fields_are_explained(client):
    page = client.post("/login", data={"username": "", "password": ""}).get_data(as_text=True)
    assert "此项为必填项" in page


def test_deactivated_user_cannot_sign_in(client):
    user = db.session.scalar(select(User).where(User.username == "liaison.sh.sci"))
    user.active = False
    db.session.commit()
    page = client.post("/login", data={"username": "liaison.sh.sci", "password": "demo-pass-2026"}).get_data(
        as_text=True
    )
    assert "已停用" in page


def test_failed_logins_are_throttled_per_account(client):
    for _ in range(5):
        assert (
            client.post("/login", data={"username": "lead.dl", "password": "bad-password-9"}).status_code
            == 200
        )
    response = client.post("/login", data={"username": "lead.dl", "password": "demo-pass-2026"})
    assert response.status_code == 429
    assert "尝试次数过多" in response.get_data(as_text=True)


def test_successful_logins_do_not_count_towards_the_throttle(client):
    for _ in range(7):
        assert (
            client.post("/login", data={"username": "lead.sh", "password": "demo-pass-2026"}).status_code
            == 302
        )
        client.post("/logout")


def test_login_redirect_stays_on_site(client):
    response = client.post(
        "/login?next=https://evil.example/x", data={"username": "lead.sh", "password": "demo-pass-2026"}
    )
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post(
        "/login?next=/framework", data={"username": "lead.sh", "password": "demo-pass-2026"}
    )
    assert response.headers["Location"] == "/framework"


def test_change_password(client, login):
    login("liaison.dl.sci")
    page = client.post(
        "/account/password", data={"current": "nope", "new": "short", "confirm": "other"}
    ).get_data(as_text=True)
    assert "当前密码不正确" not in page  # field errors first: policy and mismatch
    assert "至少 10 个字符" in page and "两次输入的密码不一致" in page
    page = client.post(
        "/account/password", data={"current": "nope", "new": "a-new-pass-77", "confirm": "a-new-pass-77"}
    ).get_data(as_text=True)
    assert "当前密码不正确" in page
    response = client.post(
        "/account/password",
        data={"current": "demo-pass-2026", "new": "a-new-pass-77", "confirm": "a-new-pass-77"},
    )
    assert response.status_code == 302
    login("liaison.dl.sci", "a-new-pass-77")
    event = _events("user.password_change")[0]
    assert "a-new-pass-77" not in str(event.before) + str(event.after) + event.summary


def test_password_hashes_are_not_plain_text(app):
    user = db.session.scalar(select(User).where(User.username == "admin"))
    assert "demo-pass-2026" not in user.password_hash
    assert user.check_password("demo-pass-2026")


def test_production_hashing_is_scrypt(app):
    app.config.pop("PASSWORD_HASH_METHOD")  # as in production, where nothing sets it
    user = db.session.scalar(select(User).where(User.username == "admin"))
    user.set_password("another-pass-123")
    assert user.password_hash.startswith("scrypt:")


def test_passwords_never_reach_the_logs(client, login, caplog):
    """Sign-in failures, a password change and a new account: the log and the audit trail name
    the user, never the password."""
    import logging

    caplog.set_level(logging.DEBUG)
    wrong, changed, created = "Wrong-Secret-91", "Brand-New-Secret-72", "User-Secret-63x"
    client.post("/login", data={"username": "lead.sh", "password": wrong})
    login("lead.sh")
    client.post("/account/password", data={"current": DEMO_PASSWORD, "new": changed, "confirm": changed})
    login("lead.sh", changed)  # the change went through
    login("admin")
    client.post(
        "/admin/users/new",
        data={"username": "new.user", "name": "新用户", "email": "n@example.cn", "password": created},
    )
    assert db.session.scalar(select(User).where(User.username == "new.user")) is not None
    audit = " ".join(f"{e.summary} {e.before} {e.after}" for e in db.session.scalars(select(AuditEvent)))
    for secret in (wrong, changed, created, DEMO_PASSWORD):
        assert secret not in caplog.text and secret not in audit
