"""Real-browser journeys: a live server with CSRF enforced, one Chromium per session, a fresh
browser context per test, and a screenshot of the page when a test fails.

These tests run on SQLite only (even when TEST_DATABASE_URL is set for the rest of the suite).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect, sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.conftest import DEMO_PASSWORD, ROOT, SHARED_KEYS, free_port, make_app, reset_schema

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "test-screenshots"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Overrides the parametrised fixture of tests/conftest.py: SQLite only, built by the migrations."""
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'browser.db'}"
    reset_schema(make_app(url))
    return url


class QuietHandler(WSGIRequestHandler):
    """No access log: a failing test's output shows what went wrong, not every static file."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@pytest.fixture
def live_server(request: pytest.FixtureRequest, app: Flask) -> Iterator[str]:
    """The app served over HTTP in a thread, with CSRF protection on, as in production."""
    if "smtp" in request.fixturenames:
        request.getfixturevalue("smtp")  # so the live app is built with the test SMTP server
    live_app = make_app(
        app.config["SQLALCHEMY_DATABASE_URI"],
        WTF_CSRF_ENABLED=True,
        **{k: app.config[k] for k in SHARED_KEYS},
    )
    server = make_server("127.0.0.1", free_port(), live_app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Browser, live_server: str) -> Iterator[Callable[[], Page]]:
    """Opens a page in a new browser context (its own cookies): another person at another desk."""
    contexts = []

    def open_page() -> Page:
        context = browser.new_context(
            base_url=live_server,
            locale="zh-CN",
            viewport={"width": 1280, "height": 900},
            accept_downloads=True,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())  # the app asks before irreversible steps
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[[], Page]) -> Page:
    return new_page()


def sign_in(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Sign out whoever is signed in, then sign in through the login form."""
    sign_out = page.get_by_role("button", name="退出")
    if page.url.startswith("http") and sign_out.count():
        sign_out.click()
        expect(page.get_by_role("heading", name="登录")).to_be_visible()
    else:
        page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.locator("form").get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if not report.failed or report.when == "teardown":
        return
    page = getattr(item, "funcargs", {}).get("page")
    if page is None or page.is_closed():
        return
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', item.name)}.png"
    try:
        page.screenshot(path=str(path), full_page=True)
    except Exception as error:  # noqa: BLE001 - a failed screenshot must not hide the failure
        print(f"could not save a screenshot: {error}")
    else:
        report.sections.append(("screenshot", str(path.relative_to(ROOT))))
