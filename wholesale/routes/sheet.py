"""A vehicle's route sheet as a PDF (fpdf2, like the invoice): the run's date and warehouse,
the van, driver, load and times, then every stop in order with its window and ETA, address,
phone and receiving notes, the items and quantities to drop, and lines for the recipient's
name and signature."""

from __future__ import annotations

from typing import Any

from wholesale.invoicing.pdf import LINE, MUTED, _badge, _Doc

RED = (201, 42, 42)


def _stop(doc: _Doc, stop: dict[str, Any]) -> None:
    needed = 34 + 5.5 * len(stop["items"])
    if doc.get_y() + needed > 255:
        doc.add_page()
    top = doc.get_y()
    doc.set_draw_color(*LINE)
    doc.line(18, top, 198, top)
    doc.set_xy(18, top + 2)
    doc.font(13, True)
    doc.cell(10, 7, str(stop["sequence"]))
    doc.font(11, True)
    doc.cell(110, 7, doc.text_(f"{stop['buyer']} · {stop['location']}"))
    doc.font(9, True, RED if stop["missed_window"] else MUTED)
    when = f"ETA {stop['eta']}" + (f" · window {stop['window']}" if stop["window"] else "")
    if stop["missed_window"]:
        when += " · MISSES WINDOW"
    doc.cell(60, 7, doc.text_(when), align="R")
    doc.ln()
    doc.set_x(28)
    doc.font(9, color=MUTED)
    details = [stop["address"], stop["phone"], f"Order {stop['order_number']}",
               f"{stop['cases']} cs · {stop['kg']:.1f} kg"]
    doc.multi_cell(170, 4.6, doc.text_("  ·  ".join(d for d in details if d)))
    if stop["notes"]:
        doc.set_x(28)
        doc.font(9, True)
        doc.multi_cell(170, 4.6, doc.text_(f"Receiving: {stop['notes']}"))
    doc.ln(1)
    for item in stop["items"]:
        doc.set_x(28)
        doc.font(9.5)
        doc.cell(24, 5.5, doc.text_(f"{item['quantity']} {item['unit']}"))
        doc.cell(28, 5.5, doc.text_(item["sku"]))
        doc.cell(118, 5.5, doc.text_(item["name"]))
        doc.ln()
    doc.ln(5)
    y = doc.get_y()
    doc.set_draw_color(120, 120, 120)
    doc.line(28, y, 100, y)
    doc.line(112, y, 198, y)
    doc.set_xy(28, y + 0.5)
    doc.font(7.5, color=MUTED)
    doc.cell(72, 4, "Received by (name)")
    doc.set_x(112)
    doc.cell(86, 4, "Signature and time")
    doc.ln(7)


def route_sheet_pdf(supplier_name: str, run: dict[str, Any], route: dict[str, Any]) -> bytes:
    doc = _Doc()
    doc.alias_nb_pages()
    title = f"Route sheet · {route['vehicle']} · {run['date']}"
    doc.set_title(title)
    doc.set_author(supplier_name)
    doc.footer_text = f"{supplier_name} · {title}"
    doc.add_page()
    _badge(doc, supplier_name, 18, 16)
    doc.set_xy(38, 16)
    doc.font(14, True)
    doc.cell(100, 7, doc.text_(supplier_name))
    doc.set_xy(38, 23.5)
    doc.font(9, color=MUTED)
    doc.cell(100, 4.4, doc.text_(f"From {run['warehouse']['name']}, {run['warehouse']['address']}"))
    doc.set_xy(120, 16)
    doc.font(18, True, (79, 70, 229))
    doc.cell(78, 9, "ROUTE SHEET", align="R")
    doc.set_xy(120, 26)
    doc.font(11, True)
    doc.cell(78, 6, doc.text_(f"{route['vehicle']} · {run['date']}"), align="R")
    doc.set_y(40)
    capacity = f"{route['cases']} / {route['capacity_cases']} cs"
    if route["capacity_kg"]:
        capacity += f" · {route['kg']:.0f} / {route['capacity_kg']:.0f} kg"
    facts = [("Driver", route["driver"] or "—"), ("Leaves", route["starts"]),
             ("Back", route["ends"]), ("Stops", str(len(route["stops"]))),
             ("Load", capacity), ("Distance", f"{route['distance_km']} km"),
             ("Drive time", route["drive_time"])]
    for label, value in facts:
        doc.font(8, color=MUTED)
        doc.cell(22, 5, label)
        doc.font(9, True)
        doc.cell(68, 5, doc.text_(value))
        if doc.get_x() > 150:
            doc.ln()
    doc.ln(9)
    for stop in route["stops"]:
        _stop(doc, stop)
    return bytes(doc.output())
