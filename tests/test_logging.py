"""`make run` output stays readable: the libraries' INFO chatter (fontTools logs every font
subset a PDF makes) is off once the app is built; the app's own lines and the libraries'
warnings still show."""

from __future__ import annotations

import logging

from messaging.providers import OutboundMessage
from messaging.providers.console import ConsoleProvider
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


def test_the_console_provider_sends_quietly(app, caplog):
    """The dev outbox page shows what the console provider "sent"; `make run` does not
    print a line per message (the demo's first start sends hundreds)."""
    caplog.set_level(logging.INFO)
    result = ConsoleProvider("email").send(OutboundMessage(
        notification_id=7, channel="email", to="ana@bistro.test", text="Hi", subject="Hi"))
    assert result.delivered
    assert [r for r in caplog.records if r.levelno >= logging.INFO] == []
