"""Pick lists and packing slips as PDF (fpdf2). DejaVu Sans is used when the system has it
(any text prints); otherwise the PDF core font, with characters it lacks replaced."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from fpdf import FPDF, FontFace
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError

from wholesale.fulfilment.documents import PickGroup, Slip

_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


class _Document(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.title_text = title
        self.set_auto_page_break(auto=True, margin=16)
        self.set_margins(14, 14, 14)
        self.set_title(title)
        self.set_creator("Ordertalk")
        self.family, self.unicode = "helvetica", False
        for folder in _FONT_DIRS:
            regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
            if regular.is_file() and bold.is_file():
                self.add_font("DejaVu", "", str(regular))
                self.add_font("DejaVu", "B", str(bold))
                self.family, self.unicode = "DejaVu", True
                break

    def text_of(self, value: object) -> str:
        text = str(value)
        return text if self.unicode else text.encode("latin-1", "replace").decode("latin-1")

    def font(self, size: float, bold: bool = False) -> None:
        self.set_font(self.family, "B" if bold else "", size)

    def footer(self) -> None:
        self.set_y(-12)
        self.font(8)
        self.set_text_color(110)
        self.cell(0, 5, self.text_of(f"{self.title_text} · page {self.page_no()}/{{nb}}"),
                  align="R")
        self.set_text_color(0)

    def line_text(self, text: object, size: float = 10, bold: bool = False,
                  height: float = 5.5) -> None:
        self.font(size, bold)
        self.multi_cell(0, height, self.text_of(text), new_x="LMARGIN", new_y="NEXT")

    def table(self, headers: Sequence[str], widths: Sequence[float],  # type: ignore[override]
              rows: Sequence[Sequence[object]], aligns: Sequence[str]) -> None:
        """A table whose cells wrap (fpdf2's table), headings repeated on each page."""
        self.font(9.5)
        with super().table(col_widths=tuple(widths), text_align=tuple(aligns),
                           line_height=4.8, padding=1.3, first_row_as_headings=True,
                           borders_layout="HORIZONTAL_LINES",
                           headings_style=FontFace(emphasis="BOLD", fill_color=(238, 240, 255)),
                           repeat_headings=1) as table:
            table.row([self.text_of(h) for h in headers])
            for values in rows:
                table.row([self.text_of(v) for v in values])


def pick_list_pdf(groups: list[PickGroup], supplier_name: str, order_numbers: list[str],
                  printed_at: datetime) -> bytes:
    pdf = _Document(f"Pick list — {supplier_name}")
    pdf.alias_nb_pages()
    for group in groups or [None]:
        pdf.add_page()
        pdf.line_text(f"Pick list · {supplier_name}", 16, bold=True, height=8)
        pdf.line_text(f"Orders: {', '.join(order_numbers)}", 9)
        pdf.line_text(f"Printed {printed_at:%Y-%m-%d %H:%M} UTC", 9)
        pdf.ln(3)
        if group is None:
            pdf.line_text("Nothing to pick: everything is shipped or waiting for stock.", 11)
            continue
        pdf.line_text(f"{group.warehouse.name} — {group.units} units", 13, bold=True, height=7)
        pdf.line_text(group.warehouse.address, 9)
        pdf.ln(2)
        pdf.table(
            ["Bin", "SKU", "Product", "Qty", "For orders", "✓" if pdf.unicode else "OK"],
            [20, 30, 52, 16, 56, 8],
            [[row.bin_location or "—", row.sku, row.name, row.quantity,
              ", ".join(f"{n} ×{q}" for n, q in row.orders), ""] for row in group.rows],
            ["L", "L", "L", "R", "L", "C"],
        )
    return bytes(pdf.output())


def with_label(slip_pdf: bytes, label_pdf: bytes | None) -> bytes:
    """The packing slip followed by the carrier label's pages: one document, one print (a
    label that can't be read is left out; the slip says where the label is)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(slip_pdf)))
    if label_pdf:
        with contextlib.suppress(PdfReadError):
            writer.append(PdfReader(io.BytesIO(label_pdf)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def packing_slips_pdf(slips: list[Slip], supplier_name: str,
                      footer: str | None = None) -> bytes:
    pdf = _Document(f"Packing slips — {supplier_name}")
    pdf.alias_nb_pages()
    for slip in slips:
        order = slip.order
        location = order.delivery_location
        pdf.add_page()
        pdf.line_text(f"Packing slip · order {order.display_number}", 16, bold=True, height=8)
        pdf.line_text(f"From {supplier_name}" + (
            f" ({', '.join(slip.warehouses)})" if slip.warehouses else ""), 10)
        pdf.ln(2)
        pdf.line_text("Deliver to", 9, bold=True)
        pdf.line_text(order.buyer.name, 11, bold=True)
        pdf.line_text(f"{location.name}\n{location.address}", 10)
        contact = " · ".join(x for x in (location.contact_phone, location.contact_email) if x)
        if contact:
            pdf.line_text(contact, 9)
        for person in order.contacts:
            pdf.line_text(" · ".join(x for x in (person.name, person.email, person.phone) if x),
                          9)
        pdf.ln(1)
        details = [f"Delivery date: {order.requested_delivery_date.isoformat()}"]
        if order.po_number:
            details.append(f"PO: {order.po_number}")
        if order.expedited_at is not None:
            details.append("EXPEDITED")
        pdf.line_text("   ".join(details), 10, bold=True)
        if order.notes:
            pdf.line_text(f"Notes: {order.notes}", 9)
        pdf.ln(3)
        pdf.table(
            ["SKU", "Product", "Unit", "Ordered", "In this box", "Shipped", "Backordered"],
            [30, 52, 14, 18, 22, 20, 26],
            [[ln.sku, ln.name, ln.unit, ln.ordered, ln.ship_now, ln.shipped_before or "",
              ln.backordered or ""] for ln in slip.lines],
            ["L", "L", "L", "R", "R", "R", "R"],
        )
        if any(ln.backordered for ln in slip.lines):
            pdf.ln(2)
            pdf.line_text("Backordered items follow as soon as they are in stock.", 9)
        if footer:
            pdf.ln(2)
            pdf.line_text(footer, 9)
    return bytes(pdf.output())
