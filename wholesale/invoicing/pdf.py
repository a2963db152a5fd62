"""The invoice (and credit note) as a PDF, drawn with fpdf2: the supplier's initials badge
as its logo, name and address, the buyer's billing details, order and PO references, the
dates and terms, the lines with their tax, the totals, what has been paid, and how to pay.

DejaVu Sans is used when the system has it (any text); otherwise the PDF core font, with
characters it cannot show replaced.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fpdf import FPDF

from wholesale.invoicing.models import CreditNote, Invoice, InvoiceStatus
from wholesale.invoicing.money import fmt
from wholesale.trading.models import PaymentTerms

_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
ACCENT = (79, 70, 229)
MUTED = (100, 107, 120)
TEXT = (20, 22, 26)
LINE = (228, 230, 234)


def initials(name: str) -> str:
    words = [w for w in (name or "?").split() if w[:1].isalnum()] or ["?"]
    return (words[0][0] + (words[-1][0] if len(words) > 1 else "")).upper()


class _Doc(FPDF):
    def __init__(self) -> None:
        super().__init__(format="letter", unit="mm")
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(True, 20)
        self.unicode = False
        regular, bold = _FONT_DIR / "DejaVuSans.ttf", _FONT_DIR / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            self.add_font("Body", "", str(regular))
            self.add_font("Body", "B", str(bold))
            self.family = "Body"
            self.unicode = True
        else:
            self.family = "Helvetica"
        self.footer_text = ""

    def text_(self, value: Any) -> str:
        text = "" if value is None else str(value)
        if self.unicode:
            return text
        return text.encode("latin-1", "replace").decode("latin-1")

    def font(self, size: float, bold: bool = False, color: tuple[int, int, int] = TEXT) -> None:
        self.set_font(self.family, "B" if bold else "", size)
        self.set_text_color(*color)

    def footer(self) -> None:
        self.set_y(-14)
        self.font(8, color=MUTED)
        self.cell(0, 5, self.text_(self.footer_text), align="L")
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")


def _badge(doc: _Doc, name: str, x: float, y: float) -> None:
    doc.set_fill_color(*ACCENT)
    doc.rect(x, y, 16, 16, style="F", round_corners=True, corner_radius=3)
    doc.set_xy(x, y + 3.5)
    doc.font(13, True, (255, 255, 255))
    doc.cell(16, 9, doc.text_(initials(name)), align="C")


def _block(doc: _Doc, x: float, y: float, width: float, title: str, lines: list[str]) -> float:
    doc.set_xy(x, y)
    doc.font(7.5, True, MUTED)
    doc.cell(width, 4.5, title.upper())
    y += 5
    for index, line in enumerate(line for line in lines if line):
        for part in str(line).splitlines() or [""]:
            doc.set_xy(x, y)
            doc.font(9.5, bold=index == 0)
            doc.multi_cell(width, 4.6, doc.text_(part))
            y = doc.get_y()
    return y


def _header(doc: _Doc, seller: dict[str, Any], title: str, number: str) -> None:
    _badge(doc, seller.get("trading_name") or seller.get("name") or "", 18, 16)
    doc.set_xy(38, 16)
    doc.font(14, True)
    doc.cell(100, 7, doc.text_(seller.get("name")))
    y = 23.5
    for part in [*(seller.get("address") or "").splitlines(), seller.get("email") or "",
                 f"Tax ID {seller['tax_id']}" if seller.get("tax_id") else ""]:
        if part:
            doc.set_xy(38, y)
            doc.font(9, color=MUTED)
            doc.cell(100, 4.4, doc.text_(part))
            y += 4.4
    doc.set_xy(120, 16)
    doc.font(20, True, ACCENT)
    doc.cell(78, 9, title, align="R")
    doc.set_xy(120, 26)
    doc.font(11, True)
    doc.cell(78, 6, doc.text_(number), align="R")
    doc.set_y(max(y, 34) + 6)


def _table(doc: _Doc, rows: list[tuple[str, str, str, str, str, str]]) -> None:
    widths = (24, 64, 18, 24, 16, 30)
    heads = ("SKU", "Description", "Qty", "Unit price", "Tax", "Amount")
    doc.set_fill_color(246, 247, 249)
    doc.font(8, True, MUTED)
    for width, head, in zip(widths, heads, strict=True):
        doc.cell(width, 7, head, fill=True, align="R" if head not in ("SKU", "Description")
                 else "L")
    doc.ln()
    for row in rows:
        doc.font(9)
        y = doc.get_y()
        if y > 245:
            doc.add_page()
        for width, value, head in zip(widths, row, heads, strict=True):
            align = "L" if head in ("SKU", "Description") else "R"
            text = doc.text_(value)
            while head == "Description" and doc.get_string_width(text) > width - 2 \
                    and len(text) > 3:
                text = text[:-2] + "…" if doc.unicode else text[:-4] + "..."
            doc.cell(width, 6.5, text, align=align)
        doc.ln()
        doc.set_draw_color(*LINE)
        doc.line(18, doc.get_y(), 198, doc.get_y())


def _totals(doc: _Doc, items: list[tuple[str, str, bool]]) -> None:
    doc.ln(3)
    for label, value, strong in items:
        doc.set_x(110)
        doc.font(10 if strong else 9, strong, TEXT if strong else MUTED)
        doc.cell(58, 6, doc.text_(label), align="R")
        doc.font(10 if strong else 9, strong)
        doc.cell(30, 6, doc.text_(value), align="R")
        doc.ln()


def invoice_pdf(invoice: Invoice) -> bytes:
    doc = _Doc()
    doc.alias_nb_pages()
    doc.set_title(f"Invoice {invoice.display_number}")
    doc.set_author(invoice.seller.get("name") or "")
    doc.footer_text = f"{invoice.seller.get('name', '')} · Invoice {invoice.display_number}"
    doc.add_page()
    seller, bill_to = invoice.seller, invoice.bill_to
    _header(doc, seller, "VOID INVOICE" if invoice.status is InvoiceStatus.VOID else "INVOICE",
            invoice.display_number)
    top = doc.get_y()
    left = _block(doc, 18, top, 85, "Bill to", [bill_to.get("name", ""),
                                                 bill_to.get("address", ""),
                                                 f"Tax ID {bill_to['tax_id']}"
                                                 if bill_to.get("tax_id") else ""])
    terms_label = PaymentTerms(invoice.payment_terms).label
    facts = [("Invoice date", invoice.issue_date.strftime("%b %d, %Y")),
             ("Due date", invoice.due_date.strftime("%b %d, %Y")),
             ("Terms", terms_label),
             ("Order", invoice.order.display_number)]
    if invoice.po_number:
        facts.append(("PO number", invoice.po_number))
    y = top
    for label, value in facts:
        doc.set_xy(120, y)
        doc.font(9, color=MUTED)
        doc.cell(35, 5, label)
        doc.font(9, True)
        doc.cell(43, 5, doc.text_(value), align="R")
        y += 5.2
    doc.set_y(max(left, y) + 6)
    rows = [(ln.sku, ln.name, f"{ln.quantity} {ln.unit}", fmt(ln.unit_price),
             f"{ln.tax_rate.normalize():f}%", fmt(ln.amount)) for ln in invoice.lines]
    _table(doc, rows)
    currency = invoice.currency
    items = [("Subtotal", fmt(invoice.subtotal, currency), False),
             (seller.get("tax_label") or "Tax", fmt(invoice.tax_total, currency), False),
             ("Total", fmt(invoice.total, currency), True)]
    if invoice.amount_paid:
        items.append(("Paid", "-" + fmt(invoice.amount_paid, currency), False))
    if invoice.amount_credited:
        items.append(("Credited", "-" + fmt(invoice.amount_credited, currency), False))
    items.append(("Balance due", fmt(invoice.balance, currency), True))
    _totals(doc, items)
    doc.ln(6)
    if invoice.status is InvoiceStatus.VOID:
        _block(doc, 18, doc.get_y(), 180, "Void", [f"Voided: {invoice.void_reason or ''}"])
    elif seller.get("payment_instructions"):
        _block(doc, 18, doc.get_y(), 180, "How to pay",
               [f"Please pay {fmt(invoice.balance, currency)} by "
                f"{invoice.due_date.strftime('%b %d, %Y')}, quoting {invoice.display_number}.",
                seller["payment_instructions"]])
    return bytes(doc.output())


def credit_note_pdf(note: CreditNote) -> bytes:
    invoice = note.invoice
    doc = _Doc()
    doc.alias_nb_pages()
    doc.set_title(f"Credit note {note.display_number}")
    doc.footer_text = f"{invoice.seller.get('name', '')} · Credit note {note.display_number}"
    doc.add_page()
    _header(doc, invoice.seller, "CREDIT NOTE", note.display_number)
    top = doc.get_y()
    _block(doc, 18, top, 85, "Credit to", [invoice.bill_to.get("name", ""),
                                           invoice.bill_to.get("address", "")])
    doc.set_xy(120, top)
    doc.font(9, color=MUTED)
    doc.multi_cell(78, 5, doc.text_(
        f"Date {note.issue_date:%b %d, %Y}\nFor invoice {invoice.display_number}\n"
        f"Reason: {note.reason.value}"), align="R")
    doc.set_y(max(doc.get_y(), top + 20) + 6)
    _table(doc, [(ln.invoice_line.sku, ln.invoice_line.name,
                  f"{ln.quantity} {ln.invoice_line.unit}", fmt(ln.invoice_line.unit_price),
                  f"{ln.invoice_line.tax_rate.normalize():f}%", fmt(ln.amount))
                 for ln in note.lines])
    _totals(doc, [("Subtotal", fmt(note.subtotal, note.currency), False),
                  ("Tax", fmt(note.tax_total, note.currency), False),
                  ("Total credited", fmt(note.total, note.currency), True)])
    if note.note:
        _block(doc, 18, doc.get_y() + 6, 180, "Note", [note.note])
    return bytes(doc.output())
