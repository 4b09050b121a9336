"""The dissemination report as PDF (reportlab), the same sections as the HTML page."""

import io
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer

from nexus.share.contents import Package
from nexus.share.report import Section, handling, sections

# A font with Arabic, Cyrillic and Greek glyphs where the system has one; the PDF's built-in
# Helvetica shows Latin-1 only (the HTML report and the FtM file carry every script regardless).
UNICODE_FONTS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
    Path("/Library/Fonts/Arial Unicode.ttf"),
    Path("C:/Windows/Fonts/arialuni.ttf"),
)


@cache
def _font() -> str:
    for path in UNICODE_FONTS:
        if path.is_file():
            pdfmetrics.registerFont(TTFont("NexusSans", str(path)))
            return "NexusSans"
    return "Helvetica"


def render_pdf(package: Package) -> bytes:
    font = _font()
    base = getSampleStyleSheet()
    styles = {
        "title": ParagraphStyle("title", base["Title"], fontName=font),
        "heading": ParagraphStyle("heading", base["Heading2"], fontName=font),
        "body": ParagraphStyle("body", base["BodyText"], fontName=font),
        "cell": ParagraphStyle("cell", base["BodyText"], fontName=font, fontSize=8, leading=10),
        "banner": ParagraphStyle("banner", base["BodyText"], fontName=font, textColor=colors.darkred,
                                 alignment=1, fontSize=9),
    }
    banner = handling(package)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=15 * mm, rightMargin=15 * mm,
                                 topMargin=18 * mm, bottomMargin=18 * mm,
                                 title=f"Case {package.case['id']}: {package.case['title']}",
                                 author=f"{package.issued_by} ({package.issuing_agency})")

    def page(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(colors.darkred)
        width, height = doc.pagesize
        canvas.drawCentredString(width / 2, height - 10 * mm, banner)
        canvas.drawCentredString(width / 2, 10 * mm, f"{banner}  Page {doc.page}")
        canvas.restoreState()

    flow = [Paragraph(_text(f"Case {package.case['id']}: {package.case['title']}"), styles["title"])]
    for section in sections(package):
        flow += _section(section, styles, document.width)
    document.build(flow, onFirstPage=page, onLaterPages=page)
    return buffer.getvalue()


def _section(section: Section, styles: dict, width: float) -> list:
    flow = [Paragraph(_text(section.title), styles["heading"])]
    flow += [Paragraph(_text(line), styles["body"]) for line in section.lines]
    if section.header and not section.rows:
        flow.append(Paragraph(_text(section.empty), styles["body"]))
    elif section.header:
        cells = [[Paragraph(_text(c), styles["cell"]) for c in row] for row in (section.header, *section.rows)]
        table = LongTable(cells, colWidths=[width / len(section.header)] * len(section.header), repeatRows=1)
        table.setStyle([
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ])
        flow.append(table)
    flow.append(Spacer(1, 4 * mm))
    return flow


def _text(value: str) -> str:
    """Plain text as a reportlab paragraph: markup escaped, line breaks kept."""
    return escape(value).replace("\n", "<br/>")
