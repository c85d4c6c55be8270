"""Property-based fuzzing of the forms and uploads (hypothesis): whatever a user types or sends,
control characters, NUL and dates at the ends of the calendar included, the answer is never a
500, a refused form leaves no record behind, and what it says is Chinese.

The fields are read from the form as the page renders it, so a field added later is fuzzed too.
"""

import html
import re
from io import BytesIO

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from coordination.assignments import operations as tasks
from coordination.assignments.models import Assignment
from coordination.extensions import db
from tests import factories as f
from tests.conftest import messages_in

CJK = re.compile(r"[\u4e00-\u9fff]")
FIELD = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"[^>]*>', re.S)
FILE_FIELD = re.compile(
    r'<input[^>]*type="file"[^>]*name="([^"]+)"|<input[^>]*name="([^"]+)"[^>]*type="file"'
)
NOT_FUZZED = {"csrf_token", "version", "next"}
SEEN_FIELDS: dict[tuple, tuple[list[str], list[str]]] = {}

# Control characters pasted from other programs: NUL (which PostgreSQL cannot store), line
# breaks of every kind, tab, the C1 controls and the Unicode line separators.
CONTROLS = ["\x00", "\r\n", "\r", "\n", "\t", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85", "\u2028"]
CONTROL_TEXT = st.lists(
    st.sampled_from([*CONTROLS, "计划", "Bcc: x@evil.example", " ", "a"]), max_size=8
).map("".join)
# Dates at the ends of what the browser's date and datetime pickers let through.
EXTREME_DATES = st.sampled_from(
    ["0001-01-01", "1899-12-31", "2299-12-31", "9999-12-31", "0001-01-01T00:00", "9999-12-31T23:59"]
)
# What people type: nothing, blanks, numbers, dates right and wrong, long and odd text.
VALUE = st.one_of(
    st.just(""),
    st.just("   "),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.dates().map(str),
    st.sampled_from(
        ["2026-02-30", "31/12/2026", "N/A", "１２", "0", "-1", "1e9", "NaN", "<script>x</script>"]
    ),
    # Dates a far-future or year-one attack types (date and date-time fields alike).
    st.sampled_from(["9999-12-31", "2299-12-31", "0001-01-01", "9999-12-31T23:59", "0001-01-01T00:00"]),
    st.text(max_size=40),
    st.text(alphabet="计划任务单位延期大连上海\n\t ,，、0123456789", max_size=3000),
    CONTROL_TEXT,
    EXTREME_DATES,
)
UPLOAD = st.one_of(
    st.binary(max_size=2048),
    st.just(b"%PDF-1.4\n%%EOF\n"),
    st.binary(max_size=64).map(lambda b: b"PK\x03\x04" + b),  # looks like a zip/xlsx, is not
)
FILENAME = st.sampled_from(["a.pdf", "b.xlsx", "c.exe", "../../etc/passwd", "无标题.docx", "", "x" * 300])


def _tables() -> dict[str, int]:
    return {
        t.name: db.session.scalar(select(func.count()).select_from(t))
        for t in db.metadata.sorted_tables
        if t.name not in ("audit_events", "outgoing_mail", "reminders")
    }


def _fields(page: str) -> tuple[list[str], list[str]]:
    files = {a or b for a, b in FILE_FIELD.findall(page)}
    names = [n for n in dict.fromkeys(FIELD.findall(page)) if n not in NOT_FUZZED and n not in files]
    return names, sorted(files)


@pytest.fixture
def world(app):
    issued = f.issued_plan(items=2)
    draft = f.draft_plan(year=issued.year + 1)
    f.meeting()  # an open meeting for the draft's submit form (the issued plan's one was held)
    port = db.session.scalar(select(Assignment).filter_by(body_id=f.body("大连港口与口岸局").id))
    tasks.acknowledge(port, f.user("liaison.dl.port"))
    db.session.commit()
    return {
        "draft": draft.id,
        "port_task": port.id,
        "port": port.body_id,
        "year": port.original_deadline.year,
    }


# (who, the page that shows the form, where it posts: None = the same page)
FORMS = [
    ("lead.sh", "/plans/new", None),
    ("lead.sh", "/plans/{draft}/items/new", None),
    ("lead.sh", "/plans/{draft}/import", None),
    ("lead.sh", "/plans/{draft}/submit", None),
    ("secretary.sh", "/meetings/new", None),
    ("secretary.sh", "/visits/new", None),
    ("liaison.dl.port", "/tasks/{port_task}", "/tasks/{port_task}/report"),
    ("liaison.dl.port", "/tasks/{port_task}", "/tasks/{port_task}/extension"),
    ("lead.dl", "/evaluation/rubric", None),
    ("lead.dl", "/evaluation/{year}/units/{port}", None),
    ("admin", "/admin/users/new", None),
    ("admin", "/admin/bodies/new", None),
    ("admin", "/admin/reminder-policy", None),
    ("liaison.sh.sci", "/account/password", None),
]


@pytest.mark.parametrize(("who", "form_page", "target"), FORMS)
# No shrinking: a failure prints the drawn values as they came, and CI time stays bounded.
@settings(
    max_examples=20,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_no_form_input_breaks_anything(client, login, world, who, form_page, target, data):
    login(who)
    page = client.get(form_page.format(**world)).get_data(as_text=True)
    if target:  # the page holds several forms: fuzz the one that posts there
        form_html = re.search(
            rf'<form[^>]*action="{re.escape(target.format(**world))}".*?</form>', page, re.S
        )
        page = form_html[0] if form_html else ""
    # An earlier example may have been accepted and moved the task on (an extension asked for
    # hides that form): the same fields are still posted, and must still be answered sanely.
    names, files = _fields(page) if page else SEEN_FIELDS[(who, form_page, target)]
    SEEN_FIELDS[(who, form_page, target)] = (names, files)
    assert names or files, f"no form fields found on {form_page}"
    form = {name: data.draw(VALUE, label=name) for name in names}
    for name in files:
        form[name] = (BytesIO(data.draw(UPLOAD, label=name)), data.draw(FILENAME))
    before = _tables()
    response = client.post(
        (target or form_page).format(**world), data=form, content_type="multipart/form-data"
    )
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    shown = response.get_data(as_text=True)
    if response.status_code == 302:
        shown = client.get(response.headers["Location"]).get_data(as_text=True)
    if "flash-success" in shown:
        return  # accepted: the record is the point
    assert _tables() == before, "a refused form left a record behind"
    if response.status_code == 400:  # a NUL byte: refused before the view, on the error page
        assert "空字符" in shown
        return
    messages = [m for pair in messages_in(shown) for m in pair if m.strip()]
    assert messages, "a refused form must say why"
    assert all(CJK.search(m) for m in messages), messages


INPUT = re.compile(r"<input\b[^>]*>", re.S)
TEXTAREA = re.compile(r'<textarea[^>]*\bname="([^"]+)"[^>]*>(.*?)</textarea>', re.S)
SELECT = re.compile(r'<select[^>]*\bname="([^"]+)"[^>]*>(.*?)</select>', re.S)
OPTION = re.compile(r'<option[^>]*\bvalue="([^"]*)"([^>]*)>', re.S)


def _attribute(tag: str, name: str) -> str | None:
    found = re.search(rf'\b{name}="([^"]*)"', tag)
    return html.unescape(found[1]) if found else None


def _filled(page: str) -> dict[str, str]:
    """The form as the page fills it in: values, checked boxes, selected (or first) options."""
    form: dict[str, str] = {}
    for tag in INPUT.findall(page):
        name, kind = _attribute(tag, "name"), _attribute(tag, "type") or "text"
        if not name or kind in ("file", "submit") or (kind in ("checkbox", "radio") and "checked" not in tag):
            continue
        form.setdefault(name, _attribute(tag, "value") or "")
    for name, text in TEXTAREA.findall(page):
        form[name] = html.unescape(text)
    for name, options in SELECT.findall(page):
        values = OPTION.findall(options)
        chosen = [v for v, rest in values if "selected" in rest] or [v for v, _ in values if v][:1]
        if chosen:
            form[name] = html.unescape(chosen[0])
    return form


@pytest.mark.parametrize(("who", "form_page", "target"), FORMS)
def test_a_nul_byte_in_any_field_of_any_form_is_refused(client, login, world, who, form_page, target):
    """Each field in turn, the others as the page filled them in: on PostgreSQL a NUL that reached
    the database was a 500; it is refused with the Chinese error page, and nothing is written."""
    login(who)
    page = client.get(form_page.format(**world)).get_data(as_text=True)
    if target:
        page = re.search(rf'<form[^>]*action="{re.escape(target.format(**world))}".*?</form>', page, re.S)[0]
    names, files = _fields(page)
    assert names or files, f"no form fields found on {form_page}"
    filled = _filled(page)
    before = _tables()
    for name in names + files:
        nul = (BytesIO(b"%PDF-1.4"), "说明\x00.pdf") if name in files else "计划\x00任务"
        form = {**filled, name: nul}
        response = client.post(
            (target or form_page).format(**world), data=form, content_type="multipart/form-data"
        )
        assert response.status_code == 400, (name, response.status_code)
        assert "空字符" in response.get_data(as_text=True)
    assert _tables() == before
