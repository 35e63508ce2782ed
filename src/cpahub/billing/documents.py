"""An invoice as a PDF (fpdf2 with a CJK TrueType font) and as an Excel workbook, on the letterhead."""

from __future__ import annotations

import io
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from cpahub.billing.choices import InvoiceStatus
from cpahub.billing.money import rmb_capital


class FontMissing(RuntimeError):
    """The configured CJK font cannot be used."""

    def __init__(self, path: Path, reason: str = ""):
        super().__init__(f"{path}: {reason or 'not found'}")
        self.path, self.reason = path, reason


def _money(value) -> str:
    return f"{value:,.2f}"


def invoice_facts(invoice) -> dict:
    """Everything both renderings print, gathered once."""
    from cpahub.practice.models import FirmSettings

    firm = FirmSettings.for_firm(invoice.firm)
    lines = list(invoice.lines.select_related("engagement"))
    return {
        "firm": firm,
        "name": firm.letterhead_name or invoice.firm.name,
        "address": firm.letterhead_address or invoice.firm.address,
        "phone": firm.letterhead_phone or invoice.firm.phone,
        "lines": lines,
        "rate": f"{(invoice.tax_rate * 100).normalize():f}%",
        "capital": rmb_capital(invoice.gross_amount),
        "fields": [
            (_("Invoice number"), invoice.number or _("(draft)")),
            (_("Issue date"), invoice.issue_date.isoformat() if invoice.issue_date else ""),
            (_("Due date"), invoice.due_date.isoformat() if invoice.due_date else ""),
            (_("Electronic invoice number"), invoice.e_invoice_number),
            (_("Buyer"), invoice.buyer_name or invoice.client.name),
            (_("Buyer's credit code"), invoice.buyer_credit_code or invoice.client.credit_code),
        ],
        "bank": [(_("Bank"), firm.bank_name), (_("Bank account"), firm.bank_account)],
        "stamp": {
            InvoiceStatus.DRAFT: _("DRAFT — not valid for payment"),
            InvoiceStatus.CANCELLED: _("CANCELLED"),
        }.get(invoice.status, ""),
    }


def _font_path() -> Path:
    path = Path(settings.CPAHUB_INVOICE_FONT)
    if not path.is_file():
        raise FontMissing(path)
    return path


def invoice_pdf(invoice) -> bytes:
    from fpdf import FPDF

    facts = invoice_facts(invoice)
    path = _font_path()
    pdf = FPDF(format="A4", unit="mm")
    try:
        pdf.add_font("cjk", fname=str(path), collection_font_number=0)
    except Exception as error:  # fontTools raises many kinds for an unusable file
        raise FontMissing(path, str(error)) from error
    pdf.set_title(f"{facts['name']} {invoice.number}")
    pdf.set_creator("cpahub")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    width = pdf.epw
    pdf.set_font("cjk", size=18)
    pdf.cell(width, 10, facts["name"], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=9)
    contact = "  ".join(part for part in (facts["address"], facts["phone"]) if part)
    pdf.cell(width, 5, contact, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.line(pdf.l_margin, pdf.get_y() + 2, pdf.l_margin + width, pdf.get_y() + 2)
    pdf.ln(5)
    pdf.set_font("cjk", size=15)
    pdf.cell(width, 9, _("Invoice"), align="C", new_x="LMARGIN", new_y="NEXT")
    if facts["stamp"]:
        pdf.set_text_color(200, 0, 0)
        pdf.set_font("cjk", size=12)
        pdf.cell(width, 7, facts["stamp"], align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
    pdf.ln(2)
    _pairs(pdf, facts["fields"], width)
    pdf.ln(3)
    _lines_table(pdf, invoice, facts)
    pdf.ln(2)
    pdf.set_font("cjk", size=10)
    pdf.multi_cell(
        width, 6, _("Total in words: %(words)s") % {"words": facts["capital"]}, new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(2)
    _pairs(pdf, facts["bank"], width)
    if invoice.notes:
        pdf.ln(2)
        pdf.multi_cell(width, 5, invoice.notes, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _pairs(pdf, pairs, width):
    pdf.set_font("cjk", size=10)
    for label, value in pairs:
        pdf.cell(45, 6, _("%(label)s:") % {"label": label})
        pdf.multi_cell(width - 45, 6, str(value or "—"), new_x="LMARGIN", new_y="NEXT")


def _lines_table(pdf, invoice, facts):
    pdf.set_font("cjk", size=9)
    right = ("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT")
    with pdf.table(
        col_widths=(52, 28, 26, 14, 22, 28), text_align=right, first_row_as_headings=False
    ) as table:
        table.row(
            [
                _("Description"),
                _("Engagement"),
                _("Amount excluding VAT"),
                _("VAT rate"),
                _("VAT"),
                _("Total"),
            ]
        )
        for line in facts["lines"]:
            table.row(
                [
                    line.description,
                    line.engagement.code,
                    _money(line.net),
                    facts["rate"],
                    _money(line.tax),
                    _money(line.gross),
                ]
            )
        table.row(
            [
                _("Total"),
                "",
                _money(invoice.net_amount),
                "",
                _money(invoice.tax_amount),
                _money(invoice.gross_amount),
            ]
        )


def invoice_xlsx(invoice) -> bytes:
    import xlsxwriter

    facts = invoice_facts(invoice)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet((invoice.number or _("Draft"))[:31])
    title = book.add_format({"bold": True, "font_size": 16, "align": "center"})
    centre = book.add_format({"align": "center"})
    bold = book.add_format({"bold": True})
    money = book.add_format({"num_format": "#,##0.00"})
    money_bold = book.add_format({"num_format": "#,##0.00", "bold": True})
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 5, 16)
    sheet.merge_range(0, 0, 0, 5, facts["name"], title)
    contact = "  ".join(part for part in (facts["address"], facts["phone"]) if part)
    sheet.merge_range(1, 0, 1, 5, contact, centre)
    sheet.merge_range(2, 0, 2, 5, _("Invoice") + (f" · {facts['stamp']}" if facts["stamp"] else ""), title)
    row = 4
    for label, value in facts["fields"]:
        sheet.write_string(row, 0, str(label), bold)
        sheet.write_string(row, 1, str(value or ""))
        row += 1
    row += 1
    headers = [
        _("Description"),
        _("Engagement"),
        _("Amount excluding VAT"),
        _("VAT rate"),
        _("VAT"),
        _("Total"),
    ]
    sheet.write_row(row, 0, [str(h) for h in headers], bold)
    for line in facts["lines"]:
        row += 1
        sheet.write_string(row, 0, line.description)
        sheet.write_string(row, 1, line.engagement.code)
        sheet.write_number(row, 2, float(line.net), money)
        sheet.write_string(row, 3, facts["rate"])
        sheet.write_number(row, 4, float(line.tax), money)
        sheet.write_number(row, 5, float(line.gross), money)
    row += 1
    sheet.write_string(row, 0, _("Total"), bold)
    sheet.write_number(row, 2, float(invoice.net_amount), money_bold)
    sheet.write_number(row, 4, float(invoice.tax_amount), money_bold)
    sheet.write_number(row, 5, float(invoice.gross_amount), money_bold)
    row += 1
    sheet.write_string(row, 0, _("Total in words: %(words)s") % {"words": facts["capital"]})
    row += 2
    for label, value in facts["bank"]:
        sheet.write_string(row, 0, str(label), bold)
        sheet.write_string(row, 1, str(value or ""))
        row += 1
    book.close()
    return buffer.getvalue()
