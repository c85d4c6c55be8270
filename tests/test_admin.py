import pytest
from sqlalchemy import func, select

from coordination.audit.models import AuditEvent
from coordination.auth.models import User
from coordination.extensions import db
from coordination.organizations.models import Body, Party
from tests import factories as f
from tests.conftest import messages_in

ADMIN_PAGES = ["/admin/users", "/admin/users/new", "/admin/bodies", "/admin/bodies/new", "/admin/audit"]
NON_ADMINS = ["leader.sh", "lead.dl", "secretary.sh", "liaison.sh.commerce"]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_answer_by_role(client, login, path):
    assert client.get(path).status_code == 302  # anonymous: to the login page
    for username in NON_ADMINS:
        login(username)
        assert client.get(path).status_code == 403, username
    login("admin")
    assert client.get(path).status_code == 200


def test_admin_posts_are_forbidden_to_others(client, login):
    login("lead.sh")
    user = db.session.scalar(select(User).where(User.username == "liaison.dl.port"))
    assert client.post(f"/admin/users/{user.id}/active", data={"active": "0"}).status_code == 403
    assert db.session.get(User, user.id).active


def _party(code):
    return db.session.scalar(select(Party).where(Party.code == code))


def _body(name):
    return db.session.scalar(select(Body).where(Body.name_zh == name))


def test_create_body_is_audited(client, login):
    login("admin")
    response = client.post("/admin/bodies/new", data=f.body_form())
    assert response.status_code == 302
    body = _body("大连市生态环境局")
    assert body.tier == "execution" and body.party.code == "dl"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "body.create"))
    assert event.object_id == body.id and event.after["name_zh"] == "大连市生态环境局"
    assert event.actor.username == "admin"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name_zh": "大连市商务局"}, "已存在"),
        ({"name_zh": "  "}, "此项为必填项"),
        ({"name_zh": "局" * 101}, "最多 100 个字符"),
        ({"tier": "coordination"}, "应属于其他层级"),  # a member unit put on the coordination tier
        ({"kind": "lead_department"}, "应属于其他层级"),
        ({"parent_id": "SH_PARENT"}, "同一层级、同一方"),  # a Dalian unit under a Shanghai unit
        ({"party_id": 99999}, "不是有效的选项"),
    ],
)
def test_bad_body_input_is_explained_and_nothing_is_saved(client, login, overrides, message):
    login("admin")
    overrides = dict(overrides)  # parametrized values are shared between backends
    if overrides.get("parent_id") == "SH_PARENT":
        overrides["parent_id"] = _body("上海市浦东新区人民政府").id
    before = db.session.scalar(select(func.count()).select_from(Body))
    response = client.post("/admin/bodies/new", data=f.body_form(**overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page, messages_in(page)
    assert "Dalian Ecology and Environment Bureau" in page  # what the user typed is kept
    assert db.session.scalar(select(func.count()).select_from(Body)) == before


def test_a_unit_cannot_be_put_under_its_own_child(client, login):
    login("admin")
    parent = _body("大连金普新区管理委员会")
    child = _body("中国（辽宁）自由贸易试验区大连片区管理委员会")
    data = f.body_form(name_zh=parent.name_zh, kind="zone", parent_id=child.id)
    page = client.post(f"/admin/bodies/{parent.id}/edit", data=data).get_data(as_text=True)
    assert "不能置于自身之下" in page
    assert db.session.get(Body, parent.id).parent_id is None


def test_deactivate_body_keeps_it(client, login):
    login("admin")
    body = _body("大连市商务局")
    assert client.post(f"/admin/bodies/{body.id}/active", data={"active": "0"}).status_code == 302
    assert db.session.get(Body, body.id).active is False
    client.get("/mechanism")  # shows the flash message
    assert "大连市商务局" not in client.get("/mechanism").get_data(as_text=True)


def _user_form(**overrides):
    data = {
        "username": "liaison.dl.eco",
        "name": "钱晓东",
        "email": "qian@example.cn",
        "phone": "",
        "roles": ["liaison"],
        "bodies": [_body("大连市商务局").id],
        "password": "first-pass-2026",
    }
    return {**data, **overrides}


def test_create_and_edit_user(client, login):
    login("admin")
    assert client.post("/admin/users/new", data=_user_form()).status_code == 302
    user = db.session.scalar(select(User).where(User.username == "liaison.dl.eco"))
    assert {r.value for r in user.roles} == {"liaison"}
    assert [b.name_zh for b in user.bodies] == ["大连市商务局"]
    data = _user_form(roles=["liaison", "secretary"], password="")
    assert client.post(f"/admin/users/{user.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert {r.value for r in db.session.get(User, user.id).roles} == {"liaison", "secretary"}
    assert db.session.get(User, user.id).check_password("first-pass-2026")  # empty keeps it
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == user.id)).all()
    assert {"user.create", "user.update"} <= set(actions)
    created = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.create"))
    assert "first-pass-2026" not in str(created.after)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"username": "LEAD.sh"}, "已被使用"),
        ({"email": "not-an-email"}, "电子邮件地址无效"),
        ({"password": "short1"}, "至少 10 个字符"),
        ({"password": ""}, "需要设置初始密码"),
        ({"username": "带空格 的名字"}, "只能使用字母"),
        ({"roles": ["emperor"]}, "不是有效的选项"),
    ],
)
def test_bad_user_input_is_explained(client, login, overrides, message):
    login("admin")
    before = db.session.scalar(select(func.count()).select_from(User))
    page = client.post("/admin/users/new", data=_user_form(**overrides)).get_data(as_text=True)
    assert message in page, messages_in(page)
    assert "钱晓东" in page
    assert db.session.scalar(select(func.count()).select_from(User)) == before


def test_deactivate_user_keeps_history_and_blocks_login(client, login):
    login("admin")
    user = db.session.scalar(select(User).where(User.username == "liaison.sh.commerce"))
    client.post(f"/admin/users/{user.id}/active", data={"active": "0"})
    assert db.session.get(User, user.id) is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.deactivate"))
    assert event.before == {"active": True} and event.after == {"active": False}
    client.post("/logout")
    page = client.post(
        "/login", data={"username": "liaison.sh.commerce", "password": "demo-pass-2026"}
    ).get_data(as_text=True)
    assert "已停用" in page


def test_admin_cannot_deactivate_self(client, login):
    login("admin")
    me = db.session.scalar(select(User).where(User.username == "admin"))
    client.post(f"/admin/users/{me.id}/active", data={"active": "0"})
    assert db.session.get(User, me.id).active


def test_audit_log_lists_and_filters(client, login):
    login("admin")
    client.post("/admin/bodies/new", data=f.body_form())
    page = client.get("/admin/audit?action=body.create").get_data(as_text=True)
    assert "body.create" in page and "大连市生态环境局" in page
    page = client.get("/admin/audit?actor=nobody").get_data(as_text=True)
    assert "大连市生态环境局" not in page


def test_the_system_page_says_which_address_mail_links_carry(client, login, web_app):
    login("admin")
    page = client.get("/admin").get_data(as_text=True)
    assert "http://coordination.test" in page and 'id="base-url-warning"' not in page
    assert "没有配置 SMTP 服务器" in page
    # Loopback links while mail leaves through a real SMTP server: nobody could open them.
    web_app.config.update(SERVER_BASE_URL="http://127.0.0.1:5000", MAIL_SERVER="smtp.example.cn")
    page = client.get("/admin").get_data(as_text=True)
    assert 'id="base-url-warning"' in page and "http://127.0.0.1:5000" in page
    assert "smtp.example.cn:25" in page
    web_app.config.update(SERVER_BASE_URL="https://hulian.example.cn")
    assert 'id="base-url-warning"' not in client.get("/admin").get_data(as_text=True)
    # Without an SMTP server mail stays in the outbox, where a local address does no harm.
    web_app.config.update(SERVER_BASE_URL="http://localhost:5000", MAIL_SERVER="")
    assert 'id="base-url-warning"' not in client.get("/admin").get_data(as_text=True)


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:5000", True),
        ("http://localhost:8000/", True),
        ("http://[::1]:5000", True),
        ("http://0.0.0.0:5000", True),
        ("http://10.1.2.3:5000", False),
        ("https://hulian.example.cn", False),
    ],
)
def test_loopback_addresses_are_recognised(url, local):
    from coordination.urls import reaches_only_this_machine

    assert reaches_only_this_machine(url) is local


def test_the_start_script_gives_mail_links_the_address_it_serves():
    import subprocess
    from pathlib import Path

    lib = Path(__file__).resolve().parent.parent / "scripts" / "lib.sh"

    def base_url(host: str, port: str, **env: str) -> str:
        command = f'source "{lib}"; server_base_url "$0" "$1"'
        result = subprocess.run(
            ["bash", "-c", command, host, port],
            capture_output=True,
            text=True,
            check=True,
            env={"PATH": "/usr/bin:/bin", **env},
        )
        return result.stdout.strip()

    assert base_url("127.0.0.1", "8123") == "http://127.0.0.1:8123"  # PORT=8123 bash scripts/start
    served_everywhere = base_url("0.0.0.0", "80")  # noqa: S104 - the address under test
    assert served_everywhere.endswith(":80") and "0.0.0.0" not in served_everywhere  # noqa: S104
    assert (
        base_url("127.0.0.1", "5000", SERVER_BASE_URL="https://hulian.example.cn")
        == "https://hulian.example.cn"
    )
