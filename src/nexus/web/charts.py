"""Charts drawn on the server as SVG: no script, nothing fetched, readable without colour (titles on every mark)."""

from datetime import date, timedelta
from html import escape

PALETTE = {"screening": "#2f6db5", "typology": "#b5532f", "rule": "#c99a2e", "travel": "#3a9a5b", "nexus": "#8e3ab5"}
OTHER = "#6b7280"


def alerts_over_time(by_day: list[dict], width: int = 720, height: int = 200) -> str:
    """Stacked bars: alerts first raised per day, by kind, with a legend."""
    if not by_day:
        return ""
    days: dict[str, dict[str, int]] = {}
    for row in by_day:
        days.setdefault(row["day"], {})[row["kind"]] = row["count"]
    first, last = date.fromisoformat(min(days)), date.fromisoformat(max(days))
    span = [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]
    kinds = sorted({row["kind"] for row in by_day})
    top = max(sum(counts.values()) for counts in days.values())
    plot_h, left = height - 40, 40
    bar = max((width - left) / len(span), 1.0)
    marks = []
    for i, day in enumerate(span):
        y = plot_h
        for kind in kinds:
            n = days.get(day, {}).get(kind, 0)
            if not n:
                continue
            h = n / top * (plot_h - 10)
            y -= h
            marks.append(f'<rect x="{left + i * bar:.1f}" y="{y:.1f}" width="{max(bar - 1, 0.5):.1f}" height="{h:.1f}" '
                         f'fill="{PALETTE.get(kind, OTHER)}"><title>{escape(day)}: {n} {escape(kind)}</title></rect>')
    axis = (f'<line x1="{left}" y1="{plot_h}" x2="{width}" y2="{plot_h}" stroke="#999"/>'
            f'<text x="{left - 4}" y="12" text-anchor="end" font-size="11">{top}</text>'
            f'<text x="{left - 4}" y="{plot_h}" text-anchor="end" font-size="11">0</text>'
            f'<text x="{left}" y="{plot_h + 14}" font-size="11">{escape(span[0])}</text>'
            f'<text x="{width}" y="{plot_h + 14}" text-anchor="end" font-size="11">{escape(span[-1])}</text>')
    legend = "".join(
        f'<rect x="{left + j * 110}" y="{height - 12}" width="10" height="10" fill="{PALETTE.get(k, OTHER)}"/>'
        f'<text x="{left + j * 110 + 14}" y="{height - 3}" font-size="11">{escape(k)}</text>' for j, k in enumerate(kinds))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" class="chart" '
            f'aria-label="alerts first raised per day, by kind">{axis}{"".join(marks)}{legend}</svg>')
