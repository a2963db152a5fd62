"""The purchase order as a PDF (fpdf2), in the invoices' style: the buyer's badge and name,
the vendor, where to deliver, the lines with the vendor's codes, costs and expected dates,
and the total."""

from __future__ import annotations

from wholesale.invoicing.money import fmt
from wholesale.invoicing.pdf import LINE, MUTED, _block, _Doc, _header
from wholesale.purchasing.models import PurchaseOrder

_WIDTHS = (28, 62, 18, 24, 22, 26)
_HEADS = ("Vendor code", "Description", "Qty", "Unit cost", "Expected", "Amount")
_LEFT = ("Vendor code", "Description")


def purchase_order_pdf(po: PurchaseOrder) -> bytes:
    doc = _Doc()
    doc.alias_nb_pages()
    buyer = po.supplier.name
    doc.set_title(f"Purchase order {po.display_number}")
    doc.set_author(buyer)
    doc.footer_text = f"{buyer} · Purchase order {po.display_number}"
    doc.add_page()
    _header(doc, {"name": buyer}, "PURCHASE ORDER", po.display_number)
    top = doc.get_y()
    vendor = po.vendor
    left = _block(doc, 18, top, 85, "Vendor", [vendor.name, vendor.contact_name,
                                                vendor.email or "", vendor.phone or ""])
    right = _block(doc, 113, top, 85, "Deliver to", [po.warehouse.name, po.warehouse.address])
    doc.set_y(max(left, right) + 6)
    doc.set_fill_color(246, 247, 249)
    doc.font(8, True, MUTED)
    for width, head in zip(_WIDTHS, _HEADS, strict=True):
        doc.cell(width, 7, head, fill=True, align="L" if head in _LEFT else "R")
    doc.ln()
    for line in po.lines:
        if doc.get_y() > 245:
            doc.add_page()
        doc.font(9)
        values = (line.vendor_code or line.product.sku, line.product.name,
                  f"{line.quantity} {line.product.unit}", fmt(line.cost),
                  line.expected_on.strftime("%b %d, %Y") if line.expected_on else "",
                  fmt(line.cost * line.quantity))
        for width, value, head in zip(_WIDTHS, values, _HEADS, strict=True):
            text = doc.text_(value)
            while head == "Description" and doc.get_string_width(text) > width - 2 \
                    and len(text) > 4:
                text = text[:-4] + "..."
            doc.cell(width, 6.5, text, align="L" if head in _LEFT else "R")
        doc.ln()
        doc.set_draw_color(*LINE)
        doc.line(18, doc.get_y(), 198, doc.get_y())
    doc.ln(3)
    doc.set_x(110)
    doc.font(10, True)
    doc.cell(58, 6, "Total", align="R")
    doc.cell(30, 6, doc.text_(fmt(po.total, po.currency)), align="R")
    doc.ln(10)
    if po.notes:
        _block(doc, 18, doc.get_y(), 180, "Notes", [po.notes])
    return bytes(doc.output())

