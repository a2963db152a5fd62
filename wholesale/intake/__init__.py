"""Intake: reading a buyer's free-text message into a draft order (docs/intake.md).

`parser.parse()` is pure (catalog, history, aliases and rules in; `ParseResult` out) so it
runs in the request and in the bench without an app; `services.py` loads its inputs from
the database for a (supplier, buyer) pair and remembers corrections (`teach()`).
"""
