"""Property-based fuzzing of the forms and uploads (hypothesis): whatever a user types or sends,
the answer is never a 500, a refused form leaves no record behind, and what it says is Chinese.

The fields are read from the form as the page renders it, so a field added later is fuzzed too.
"""

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
    messages = [m for pair in messages_in(shown) for m in pair if m.strip()]
    assert messages, "a refused form must say why"
    assert all(CJK.search(m) for m in messages), messages
