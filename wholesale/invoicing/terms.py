"""Payment terms → due dates.

- due on receipt: the issue date;
- Net N (7, 15, 30, 60): N calendar days after the issue date;
- end of month: the last day of the month the invoice is issued in (an invoice issued on
  the 31st of January is due the same day; one issued in February 2024 is due the 29th).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from wholesale.trading.models import PaymentTerms

_NET_DAYS = {
    PaymentTerms.NET_7: 7,
    PaymentTerms.NET_15: 15,
    PaymentTerms.NET_30: 30,
    PaymentTerms.NET_60: 60,
}


def due_date(issued: date, terms: PaymentTerms | str) -> date:
    terms = PaymentTerms(terms)
    if terms is PaymentTerms.DUE_ON_RECEIPT:
        return issued
    if terms is PaymentTerms.END_OF_MONTH:
        return end_of_month(issued)
    return issued + timedelta(days=_NET_DAYS[terms])


def end_of_month(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])
