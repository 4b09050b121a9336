"""The dissemination report as one self-contained HTML page."""

from html import escape

from nexus.share.contents import Package
from nexus.share.report import Section, handling, sections

STYLE = """
body { font-family: sans-serif; margin: 2em; color: #111; }
.banner { text-align: center; font-weight: bold; border: 2px solid #900; color: #900; padding: .3em; }
table { border-collapse: collapse; width: 100%; margin: .5em 0 1.5em; }
th, td { border: 1px solid #999; padding: .3em .5em; text-align: left; vertical-align: top; font-size: .9em; }
td { white-space: pre-line; word-break: break-word; }
"""


def render_html(package: Package) -> str:
    banner = f'<p class="banner">{escape(handling(package))}</p>'
    title = escape(f"Case {package.case['id']}: {package.case['title']}")
    body = "\n".join(_section(s) for s in sections(package))
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f"<style>{STYLE}</style></head>\n<body>\n{banner}\n<h1>{title}</h1>\n{body}\n{banner}\n</body></html>\n")


def _section(section: Section) -> str:
    parts = [f"<h2>{escape(section.title)}</h2>"]
    parts += [f"<p>{escape(line)}</p>" for line in section.lines]
    if section.header:
        if section.rows:
            head = "".join(f"<th>{escape(h)}</th>" for h in section.header)
            rows = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>\n" for row in section.rows)
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>\n{rows}</tbody></table>")
        else:
            parts.append(f"<p>{escape(section.empty)}</p>")
    return "\n".join(parts)
