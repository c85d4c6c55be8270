"""The year's supervision workbook (督查通报): a summary sheet and one sheet per area, with the
same figures as the overview (they come from the same query)."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from coordination.supervision.queries import AreaRow, Figures, totals

HEADERS = [
    "重点任务",
    "事项数",
    "任务数",
    "已销号",
    "按期办结",
    "已逾期",
    "有风险",
    "销号率",
    "按期率",
    "状态",
]
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
        round(figures.closed_percent / 100, 4),
        round(figures.on_time_percent / 100, 4),
        LIGHTS[figures.light],
    ]


def _sheet(sheet, title: str, rows: list[tuple[str, Figures]]) -> None:  # noqa: ANN001
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(HEADERS)
    for cell in sheet[2]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E8C")
        cell.alignment = Alignment(horizontal="center")
    for label, figures in rows:
        sheet.append(_row(label, figures))
        sheet.cell(row=sheet.max_row, column=len(HEADERS)).fill = PatternFill(
            "solid", fgColor=FILLS[figures.light]
        )
    for row in sheet.iter_rows(min_row=3):
        row[7].number_format = row[8].number_format = "0%"
    sheet.column_dimensions["A"].width = 34
    for index in range(2, len(HEADERS) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 10
    sheet.freeze_panes = "B3"


def workbook(mechanism_name: str, year: int, rows: list[AreaRow]) -> BytesIO:
    book = Workbook()
    summary = book.active
    summary.title = "汇总"
    total = totals(rows)
    _sheet(
        summary,
        f"{mechanism_name} {year}年度督查通报（汇总）",
        [(f"（{r.area.numeral_zh}）{r.area.title_zh}", r.figures) for r in rows] + [("合计", total)],
    )
    for row in rows:
        _sheet(
            book.create_sheet(f"{row.area.numeral_zh}、{row.area.title_zh}"[:31]),
            f"（{row.area.numeral_zh}）{row.area.title_zh}",
            [(t.key_task.label, t.figures) for t in row.tasks] + [("小计", row.figures)],
        )
    buffer = BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer
