"""The plan as a PDF made on the server by ReportLab (no browser): the scores, then each
section's items with the reason that led to them and the addresses of the help, in the
visitor's language, on A4."""

from io import BytesIO
from urllib.parse import urljoin
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("title", parent=base["Title"], fontSize=17, spaceAfter=4),
        "h2": ParagraphStyle(
            "h2", parent=base["Heading2"], fontSize=13, spaceBefore=8, spaceAfter=3
        ),
        "h3": ParagraphStyle(
            "h3", parent=base["Heading3"], fontSize=10.5, spaceBefore=5, spaceAfter=1
        ),
        "text": ParagraphStyle("text", parent=base["BodyText"], fontSize=9.5, leading=12),
        "reason": ParagraphStyle(
            "reason",
            parent=base["BodyText"],
            fontSize=9,
            leading=11,
            textColor=colors.HexColor("#333333"),
        ),
        "help": ParagraphStyle(
            "help", parent=base["BodyText"], fontSize=9, leading=11.5, leftIndent=8
        ),
    }


def plan_document(context: dict, base: str) -> bytes:
    """The PDF of a plan page's context (see views._plan_context); `base` makes its links
    whole addresses."""
    styles = _styles()
    diagnostic, result = context["diagnostic"], context["result"]
    name = diagnostic.organisation.name if diagnostic.organisation else _("Your organisation")
    story = [
        Paragraph(escape(_("Digital transition plan")), styles["title"]),
        Paragraph(
            escape(
                f"{name} — "
                + _("diagnostic of %(date)s")
                % {"date": date_format(diagnostic.created_at, "DATE_FORMAT")}
            ),
            styles["text"],
        ),
        Spacer(1, 3 * mm),
    ]
    if result is None:
        story.append(Paragraph(escape(_("No answers have been sent yet.")), styles["text"]))
    else:
        before = result.overall_before is not None
        rows = [[_("Dimension"), _("Score"), _("In words"), *([_("Since last time")] * before)]]
        lines = [(Paragraph(escape(line.dimension.name), styles["text"]), line.points,
                  line.words, line.progress) for line in result.dimensions]  # fmt: skip
        lines.append((_("Overall"), result.overall, result.words, result.progress))
        for name, points, words, progress in lines:
            since = [] if not before else ["" if progress is None else f"{progress:+d}"]
            rows.append([name, "—" if points is None else str(points), str(words), *since])
        table = Table(rows, colWidths=[88 * mm, 18 * mm, 35 * mm, *([30 * mm] * before)])
        table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                    ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
                    ("FONTSIZE", (0, 0), (-1, -1), 9),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
                    ("LINEABOVE", (0, -1), (-1, -1), 0.6, colors.black),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story += [
            Paragraph(
                escape(
                    ngettext(
                        "Scores out of 100, from the answers of %(count)d respondent.",
                        "Scores out of 100, from the answers of %(count)d respondents.",
                        result.respondents,
                    )
                    % {"count": result.respondents}
                ),
                styles["reason"],
            ),
            Spacer(1, 2 * mm),
            table,
        ]
    for section in context["sections"]:
        story.append(Paragraph(escape(str(section.heading)), styles["h2"]))
        if not section.items:
            story.append(Paragraph(escape(str(section.nothing)), styles["reason"]))
        for item in section.items:
            story.append(Paragraph(escape(item.title), styles["h3"]))
            story.append(Paragraph(escape(_("Why:") + " " + item.reason), styles["reason"]))
            for help_ in [*item.helps, *([item.more] if item.more else [])]:
                address = urljoin(base, help_.url)
                note = f" ({escape(help_.note)})" if help_.note else ""
                story.append(
                    Paragraph(
                        f'• <link href="{escape(address)}">{escape(help_.label)}</link>{note}<br/>'
                        f'<font size="7.5" color="#444444">{escape(address)}</font>',
                        styles["help"],
                    )
                )
    story += [
        Spacer(1, 4 * mm),
        Paragraph(
            escape(
                _("Made by Essaim on %(date)s.")
                % {"date": date_format(timezone.now(), "DATE_FORMAT")}
            ),
            styles["reason"],
        ),
    ]
    out = BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=_("Digital transition plan"),
        author="Essaim",
    )
    document.build(story)
    return out.getvalue()
