"""`make run` output stays readable: the libraries' INFO chatter (fontTools logs every font
subset a PDF makes) is off once the app is built; the app's own lines and the libraries'
warnings still show."""

from __future__ import annotations

import logging

from wholesale.invoicing.pdf import _Doc


def test_making_a_pdf_logs_nothing_at_info(app, caplog):
    caplog.set_level(logging.INFO)
    doc = _Doc()
    doc.add_page()
    doc.set_font(doc.family, size=10)
    doc.cell(text=doc.text_("Invoice 42 — 3 × romaine €"))
    assert bytes(doc.output()).startswith(b"%PDF")
    noisy = [r for r in caplog.records if r.levelno < logging.WARNING
             and not r.name.startswith(("wholesale", "messaging", "app"))]
    assert noisy == []
    assert logging.getLogger("fontTools.subset").isEnabledFor(logging.WARNING)
