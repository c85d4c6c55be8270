import re

from flask import Flask

from tests.conftest import DEMO_PASSWORD, make_app


def test_mechanism_overview_groups_bodies_by_tier_and_party(client, login):
    login("leader.dl")
    page = client.get("/mechanism").get_data(as_text=True)
    for text in (
        "决策层",
        "协调层",
        "执行层",
        "上海市人民政府合作交流办公室",
        "大连市发展和改革委员会",
        "大连市对口合作工作领导小组",
    ):
        assert text in page
    # The FTZ Dalian area is listed under Jinpu New Area, not on its own.
    jinpu = page.index("大连金普新区管理委员会")
    assert jinpu < page.index("中国（辽宁）自由贸易试验区大连片区管理委员会")


def test_framework_page_lists_areas_and_key_tasks(client, login):
    login("liaison.sh.sci")
    page = client.get("/framework").get_data(as_text=True)
    assert "6 个领域、27 项重点任务" in page
    assert "“软平台”合作" in page and "辐射带动辽宁沿海经济带城市" in page
    assert len(re.findall(r'id="key-task-\d+"', page)) == 27


def test_chinese_by_default_and_english_on_request(client, login):
    login("lead.sh")
    assert "退出" in client.get("/").get_data(as_text=True)
    client.get("/lang/en")
    page = client.get("/framework").get_data(as_text=True)
    assert "Sign out" in page and "Pilot free trade zones" in page


def test_navigation_follows_roles(client, login):
    login("liaison.dl.port")
    assert "/admin/users" not in client.get("/").get_data(as_text=True)
    login("admin")
    assert "/admin/users" in client.get("/").get_data(as_text=True)


def test_security_headers_and_cookies(client):
    response = client.post("/login", data={"username": "lead.sh", "password": DEMO_PASSWORD, "remember": "y"})
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    remember_cookie = next(c for c in cookies if c.startswith("remember_token="))
    for cookie in (session_cookie, remember_cookie):
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_unknown_page_is_a_chinese_404(client, login):
    login("lead.sh")
    response = client.get("/no/such/page")
    assert response.status_code == 404 and "页面不存在" in response.get_data(as_text=True)


def test_health(client):
    assert client.get("/healthz").get_json() == {"database": "ok"}


def test_csrf_is_enforced(database_url):
    app: Flask = make_app(database_url, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        response = client.post("/login", data={"username": "lead.sh", "password": DEMO_PASSWORD})
        assert response.status_code == 400
        assert "表单已过期" in response.get_data(as_text=True)


def test_home_shows_the_users_own_work(client, login, app):
    from tests import factories as f

    f.issued_plan()
    login("liaison.dl.port")
    page = client.get("/").get_data(as_text=True)
    assert "推进两地港航物流合作" in page and "待签收或退回重办" in page
    login("liaison.sh.sci")  # no task of this unit in the plan
    page = client.get("/").get_data(as_text=True)
    assert "推进两地港航物流合作" not in page and "没有未办结的任务" in page
    login("lead.sh")
    assert "待审核或待审批" in client.get("/").get_data(as_text=True)


def test_absurd_ids_and_parameters_are_not_errors(client, login):
    login("admin")
    for path in (
        "/tasks/99999999999999999999",
        "/plans/99999999999999999999",
        "/attachments/99999999999999999999",
    ):
        assert client.get(path).status_code == 404
    for path in (
        "/tasks?page=99999999999999999999&key_task=99999999999999999999&unit=-1&due_before=2026-13-45",
        "/admin/audit?object_id=99999999999999999999&page=abc&since=nonsense",
    ):
        assert client.get(path).status_code == 200
