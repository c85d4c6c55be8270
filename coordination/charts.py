"""Server-side SVG charts: no script, so they print as drawn and pass the CSP; colours come from
classes in app.css. Every chart is shown beside a table with the same numbers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from markupsafe import Markup, escape

WIDTH = 640
LABEL_WIDTH = 190
BAR_HEIGHT = 12
ROW_GAP = 10


def bars(
    rows: Sequence[tuple[str, Sequence[float]]],
    series: Sequence[tuple[str, str]],
    title: str,
    maximum: float = 100.0,
    suffix: str = "%",
) -> Markup:
    """Horizontal grouped bars: one group per row, one bar per series (name, css class)."""
    group = len(series) * BAR_HEIGHT + ROW_GAP
    top = 28
    height = top + group * len(rows) + 4
    plot = WIDTH - LABEL_WIDTH - 60
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for index, (name, css) in enumerate(series):
        x = LABEL_WIDTH + index * 150
        parts.append(
            f'<rect class="{css}" x="{x}" y="4" width="12" height="12"/>'
            f'<text class="chart-text" x="{x + 16}" y="14">{escape(name)}</text>'
        )
    for row_index, (label, values) in enumerate(rows):
        y = top + row_index * group
        parts.append(
            f'<text class="chart-text" x="{LABEL_WIDTH - 6}" y="{y + group / 2}" text-anchor="end">'
            f"{escape(_shorten(label))}</text>"
        )
        for index, ((_, css), value) in enumerate(zip(series, values, strict=True)):
            width = plot * min(max(value, 0), maximum) / maximum if maximum else 0
            bar_y = y + index * BAR_HEIGHT
            parts.append(
                f'<rect class="{css}" x="{LABEL_WIDTH}" y="{bar_y}" width="{width:.1f}" '
                f'height="{BAR_HEIGHT - 2}"/><text class="chart-value" x="{LABEL_WIDTH + width + 4:.1f}" '
                f'y="{bar_y + BAR_HEIGHT - 3}">{value:.0f}{suffix}</text>'
            )
    parts.append(
        f'<line class="chart-axis" x1="{LABEL_WIDTH}" y1="{top - 4}" x2="{LABEL_WIDTH}" y2="{height - 4}"/>'
    )
    parts.append("</svg>")
    return _svg(parts)


def lines(
    series: Sequence[tuple[str, str, Sequence[tuple[date, float]]]],
    title: str,
    start: date,
    end: date,
    markers: Sequence[tuple[date, str]] = (),
) -> Markup:
    """Lines over dates (name, css class, points); markers are labelled vertical rules (events)."""
    height, left, right, top, bottom = 260, 44, 16, 30, 30
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    span = max((end - start).days, 1)
    highest = max([value for _, _, points in series for _, value in points] + [1])

    def x(day: date) -> float:
        return left + plot_w * min(max((day - start).days, 0), span) / span

    def y(value: float) -> float:
        return top + plot_h * (1 - value / highest)

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>',
        f'<line class="chart-axis" x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}"/>',
    ]
    bottom_y = top + plot_h
    right_x = left + plot_w
    parts.append(f'<line class="chart-axis" x1="{left}" y1="{bottom_y}" x2="{right_x}" y2="{bottom_y}"/>')
    for value in (0, highest / 2, highest):
        parts.append(
            f'<text class="chart-value" x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end">'
            f"{value:.0f}</text>"
        )
    for month in range(1, 13, 3):
        day = date(start.year, month, 1)
        if start <= day <= end:
            parts.append(
                f'<text class="chart-value" x="{x(day):.1f}" y="{height - 10}" text-anchor="middle">'
                f"{day:%Y-%m}</text>"
            )
    for day, label in markers:
        if start <= day <= end:
            parts.append(
                f'<line class="chart-marker" x1="{x(day):.1f}" y1="{top}" x2="{x(day):.1f}" y2="{bottom_y}">'
                f"<title>{escape(label)}</title></line>"
            )
    for index, (name, css, points) in enumerate(series):
        if points:
            path = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in points)
            parts.append(f'<polyline class="{css}" fill="none" points="{path}"/>')
        lx = left + index * 160
        parts.append(
            f'<rect class="{css}-key" x="{lx}" y="6" width="12" height="12"/>'
            f'<text class="chart-text" x="{lx + 16}" y="16">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return _svg(parts)


def _svg(parts: list[str]) -> Markup:
    # Every piece of text that came from data went through escape() above.
    return Markup("".join(parts))  # noqa: S704 - data went through escape()  # nosec B704


def _shorten(label: str, length: int = 14) -> str:
    return label if len(label) <= length else label[: length - 1] + "…"
