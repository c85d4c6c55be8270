"""Control characters in text: what the forms refuse and how builders fold what is already stored.

Single-line values (names, titles, places) end up in mail headers, calendar properties and
parameters, where a line break is either refused (Python's email package raises on any line
boundary str.splitlines knows) or starts a new header. Forms refuse control characters in them;
builders fold whatever the database holds anyway (imports, older rows, scripts) instead of failing.
"""

from __future__ import annotations

import re

# Every C0 and C1 control character and the Unicode line and paragraph separators: together they
# cover every boundary str.splitlines() splits on (\x1c-\x1e and \x85 included).
_SINGLE_LINE_BREAKERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
# In a text area tab and line breaks are what the user typed; the other controls are not.
_MULTI_LINE_BREAKERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def has_controls(value: str, *, multiline: bool = False) -> bool:
    pattern = _MULTI_LINE_BREAKERS if multiline else _SINGLE_LINE_BREAKERS
    return pattern.search(value) is not None


def single_line(value: str | None) -> str:
    """Any stored text as one line: each run of line breaks and control characters becomes a space."""
    return _SINGLE_LINE_BREAKERS.sub(" ", value or "").strip()


def multi_line(value: str | None) -> str:
    """Any stored text with \\n line ends and no other control character but tab."""
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    return _MULTI_LINE_BREAKERS.sub("", text)
