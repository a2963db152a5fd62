"""Invoicing (issue 7): invoices issued from shipped quantities, numbered per supplier
without gaps, taxes, payment terms and due dates, payments and their allocation, credit
notes, statements and aging, reminders, credit limits with holds, the PDF, the API and the
pages. See docs/invoicing.md.

Everything it announces goes through `wholesale.signals` (invoice_issued, invoice_overdue,
invoice_reminder_due, ...): `messaging` turns those into emails and chat events.
"""
