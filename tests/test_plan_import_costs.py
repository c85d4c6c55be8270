"""Spreadsheets that cost too much to read: each crafted .xlsx is built here, cheaply, by
writing its XML straight into a zip. The upload is refused from the zip's directory alone, in
the web request and in moments; a sheet that passes is read by a job, bounded in rows and
columns, with its progress and result on a page of its own."""

import time
from collections.abc import Iterable
from io import BytesIO
from zipfile import ZIP_DEFLATED, ZipFile

import pytest
from sqlalchemy import func, select

from coordination.extensions import db
from coordination.plans import excel
from coordination.plans.models import PlanImport, PlanItem
from tests import factories as f

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
    "</Relationships>"
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="年度计划" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
    '<Relationship Id="rId2" Target="sharedStrings.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
    "</Relationships>"
)
SHEET_HEAD = '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
SHEET_TAIL = "</sheetData></worksheet>"


def _cell(text: str) -> str:
    return f'<c t="inlineStr"><is><t>{text}</t></is></c>'


HEADER_ROW = "<row>" + "".join(_cell(h) for h in excel.HEADERS) + "</row>"


def _xlsx(sheet: Iterable[str], shared: Iterable[str] = ("<sst/>",)) -> bytes:
    """A workbook whose sheet and shared strings are streamed into the zip piece by piece."""
    buffer = BytesIO()
    with ZipFile(buffer, "w", ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        for name, pieces in (("xl/worksheets/sheet1.xml", sheet), ("xl/sharedStrings.xml", shared)):
            with archive.open(name, "w") as part:
                for piece in pieces:
                    part.write(piece.encode())
    return buffer.getvalue()


def _shared_strings_bomb() -> bytes:
    # 78 MB of shared strings in a file of a few hundred KB.
    chunk = "<si><t>" + "A" * 1000 + "</t></si>"
    strings = ['<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">']
    strings += [chunk * 1000] * 78 + ["</sst>"]
    return _xlsx([SHEET_HEAD, HEADER_ROW, SHEET_TAIL], strings)


def _huge_header() -> bytes:
    # Three million cells in the first row.
    return _xlsx([SHEET_HEAD, HEADER_ROW[:-6], "<c><v>1</v></c>" * 1_000_000 * 3, "</row>", SHEET_TAIL])


def _million_rows() -> bytes:
    rows = ("<row>" + _cell("x") + "</row>" for _ in range(1_000_000))
    return _xlsx([SHEET_HEAD, HEADER_ROW, *rows, SHEET_TAIL])


@pytest.fixture
def draft(app):
    return f.draft_plan(items=0)


def _upload(client, plan_id: int, data: bytes, **kwargs):
    return client.post(
        f"/plans/{plan_id}/import",
        data={"file": (BytesIO(data), "计划.xlsx")},
        content_type="multipart/form-data",
        **kwargs,
    )


@pytest.mark.parametrize("crafted", [_shared_strings_bomb, _huge_header, _million_rows])
def test_a_crafted_workbook_is_refused_from_its_directory_in_moments(client, login, draft, crafted):
    data = crafted()
    assert len(data) < excel.MAX_UPLOAD_BYTES  # small on the wire: the cost is in unpacking
    login("lead.sh")
    started = time.monotonic()
    response = _upload(client, draft.id, data)
    elapsed = time.monotonic() - started
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "文件过大" in page and "未导入任何内容" in page
    assert elapsed < 2, elapsed
    assert db.session.scalar(select(func.count()).select_from(PlanImport)) == 0


def test_a_long_sheet_within_the_limits_is_read_only_to_its_row_limit(client, login, draft, run_jobs):
    # 100,000 rows that pass the archive check: the job stops one row past the 2,000-row limit.
    rows = (f"<row>{_cell(str(n))}{_cell('x')}</row>" for n in range(100_000))
    data = _xlsx([SHEET_HEAD, HEADER_ROW, *rows, SHEET_TAIL])
    excel.check_archive(data)
    login("lead.sh")
    response = _upload(client, draft.id, data)
    assert response.status_code == 302
    started = time.monotonic()
    run_jobs()
    assert time.monotonic() - started < 10
    job = db.session.scalar(select(PlanImport))
    assert job.state == "rejected" and job.content is None
    assert [2002, "", "每次导入最多 2000 行。"] in job.problems
    assert db.session.scalar(select(func.count()).select_from(PlanItem)) == 0


def _good_sheet(title: str = "推进两地港航物流合作", deadline: str | None = None) -> bytes:
    row = [
        "1", "7", title, "共建物流通道", "开通航线1条", "上海市交通委员会", "大连港口与口岸局", "",
        deadline or f.later().isoformat(), "高", "",
    ]  # fmt: skip
    return _xlsx([SHEET_HEAD, HEADER_ROW, "<row>" + "".join(_cell(v) for v in row) + "</row>", SHEET_TAIL])


def test_an_upload_is_read_by_a_job_with_its_progress_then_its_result(client, login, draft, run_jobs):
    login("lead.sh")
    response = _upload(client, draft.id, _good_sheet())
    job = db.session.scalar(select(PlanImport))
    assert response.headers["Location"].endswith(f"/plans/{draft.id}/imports/{job.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "排队" in page and f"/plans/{draft.id}/imports/{job.id}/status" in page
    assert client.get(f"/plans/{draft.id}/imports/{job.id}/status").get_json()["state"] == "queued"
    # A second upload while the first waits shows the first one.
    again = _upload(client, draft.id, _good_sheet("另一个"), follow_redirects=True)
    assert "已有一项导入正在进行" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(PlanImport)) == 1
    run_jobs()
    db.session.expire_all()
    job = db.session.get(PlanImport, job.id)
    assert (job.state, job.items, job.progress, job.content) == ("done", 1, 100, None)
    assert "已导入 1 项" in client.get(f"/plans/{draft.id}/imports/{job.id}").get_data(as_text=True)
    assert [i.title for i in db.session.scalars(select(PlanItem))] == ["推进两地港航物流合作"]


def test_an_imported_deadline_beyond_the_period_is_a_row_problem(client, login, draft, run_jobs):
    login("lead.sh")
    response = _upload(client, draft.id, _good_sheet(deadline="2299-12-31"))
    run_jobs()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "未导入任何内容" in page and "请填写 2016-01-01 至 2031-12-31 之间的日期" in page
    assert db.session.scalar(select(func.count()).select_from(PlanItem)) == 0
