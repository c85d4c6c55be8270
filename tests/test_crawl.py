"""What a newcomer meets by following the interface: the demo year, crawled as every demo role.

Each role signs in and follows every same-site link breadth-first from the home page (bounded
per URL pattern, so a list of a hundred tasks costs a sample, not a hundred pages). No link may
lead to a refusal (403) or an error, and every page, read in Chinese, must carry no internal code
and no English word but the proper nouns of the allow-list.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from flask import Flask
from sqlalchemy import select

from coordination.extensions import db
from tests.conftest import DEMO_PASSWORD, _per_test_config, make_app, reset_schema

# One account per role and party; the two liaisons lead some items and co-operate on others.
ROLES = ("admin", "leader.dl", "lead.sh", "secretary.dl", "liaison.sh.commerce", "liaison.dl.port")
MAX_PAGES_PER_ROLE = 600
OPENED_PER_PATTERN = 30  # requested (status checked) per URL pattern
READ_PER_PATTERN = 10  # of which read for further links and for the language check
# Not followed: signing out or switching the language would end the crawl as this role in Chinese.
SKIPPED = ("/logout", "/lang/", "/static/")


@dataclass
class Page:
    role: str
    url: str
    status: int
    referrer: str
    html: str | None  # read pages only


def _pattern(url: str) -> str:
    parts = urlsplit(url)
    keys = ",".join(sorted(k for k, _ in parse_qsl(parts.query, keep_blank_values=True)))
    return re.sub(r"\d+", "N", parts.path) + ("?" + keys if keys else "")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href and not href.startswith(("#", "mailto:", "javascript:")):
                self.hrefs.append(href)


def crawl(web_app: Flask, username: str) -> Iterator[Page]:
    client = web_app.test_client()
    response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, f"sign-in as {username} failed"
    queue: deque[tuple[str, str]] = deque([("/", "(start)")])
    seen = {"/"}
    opened: Counter[str] = Counter()
    read: Counter[str] = Counter()
    while queue and sum(opened.values()) < MAX_PAGES_PER_ROLE:
        url, referrer = queue.popleft()
        pattern = _pattern(url)
        if opened[pattern] >= OPENED_PER_PATTERN:
            continue
        opened[pattern] += 1
        response = client.get(url)
        db.session.rollback()
        html = None
        if (
            response.status_code == 200
            and response.mimetype == "text/html"
            and read[pattern] < READ_PER_PATTERN
        ):
            read[pattern] += 1
            html = response.get_data(as_text=True)
            parser = _Links()
            parser.feed(html)
            for href in parser.hrefs:
                target = urlsplit(urljoin("http://localhost" + url, unescape(href)))
                if target.netloc != "localhost":
                    continue
                path = target.path + ("?" + target.query if target.query else "")
                if path not in seen and not path.startswith(SKIPPED):
                    seen.add(path)
                    queue.append((path, url))
        yield Page(username, url, response.status_code, referrer, html)


@pytest.fixture(scope="module")
def demo_pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Page]]:
    """The demo year on its own SQLite database (the pages, not the backend, are under test)."""
    from coordination import seed

    tmp = tmp_path_factory.mktemp("crawl")
    url = f"sqlite:///{tmp / 'demo.db'}"
    config = _per_test_config(tmp)
    reset_schema(make_app(url))
    app = make_app(url, **config)
    with app.app_context():
        seed.load_mechanism()
        seed.load_demo_users()
        seed.load_demo_work()
        db.session.commit()
        web = make_app(url, **config)
        pages = {role: list(crawl(web, role)) for role in ROLES}
        from coordination.auth.models import User

        pages["(usernames)"] = [
            Page("", name, 0, "", None) for name in db.session.scalars(select(User.username))
        ]
        db.session.remove()
    return pages


def test_no_link_on_any_page_leads_to_a_refusal_or_an_error(demo_pages):
    broken = [
        f"{p.role}: {p.url} → {p.status} (linked from {p.referrer})"
        for role in ROLES
        for p in demo_pages[role]
        if p.status >= 400
    ]
    assert not broken, "\n".join(broken)
    # The crawl did reach the work: plans, tasks and meetings, as every role.
    for role in ROLES:
        patterns = {_pattern(p.url) for p in demo_pages[role]}
        assert {"/plans/N", "/tasks/N", "/meetings/N"} <= patterns, role


# --- the language of the Chinese interface ------------------------------------------------------

# Proper nouns and formats a Chinese user reads as they are.
ALLOWED = {
    "PDF", "Excel", "Word", "PowerPoint", "OFD", "ZIP", "zip", "xlsx", "MB", "KB", "ID", "URL",
    "SMTP", "iCalendar", "Outlook", "Apple", "Thunderbird", "Redis", "EN", "Ctrl", "RSVP", "HTML",
    "SVG", "CSV", "TLS", "JSON",
    "holiday-cn", "chinesecalendar",  # the holiday-calendar file format and package, by name
    "Webhook", "SEC",  # as WeCom's and DingTalk's robot settings name the address and the secret
}  # fmt: skip
TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[._-][A-Za-z0-9]+)*")
NOISE = re.compile(
    r"https?://\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\b[\w-]+\.(?:pdf|xlsx|docx?|pptx?|ofd|zip|ics|png|jpe?g)\b",
    re.I,
)
VISIBLE_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")


class _Text(HTMLParser):
    """The text a user reads: element text and visible attributes, without scripts, styles and
    what the page marks translate="no" (raw e-mail sources, user names)."""

    VOID = {"br", "img", "input", "meta", "link", "hr", "col", "wbr", "source"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.stack: list[tuple[str, bool]] = []

    def _hidden(self) -> bool:
        return any(hidden for _, hidden in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        hidden = tag in ("script", "style") or values.get("translate") == "no"
        if not self._hidden() and not hidden:
            self.parts.extend(v for k, v in attrs if k in VISIBLE_ATTRIBUTES and v)
        if tag not in self.VOID:
            self.stack.append((tag, hidden))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if not self._hidden():
            self.parts.append(data)


def foreign_words(html: str, data_words: set[str]) -> set[str]:
    parser = _Text()
    parser.feed(html)
    text = NOISE.sub(" ", " ".join(parser.parts))
    return {
        word
        for word in TOKEN.findall(text)
        if len(word) > 1 and word not in ALLOWED and word not in data_words
    }


def test_every_page_in_chinese_carries_no_english_word_or_internal_code(demo_pages):
    data_words = {p.url for p in demo_pages["(usernames)"]}
    found: dict[str, str] = {}
    for role in ROLES:
        for page in demo_pages[role]:
            if page.html:
                for word in foreign_words(page.html, data_words):
                    found.setdefault(word, f"{role} {page.url}")
    assert not found, "\n".join(f"{word!r} on {where}" for word, where in sorted(found.items()))


def test_the_language_check_catches_codes_and_english_but_not_proper_nouns():
    page = (
        '<p>user.login users #1 urge_20 sent <span title="Being sent">x</span> 30 workdays</p>'
        "<p>导出 Excel、PDF；<a href='https://x.example/a_b'>链接</a> admin@x.example 报告.xlsx</p>"
        '<script>var a_b = "English";</script><pre translate="no">BEGIN:VCALENDAR</pre><p>lead.sh</p>'
    )
    assert foreign_words(page, {"lead.sh"}) == {"user.login", "users", "urge_20", "sent", "Being", "workdays"}
