"""Over-long input gets the app's Chinese answer, never the web server's bare English page."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from coordination.errors import MAX_URL_BYTES


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/tasks", 'name="q"'),
        ("/admin/users", 'name="q"'),
        ("/admin/outbox", 'name="q"'),
        ("/admin/audit", 'name="actor"'),
    ],
)
def test_search_fields_have_a_length_limit_and_a_longer_query_is_cut(client, login, path, field):
    login("admin")
    page = client.get(path).get_data(as_text=True)
    tag = page[page.rindex("<input", 0, page.index(field)) : page.index(">", page.index(field))]
    assert 'maxlength="100"' in tag
    # Typed into the address instead: the search still answers, with the first 100 characters.
    name = field.split('"')[1]
    response = client.get(f"{path}?{name}=" + "长" * 500)
    assert response.status_code == 200
    assert 'value="' + "长" * 100 + '"' in response.get_data(as_text=True)


def test_an_address_beyond_the_limit_gets_the_chinese_error_page(client, login):
    login("lead.sh")
    response = client.get("/tasks?q=" + "x" * MAX_URL_BYTES)
    assert response.status_code == 414
    page = response.get_data(as_text=True)
    assert "网址过长" in page and 'lang="zh-CN"' in page
    assert "Request-URI Too Long" not in page


def test_an_oversized_header_gets_the_chinese_error_page(client, login):
    login("lead.sh")
    response = client.get("/tasks", headers={"X-Padding": "x" * 10_000})
    assert response.status_code == 431 and "请求过大" in response.get_data(as_text=True)


def test_a_wrong_method_gets_the_chinese_error_page(client, login):
    login("lead.sh")
    response = client.put("/tasks")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]
    page = response.get_data(as_text=True)
    assert "无法这样操作" in page and "Method Not Allowed" not in page


def test_a_text_beyond_werkzeugs_form_limit_is_refused_in_chinese_and_saves_nothing(client, login, app):
    from sqlalchemy import func, select

    from coordination.extensions import db
    from coordination.plans.models import AnnualPlan

    login("lead.sh")
    response = client.post(
        "/plans/new",
        data={"year": "2030", "title": "x" * (app.config["MAX_FORM_MEMORY_SIZE"] + 1)},
        content_type="multipart/form-data",
        headers={"Referer": "/plans/new"},
    )
    assert response.status_code == 413 and "Location" not in response.headers
    assert "每段文字不超过 500 KB" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(AnnualPlan)) == 0


def test_an_upload_over_the_limit_never_redirects_to_the_referer(client, login, app):
    """The 413 answer used to be a redirect to whatever Referer said: an open redirect to
    another site, for anyone who can make a browser send a large form."""
    from io import BytesIO

    login("lead.sh")
    app_limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post(
        "/plans/new",
        data={"year": "2030", "title": "x", "file": (BytesIO(b"0" * (app_limit + 1)), "big.xlsx")},
        content_type="multipart/form-data",
        headers={"Referer": "https://evil.example/phish"},
    )
    assert response.status_code == 413 and "Location" not in response.headers
    page = response.get_data(as_text=True)
    assert "提交的内容过大" in page and "evil.example" not in page


SERVERS = {
    # What scripts/start serves with (scripts/serve: waitress, nothing in front)…
    "serve": ["scripts/serve"],
    # … and gunicorn, for production behind a buffering proxy and the benchmarks.
    "gunicorn": [str(Path(sys.executable).parent / "gunicorn"), "--bind", "127.0.0.1:{port}", "wsgi:app"],
}


@pytest.mark.parametrize("server", SERVERS)
def test_the_servers_leave_long_addresses_and_headers_to_the_app(database_url, tmp_path, server):
    """Both servers' own limits lie above the app's, so the app's Chinese page answers: gunicorn
    run from the repository reads gunicorn.conf.py (its default request line limit, 4094
    bytes, answered a 5,000-byte address with its bare English 400); waitress allows 256 KB of
    headers."""
    import urllib.error
    import urllib.request

    from tests.conftest import served

    with served(SERVERS[server], database_url, tmp_path) as port:

        def get(path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
            request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
            try:
                with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
                    return response.status, response.read().decode()
            except urllib.error.HTTPError as error:
                return error.code, error.read().decode()

        status, page = get("/login?q=" + "x" * 5000)
        assert status == 414 and "网址过长" in page
        status, page = get("/login", {"X-Padding": "x" * 10_000})
        assert status == 431 and "请求过大" in page
