"""Charts drawn on the server as SVG: no script, nothing fetched, readable without colour (titles on every mark)."""

import math
from datetime import date, timedelta
from html import escape

PALETTE = {"screening": "#2f6db5", "typology": "#b5532f", "rule": "#c99a2e", "model": "#7a5c2e", "travel": "#3a9a5b", "nexus": "#8e3ab5"}
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


def money_sankey(flows: list[dict], width: int = 760, height: int = 300) -> str:
    """Who paid whom, one Sankey diagram per currency (the three largest): payers on the left, beneficiaries on
    the right, each band as wide as the money it carries."""
    by_currency: dict[str, list[dict]] = {}
    for flow in flows:
        if math.isfinite(flow["amount"]) and flow["amount"] > 0:  # an amount no one can draw is not drawn
            by_currency.setdefault(flow.get("currency") or "", []).append(flow)
    ranked = sorted(by_currency.items(), key=lambda kv: -sum(f["amount"] for f in kv[1]))
    return "".join(_sankey(items, currency, width, height) for currency, items in ranked[:3])


def _sankey(flows: list[dict], currency: str, width: int, height: int) -> str:
    pad, top, bar, label = 6, 22, 10, 170

    def totals(key: str) -> dict[str, float]:
        found: dict[str, float] = {}
        for f in flows:
            found[f[key]] = found.get(f[key], 0.0) + f["amount"]
        return dict(sorted(found.items(), key=lambda kv: -kv[1]))

    payers, beneficiaries = totals("source_id"), totals("target_id")
    height = min(height, 40 + 40 * max(len(payers), len(beneficiaries)))  # a few parties need no tall chart
    total = sum(f["amount"] for f in flows)
    room = height - top - pad * (max(len(payers), len(beneficiaries)) - 1)
    scale = max(room, 20) / total
    names = {f["source_id"]: f["payer"] for f in flows} | {f["target_id"]: f["beneficiary"] for f in flows}

    def column(nodes: dict[str, float]) -> dict[str, float]:
        y, at = float(top), {}
        for node, amount in nodes.items():
            at[node] = y
            y += amount * scale + pad
        return at

    left, right = column(payers), column(beneficiaries)
    x0, x1 = label + bar, width - label - bar
    out_cursor, in_cursor = dict(left), dict(right)
    marks = []
    rank = {node: i for i, node in enumerate(payers)} | {("in", node): i for i, node in enumerate(beneficiaries)}
    for f in sorted(flows, key=lambda f: (rank[f["source_id"]], rank[("in", f["target_id"])])):
        thick = f["amount"] * scale
        y0, y1 = out_cursor[f["source_id"]] + thick / 2, in_cursor[f["target_id"]] + thick / 2
        out_cursor[f["source_id"]] += thick
        in_cursor[f["target_id"]] += thick
        mid = (x0 + x1) / 2
        dates = f"{f.get('first_date') or '?'} – {f.get('last_date') or '?'}"
        marks.append(
            f'<path d="M{x0},{y0:.1f} C{mid},{y0:.1f} {mid},{y1:.1f} {x1},{y1:.1f}" fill="none" stroke="#2f6db5" '
            f'stroke-opacity="0.35" stroke-width="{max(thick, 1):.1f}"><title>{escape(names[f["source_id"]])} → '
            f'{escape(names[f["target_id"]])}: {f["amount"]:,.0f} {escape(currency)} in {f.get("pieces") or 1} '
            f'payment record(s), {escape(dates)}</title></path>')
    for side, nodes, at, x, anchor, text_x in (("out", payers, left, label, "end", label - 4),
                                               ("in", beneficiaries, right, width - label - bar, "start",
                                                width - label + 4)):
        for node, amount in nodes.items():
            h = max(amount * scale, 1)
            marks.append(f'<rect x="{x}" y="{at[node]:.1f}" width="{bar}" height="{h:.1f}" fill="#1f2937">'
                         f'<title>{escape(names[node])}: {amount:,.0f} {escape(currency)} {side}</title></rect>')
            marks.append(f'<text x="{text_x}" y="{at[node] + h / 2 + 4:.1f}" text-anchor="{anchor}" font-size="11">'
                         f'{escape(_short(names[node]))} · {amount:,.0f}</text>')
    title = f'<text x="0" y="12" font-size="12" font-weight="600">{escape(currency or "amounts")}: {total:,.0f}</text>'
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height + 10}" role="img" class="chart" '
            f'aria-label="money flows in {escape(currency or "the stated amounts")}">{title}{"".join(marks)}</svg>')


def _short(name: str, size: int = 24) -> str:
    return name if len(name) <= size else name[:size - 1] + "…"
