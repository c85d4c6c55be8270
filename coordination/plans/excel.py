"""Plan items to and from Excel, in the layout lead departments already keep their plans in.

Import is all-or-nothing: every row is checked first and the user gets one list of row-level
problems; only a clean sheet is added, in one transaction with one revision.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO
from typing import IO, TYPE_CHECKING, TypeVar
from zipfile import BadZipFile, ZipFile

import openpyxl.reader.excel
from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from sqlalchemy import select

from coordination import spreadsheets
from coordination.audit.operations import record
from coordination.auth.models import User
from coordination.extensions import db
from coordination.framework.models import KeyTask
from coordination.operations import OperationError
from coordination.organizations.models import Body, Mechanism, Tier
from coordination.plans import operations
from coordination.plans.forms import parse_item_deadline
from coordination.plans.models import AnnualPlan, ItemUnit, PlanItem
from workflows import plan as plan_flow

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

T = TypeVar("T")

# (header, width): the header text is the contract with users' spreadsheets.
COLUMNS = [
    ("序号", 6),
    ("重点任务编号", 12),
    ("事项名称", 30),
    ("工作内容", 50),
    ("预期成果", 40),
    ("上海方牵头单位", 24),
    ("大连方牵头单位", 24),
    ("配合单位", 36),
    ("完成时限", 14),
    ("优先级", 8),
    ("里程碑", 36),
]
HEADERS = [c[0] for c in COLUMNS]
PRIORITIES = {
    "高": "high",
    "一般": "normal",
    "中": "normal",
    "低": "low",
    "high": "high",
    "normal": "normal",
    "low": "low",
}
PRIORITY_NAMES = {"high": "高", "normal": "一般", "low": "低"}
SEPARATORS = re.compile(r"[、,，;；\n]+")
MAX_ROWS = 2000
# What an uploaded workbook may cost before a single cell is read. A plan sheet of 2,000 rows
# is well under a megabyte; the limits stop a 195 KB file that unpacks to 78 MB of shared
# strings, a 3-million-cell header row and a million-row sheet before openpyxl sees them.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_MEMBERS = 100
MAX_MEMBER_BYTES = 16 * 1024 * 1024  # one part (a sheet, the shared strings) unpacked
MAX_TOTAL_BYTES = 40 * 1024 * 1024
MAX_RATIO = 100  # unpacked / packed, for parts over RATIO_FROM bytes
RATIO_FROM = 1024 * 1024
MAX_COLUMNS = 40  # cells of a row read: the template has 11
MAX_READ_SECONDS = 60  # the job gives up on a sheet that takes longer


DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]{1,3}[0-9]{1,7}(?::[A-Z]{1,3}[0-9]{1,7})?)\"")


class _HeadSizedWorksheet(ReadOnlyWorksheet):
    """openpyxl's read-only sheet, except for one thing: opening a sheet without a <dimension>
    element made openpyxl parse the whole sheet just to learn its size (a million rows: 20 s
    before the first row was read). Here the size is looked for in the sheet's first 64 KB
    only, and is simply unknown otherwise; the rows are read, bounded, as before."""

    def _get_size(self) -> None:
        with self._get_source() as source:
            head = source.read(65536)
        if match := DIMENSION.search(head):
            bounds = range_boundaries(match.group(1).decode())
            if None not in bounds:
                self._min_column, self._min_row, self._max_column, self._max_row = bounds


# load_workbook(read_only=True) builds its sheets from this name.
openpyxl.reader.excel.ReadOnlyWorksheet = _HeadSizedWorksheet


@dataclass
class RowProblem:
    row: int
    column: str
    message: str


class ImportRejected(Exception):
    def __init__(self, problems: list[RowProblem]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


def _style_header(sheet: Worksheet) -> None:
    for index, (_header, width) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E8C")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"


def _workbook_bytes(workbook: Workbook) -> BytesIO:
    buffer = BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def _unit_names(units: list[ItemUnit]) -> str:
    return "、".join(u.body.name_zh for u in units)


def export_plan(plan: AnnualPlan) -> BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"{plan.year}年度计划"
    spreadsheets.append(sheet, HEADERS)
    _style_header(sheet)
    items = db.session.scalars(
        select(PlanItem).where(PlanItem.plan_id == plan.id).order_by(PlanItem.position)
    ).all()
    for number, item in enumerate(sorted(items, key=lambda i: (i.key_task.number, i.position)), start=1):
        leads = {u.body.party.code: u for u in item.lead_units}
        spreadsheets.append(
            sheet,
            [
                number,
                item.key_task.number,
                item.title,
                item.content,
                item.expected_results,
                leads["sh"].body.name_zh if "sh" in leads else "",
                leads["dl"].body.name_zh if "dl" in leads else "",
                _unit_names(item.cooperating_units),
                item.deadline if item.deadline else f"{item.deadline_workdays}个工作日",
                PRIORITY_NAMES.get(item.priority, "一般"),
                "\n".join(f"{m.due_on.isoformat()} {m.title}" for m in item.milestones),
            ],
        )
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(vertical="top", wrap_text=True)
        row[8].number_format = "yyyy-mm-dd"
    return _workbook_bytes(workbook)


def template(mechanism: Mechanism) -> BytesIO:
    """An empty sheet with the headers, plus reference sheets of key tasks and unit names."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "年度计划"
    spreadsheets.append(sheet, HEADERS)
    _style_header(sheet)
    spreadsheets.append(
        sheet,
        [
            1,
            7,
            "（示例）推进两地港航物流合作",
            "共建物流通道……",
            "开通航线1条",
            "上海市交通委员会",
            "大连港口与口岸局",
            "上海市商务委员会、大连市商务局",
            "2026-12-31",
            "高",
            "2026-06-30 完成方案",
        ],
    )
    guide = workbook.create_sheet("填写说明")
    for line in (
        ["每行一个事项；第一行表头请勿修改。示例行导入前请删除。"],
        ["重点任务编号：1—27，见“重点任务”表。"],
        [
            "牵头单位：每方至多一个，至少填写一方；配合单位用顿号（、）分隔。单位名称见“单位”表，可用全称或简称。"
        ],
        ["完成时限：日期（如 2026-12-31），或“N个工作日”（自计划印发之日起按法定工作日计算）。"],
        ["优先级：高 / 一般 / 低，空白为一般。里程碑：每行“日期 名称”，如“2026-06-30 完成中期评估”。"],
    ):
        spreadsheets.append(guide, line)
    guide.column_dimensions["A"].width = 110
    tasks = workbook.create_sheet("重点任务")
    spreadsheets.append(tasks, ["编号", "重点任务"])
    for task in db.session.scalars(
        select(KeyTask).where(KeyTask.mechanism_id == mechanism.id).order_by(KeyTask.number)
    ):
        spreadsheets.append(tasks, [task.number, task.title_zh])
    tasks.column_dimensions["B"].width = 40
    units = workbook.create_sheet("单位")
    spreadsheets.append(units, ["所属方", "全称", "简称"])
    for body in _execution_bodies(mechanism):
        spreadsheets.append(units, [body.party.name_zh, body.name_zh, body.short_name])
    units.column_dimensions["B"].width = 44
    return _workbook_bytes(workbook)


def _execution_bodies(mechanism: Mechanism) -> list[Body]:
    return list(
        db.session.scalars(
            select(Body)
            .where(Body.mechanism_id == mechanism.id, Body.tier == Tier.EXECUTION, Body.active.is_(True))
            .order_by(Body.party_id, Body.sort_order)
        )
    )


class _UnitIndex:
    def __init__(self, mechanism: Mechanism) -> None:
        self.by_name: dict[str, list[Body]] = {}
        for body in _execution_bodies(mechanism):
            for name in {body.name_zh, body.short_name} - {""}:
                self.by_name.setdefault(name, []).append(body)

    def find(self, name: str, party_code: str | None = None) -> Body:
        candidates = [b for b in self.by_name.get(name.strip(), []) if party_code in (None, b.party.code)]
        if not candidates:
            raise ValueError(_("Unknown unit “%(name)s”.", name=name))
        if len(candidates) > 1:
            raise ValueError(_("“%(name)s” is ambiguous: use the full name.", name=name))
        return candidates[0]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _deadline(value: object) -> tuple[date | None, int | None]:
    if isinstance(value, datetime):
        return value.date(), None
    if isinstance(value, date):
        return value, None
    return parse_item_deadline(_text(value))


def _milestones(value: object) -> list[tuple[str, date]]:
    result = []
    for line in re.split(r"[\n；;]+", _text(value)):
        if not line.strip():
            continue
        day, _sep, title = line.strip().partition(" ")
        try:
            result.append((title.strip(), date.fromisoformat(day)))
        except ValueError as error:
            raise ValueError(_("Start each milestone with a date such as 2026-06-30.")) from error
    return result


def _not_excel() -> ImportRejected:
    return ImportRejected([RowProblem(0, "", _("This is not an Excel (.xlsx) file."))])


def check_archive(data: bytes) -> None:
    """Refuse a workbook that would cost too much to open: too large, too many parts, a part
    that unpacks too far. Reads only the zip's directory (infolist), never a part."""
    too_large = ImportRejected(
        [
            RowProblem(
                0,
                "",
                _(
                    "The file is too large to be a plan sheet (at most %(mb)d MB, and at most %(rows)d "
                    "rows). Save only the sheet of items, without pictures, and try again.",
                    mb=MAX_UPLOAD_BYTES // (1024 * 1024),
                    rows=MAX_ROWS,
                ),
            )
        ]
    )
    if len(data) > MAX_UPLOAD_BYTES:
        raise too_large
    try:
        with ZipFile(BytesIO(data)) as archive:
            members = archive.infolist()
    except (BadZipFile, OSError, ValueError):
        raise _not_excel() from None
    if len(members) > MAX_MEMBERS or sum(m.file_size for m in members) > MAX_TOTAL_BYTES:
        raise too_large
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > MAX_MEMBER_BYTES or (member.file_size > RATIO_FROM and ratio > MAX_RATIO):
            raise too_large


def read_items(
    plan: AnnualPlan, stream: IO[bytes], progress: Callable[[int], None] | None = None
) -> list[operations.ItemData]:
    """The sheet's items, or ImportRejected with every problem by row. Reads at most MAX_ROWS
    rows of MAX_COLUMNS cells, for at most MAX_READ_SECONDS; progress(percent) as it goes."""
    if plan_flow.PlanState(plan.state) not in plan_flow.EDITABLE_STATES:
        raise ImportRejected(
            [RowProblem(0, "", _("Items can only be imported while the plan is a draft or in consultation."))]
        )
    data = stream.read()
    check_archive(data)
    started = time.monotonic()
    try:
        workbook = load_workbook(BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except (BadZipFile, OSError, KeyError, ValueError, IndexError):
        raise _not_excel() from None
    # One row past the limit, to say that there are more; never the rest of the sheet.
    rows = sheet.iter_rows(max_row=MAX_ROWS + 2, max_col=MAX_COLUMNS, values_only=True)
    # The sheet's own claim of its size, for the progress bar only (it may be missing or lie).
    expected = min(max(sheet.max_row or 0, 100), MAX_ROWS + 1) if isinstance(sheet.max_row, int) else MAX_ROWS
    header = [_text(v) for v in next(rows, ())]
    missing = [h for h in HEADERS if h not in header]
    if missing:
        raise ImportRejected(
            [
                RowProblem(
                    1,
                    "",
                    _(
                        "Missing columns: %(cols)s. Download the template for the expected layout.",
                        cols="、".join(missing),
                    ),
                )
            ]
        )
    index = {h: header.index(h) for h in HEADERS}
    tasks = {
        t.number: t.id
        for t in db.session.scalars(select(KeyTask).where(KeyTask.mechanism_id == plan.mechanism_id))
    }
    units = _UnitIndex(plan.mechanism)
    problems: list[RowProblem] = []
    items: list[operations.ItemData] = []
    for row_number, row in enumerate(rows, start=2):
        if row_number > MAX_ROWS + 1:
            problems.append(RowProblem(row_number, "", _("At most %(n)d rows per import.", n=MAX_ROWS)))
            break
        if time.monotonic() - started > MAX_READ_SECONDS:
            raise ImportRejected([RowProblem(row_number, "", _("Reading the file took too long."))])
        if progress is not None and row_number % 100 == 0:
            progress(min(95, row_number * 100 // expected))
        cells = {h: (row[i] if i < len(row) else None) for h, i in index.items()}
        if not any(_text(v) for v in cells.values()):
            continue
        item, row_problems = _row_to_item(cells, tasks, units)
        for column, message in row_problems:
            problems.append(RowProblem(row_number, column, message))
        if item is not None and not row_problems:
            try:
                operations.validate_item(plan, item)
            except OperationError as error:
                problems.append(RowProblem(row_number, _field_column(error.field), str(error)))
            else:
                items.append(item)
    if problems:
        raise ImportRejected(problems)
    if not items:
        raise ImportRejected([RowProblem(0, "", _("The sheet has no items."))])
    return items


def _field_column(field: str | None) -> str:
    return {
        "key_task_id": "重点任务编号",
        "title": "事项名称",
        "deadline": "完成时限",
        "lead_body_ids": "牵头单位",
        "cooperating_body_ids": "配合单位",
        "milestones": "里程碑",
    }.get(field or "", "")


def _row_to_item(
    cells: dict[str, object], tasks: dict[int, int], units: _UnitIndex
) -> tuple[operations.ItemData | None, list[tuple[str, str]]]:
    problems: list[tuple[str, str]] = []

    def take(column: str, parse: Callable[[object], T], refused: T) -> T:
        """The parsed cell; `refused` stands in for a cell with a problem (the row is refused)."""
        try:
            return parse(cells[column])
        except ValueError as error:
            problems.append((column, str(error)))
            return refused

    def key_task(value: object) -> int:
        text = _text(value)
        if not text.isdigit() or int(text) not in tasks:
            raise ValueError(_("Give a key-task number from 1 to 27."))
        return tasks[int(text)]

    def title(value: object) -> str:
        text = _text(value)
        if not text:
            raise ValueError(_("This field is required."))
        if len(text) > 200:
            raise ValueError(_("At most %(max)d characters.", max=200))
        return text

    def long_text(value: object) -> str:
        text = _text(value)
        if len(text) > 5000:
            raise ValueError(_("At most %(max)d characters.", max=5000))
        return text

    def lead(party: str) -> Callable[[object], list[int]]:
        return lambda value: [units.find(_text(value), party).id] if _text(value) else []

    def cooperating(value: object) -> list[int]:
        return [units.find(name).id for name in SEPARATORS.split(_text(value)) if name.strip()]

    def priority(value: object) -> str:
        text = _text(value) or "一般"
        if text.lower() not in PRIORITIES:
            raise ValueError(_("Use 高, 一般 or 低."))
        return PRIORITIES[text.lower()]

    task_id = take("重点任务编号", key_task, 0)
    item_title = take("事项名称", title, "")
    content = take("工作内容", long_text, "")
    expected = take("预期成果", long_text, "")
    lead_sh: list[int] = take("上海方牵头单位", lead("sh"), [])
    lead_dl: list[int] = take("大连方牵头单位", lead("dl"), [])
    coop: list[int] = take("配合单位", cooperating, [])
    no_deadline: tuple[date | None, int | None] = (None, None)
    deadline = take("完成时限", _deadline, no_deadline)
    prio = take("优先级", priority, "normal")
    milestones: list[tuple[str, date]] = take("里程碑", _milestones, [])
    if problems:
        return None, problems
    return (
        operations.ItemData(
            key_task_id=task_id,
            title=item_title,
            content=content,
            expected_results=expected,
            deadline=deadline[0],
            deadline_workdays=deadline[1],
            priority=prio,
            lead_body_ids=lead_sh + lead_dl,
            cooperating_body_ids=coop,
            milestones=milestones,
        ),
        [],
    )


def add_rows(plan: AnnualPlan, items: list[operations.ItemData], actor: User) -> list[PlanItem]:
    created = [operations.add_item(plan, data, actor, revision=False) for data in items]
    operations.save_revision(plan, actor, _("Excel import: %(n)d items", n=len(created)))
    record(
        "plan.import",
        plan,
        summary=_("Excel import: %(n)d items", n=len(created)),
        after={"items": len(created)},
    )
    return created
