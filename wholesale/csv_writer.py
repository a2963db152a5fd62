"""CSV for spreadsheets: every export writes its rows through `CSVText`, so that no cell of
ours is run as a formula when the file is opened (CSV injection).

Following OWASP, a text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return
gets a leading apostrophe, which spreadsheets show as text and do not evaluate. Numbers are
left alone — Python numbers, and text that is a plain decimal number such as `-12.50` — so a
credit or an adjustment stays a number a spreadsheet can add up; a plain number cannot run
anything. (A prefixed cell reads back with its apostrophe: these files are for people.)
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def safe_cell(value: object) -> object:
    """`value` as a cell no spreadsheet evaluates; None is an empty cell."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal):  # bool is an int: True/False as written
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


class CSVText:
    """Rows in, CSV text out: all at once (`take()` at the end) or a piece at a time for a
    streamed response (`take()` after each batch of rows)."""

    def __init__(self) -> None:
        self._out = io.StringIO()
        self._writer = csv.writer(self._out, lineterminator="\r\n")

    def row(self, cells: Iterable[object]) -> None:
        self._writer.writerow([safe_cell(cell) for cell in cells])

    def take(self) -> str:
        """The text written since the last `take()`."""
        text = self._out.getvalue()
        self._out.seek(0)
        self._out.truncate()
        return text
