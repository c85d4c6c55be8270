"""The supervision workbook (督查通报 and the summary for the higher level): a summary sheet, one
sheet per area, the units, the evaluation and, for a period, the years, with the same figures
as the dashboards (they come from the same queries)."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from coordination import spreadsheets
from coordination.evaluation.queries import Result
from coordination.supervision.queries import AreaRow, Figures, PeriodFigures, UnitRow, totals
from workflows.evaluation import COMPONENTS

HEADERS = [
    "重点任务",
    "事项数",
    "任务数",
    "已销号",
    "按期办结",
    "已逾期",
    "有风险",
    "销号率（占任务数）",
    "按期率（占已销号）",
    "状态",
]
NOTHING = "—"  # a rate with nothing to count: not 0 %


def _rate(percent: float | None) -> float | str:
    return NOTHING if percent is None else round(percent / 100, 4)


LIGHTS = {"green": "正常", "yellow": "有风险", "red": "有逾期", "none": "未安排"}
FILLS = {"green": "E6F4EA", "yellow": "FFF4D6", "red": "FDE8E7", "none": "F1F3F5"}


def _row(label: str, figures: Figures) -> list:
    return [
        label,
        figures.items,
        figures.assignments,
        figures.closed,
        figures.closed_on_time,
        figures.overdue,
        figures.at_risk,
        _rate(figures.closed_percent),
        _rate(figures.on_time_percent),
        LIGHTS[figures.light],
    ]


def _sheet(sheet, title: str, rows: list[tuple[str, Figures]]) -> None:  # noqa: ANN001
    _table(sheet, title, HEADERS, [_row(label, figures) for label, figures in rows])
    for index, (_, figures) in enumerate(rows, start=3):
        sheet.cell(row=index, column=len(HEADERS)).fill = PatternFill("solid", fgColor=FILLS[figures.light])
    _percent(sheet, [7, 8])
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 10
    sheet.freeze_panes = "B3"


UNIT_HEADERS = [
    "单位",
    "所属方",
    "任务数",
    "已销号",
    "按期办结",
    "按期率（占已销号）",
    "平均逾期天数（占逾期办结）",
    "已逾期",
    "申请延期",
    "批准延期",
]
EVALUATION_HEADERS = [
    "排名",
    "单位",
    "所属方",
    "任务数",
    "完成率（占任务数）",
    "按期率（占已到期）",
    "未延期",
    "质量",
    "报送",
    "计算得分",
    "调整",
    "调整理由",
    "最终得分",
    "建议通报表扬",
    "记功人员",
]
YEAR_HEADERS = ["年度", "事项数", "有工作的重点任务", "任务数", "已销号", "按期办结", "已逾期"]


@dataclass
class ReportContent:
    """Everything one report shows, gathered once: the Excel file and the print view agree."""

    mechanism_name: str
    title: str
    areas: list[AreaRow]
    units: list[UnitRow]
    evaluation: list[Result]
    period: PeriodFigures | None = None


def _table(sheet, title: str, headers: list[str], rows: list[list]) -> None:  # noqa: ANN001
    spreadsheets.append(sheet, [title])
    sheet["A1"].font = Font(bold=True, size=13)
    spreadsheets.append(sheet, headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E8C")
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
    for row in rows:
        spreadsheets.append(sheet, row)
    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["B"].width = 30
    for index in range(3, len(headers) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 11
    sheet.freeze_panes = "A3"


def _percent(sheet, columns: list[int]) -> None:  # noqa: ANN001
    for row in sheet.iter_rows(min_row=3):
        for index in columns:
            row[index].number_format = "0%"


def workbook(content: ReportContent) -> BytesIO:
    book = Workbook()
    summary = book.active
    summary.title = "汇总"
    total = totals(content.areas)
    _sheet(
        summary,
        f"{content.mechanism_name} {content.title}（汇总）",
        [(r.label, r.figures) for r in content.areas] + [("合计", total)],
    )
    for row in content.areas:
        if row.area is None:
            continue  # no key tasks to list: its line on the summary sheet says it all
        _sheet(
            book.create_sheet(spreadsheets.sheet_title(f"{row.area.numeral_zh}、{row.area.title_zh}")),
            f"（{row.area.numeral_zh}）{row.area.title_zh}",
            [(t.key_task.label, t.figures) for t in row.tasks] + [("小计", row.figures)],
        )
    if content.period is not None:
        period = content.period
        _table(
            book.create_sheet("逐年情况"),
            f"{content.title}（逐年情况）",
            YEAR_HEADERS,
            [
                [year, f.items, period.covered(year), f.assignments, f.closed, f.closed_on_time, f.overdue]
                for year, f in period.years
            ],
        )
    unit_sheet = book.create_sheet("单位情况")
    _table(
        unit_sheet,
        f"{content.title}（成员单位）",
        UNIT_HEADERS,
        [
            [
                u.body.name_zh,
                u.body.party.name_zh,
                u.assignments,
                u.closed,
                u.closed_on_time,
                _rate(u.on_time_percent),
                NOTHING if u.average_late_days is None else round(u.average_late_days, 1),
                u.overdue,
                u.extensions_asked,
                u.extensions_granted,
            ]
            for u in content.units
        ],
    )
    _percent(unit_sheet, [5])
    sheet = book.create_sheet("考核评估")
    _table(
        sheet,
        f"{content.title}（考核评估）",
        EVALUATION_HEADERS,
        [
            [
                r.rank,
                r.body.name_zh,
                r.body.party.name_zh,
                r.record.tasks,
                *(_rate(r.rates[c]) for c in COMPONENTS),
                r.computed,
                r.adjustment.points if r.adjustment else 0,
                r.adjustment.reason if r.adjustment else "",
                r.final,
                "是" if r.commended else "",
                "、".join(f"{user.name}（{n}）" for user, n in r.credited),
            ]
            for r in content.evaluation
        ],
    )
    _percent(sheet, [4, 5, 6, 7, 8])
    buffer = BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer
