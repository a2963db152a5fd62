"""Ordering rules: cut-off in the supplier's time zone (DST included), delivery days, lead
days, quantities (MOQ, multiples), minimum order value, and the rules API."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest

from tests.catalog.util import assert_error, commit, product
from wholesale.errors import ValidationFailed
from wholesale.orders.rules import (
    check_delivery_date,
    check_line_quantity,
    check_min_order_value,
    default_rules,
    earliest_delivery_date,
    rules_for,
    valid_delivery_dates,
)


def rules(days="1,2,3,4,5", cutoff=time(14, 0), zone="America/Los_Angeles", lead=1,
          minimum="0"):
    r = default_rules(1)
    r.delivery_days, r.cutoff_time, r.timezone, r.lead_days = days, cutoff, zone, lead
    r.min_order_value = Decimal(minimum)
    return r


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def test_before_and_after_the_cutoff():
    r = rules()
    # Tuesday 2025-06-10, 13:59 in Los Angeles (PDT, UTC-7) → Wednesday
    assert earliest_delivery_date(r, utc(2025, 6, 10, 20, 59)) == date(2025, 6, 11)
    # 14:00 exactly is too late → the order counts for Wednesday → Thursday
    assert earliest_delivery_date(r, utc(2025, 6, 10, 21, 0)) == date(2025, 6, 12)


def test_the_cutoff_follows_daylight_saving_time():
    r = rules(zone="America/New_York")
    # Monday 2025-03-10, the day after clocks went forward: 18:30 UTC is 14:30 EDT (too late);
    # a fixed UTC-5 offset would wrongly call it 13:30.
    assert earliest_delivery_date(r, utc(2025, 3, 10, 18, 30)) == date(2025, 3, 12)
    assert earliest_delivery_date(r, utc(2025, 3, 10, 17, 59)) == date(2025, 3, 11)
    # Friday 2025-03-07, still EST (UTC-5): 18:30 UTC is 13:30, before the cut-off
    assert earliest_delivery_date(r, utc(2025, 3, 7, 18, 30)) == date(2025, 3, 10)
    # On the DST day itself (Sunday 9 March, PDT from 02:00): 21:30 UTC is 14:30 PDT
    la = rules(days="1,2,3,4,5,6,7")
    assert earliest_delivery_date(la, utc(2025, 3, 9, 21, 30)) == date(2025, 3, 11)
    assert earliest_delivery_date(la, utc(2025, 3, 9, 20, 30)) == date(2025, 3, 10)


def test_the_suppliers_date_not_utcs():
    # 23:00 UTC on Sunday is already Monday 11:00 in Auckland (before its cut-off)
    r = rules(zone="Pacific/Auckland")
    assert earliest_delivery_date(r, utc(2025, 6, 8, 23, 0)) == date(2025, 6, 10)


def test_weekends_and_delivery_days_are_skipped():
    r = rules()
    # Friday 2025-06-13 after cut-off → counts for Saturday → +1 = Sunday → Monday
    assert earliest_delivery_date(r, utc(2025, 6, 13, 22, 0)) == date(2025, 6, 16)
    tue_thu = rules(days="2,4")
    assert valid_delivery_dates(tue_thu, utc(2025, 6, 9, 15, 0), 4) == [
        date(2025, 6, 10), date(2025, 6, 12), date(2025, 6, 17), date(2025, 6, 19)]


def test_lead_days():
    monday_morning = utc(2025, 6, 9, 15, 0)  # 08:00 in Los Angeles
    assert earliest_delivery_date(rules(lead=0), monday_morning) == date(2025, 6, 9)
    assert earliest_delivery_date(rules(lead=3), monday_morning) == date(2025, 6, 12)
    assert earliest_delivery_date(rules(lead=5), monday_morning) == date(2025, 6, 16)


def test_check_delivery_date_names_the_earliest_date():
    r = rules()
    now = utc(2025, 6, 10, 22, 0)  # Tuesday after cut-off → Thursday 12 June
    check_delivery_date(r, date(2025, 6, 12), now)
    with pytest.raises(ValidationFailed) as too_early:
        check_delivery_date(r, date(2025, 6, 11), now)
    message = too_early.value.fields["requested_delivery_date"][0]
    assert "2025-06-12" in message and "Thursday" in message
    with pytest.raises(ValidationFailed) as weekend:
        check_delivery_date(r, date(2025, 6, 14), now)
    message = weekend.value.fields["requested_delivery_date"][0]
    assert "Saturday" in message and "2025-06-16" in message
    with pytest.raises(ValidationFailed) as past:
        check_delivery_date(r, date(2020, 1, 1), now)
    assert "requested_delivery_date" in past.value.fields
    with pytest.raises(ValidationFailed):
        check_delivery_date(r, date(2027, 6, 14), now)  # more than a year ahead


def test_rules_for_gives_defaults_without_a_row(factory):
    supplier = factory.supplier()
    r = rules_for(supplier.id)
    assert r.delivery_days == "1,2,3,4,5" and r.cutoff_time == time(14, 0)
    assert r.lead_days == 1 and r.min_order_value == Decimal("0")


def test_line_quantity_checks(factory):
    supplier = factory.supplier()
    item = product(supplier, sku="EGG-30", unit="tray", min_order_qty=5, order_multiple=2)
    check_line_quantity(item, 6, "lines.0")
    check_line_quantity(item, 100, "lines.0")
    cases = [
        (0, "at least 1"),
        (-4, "at least 1"),
        (True, "whole number"),
        (2.0, "whole number"),
        ("6", "whole number"),
        (4, "minimum order for EGG-30 is 5 tray; order at least 6"),
        (7, "multiples of 2 tray; try 6 or 8"),
        (10_000_000, "at most"),
    ]
    for quantity, text in cases:
        with pytest.raises(ValidationFailed) as info:
            check_line_quantity(item, quantity, "lines.3")
        assert list(info.value.fields) == ["lines.3.quantity"], quantity
        assert text in info.value.fields["lines.3.quantity"][0], (quantity, info.value.fields)
    with pytest.raises(ValidationFailed) as info:
        check_line_quantity(item, 3, "lines.1.quantity")
    assert list(info.value.fields) == ["lines.1.quantity"]
    with pytest.raises(ValidationFailed) as info:
        check_line_quantity(item, 3, "")
    assert list(info.value.fields) == ["quantity"]


def test_min_order_value():
    r = rules(minimum="150.00")
    check_min_order_value(r, Decimal("150.00"))
    with pytest.raises(ValidationFailed) as info:
        check_min_order_value(r, Decimal("120.50"))
    message = info.value.fields["lines"][0]
    assert "150.00 USD" in message and "29.50" in message


# -- API ------------------------------------------------------------------------------------

RULES = {"delivery_days": [1, 3, 5], "cutoff_time": "11:30", "timezone": "Europe/Paris",
         "lead_days": 2, "min_order_value": "250.00"}


def test_the_rules_api(api_as, factory):
    supplier = factory.supplier()
    client = api_as(factory.owner(supplier))
    commit()
    initial = client.get("/api/v1/ordering-rules")
    assert initial.status_code == 200
    assert initial.json["delivery_days"] == [1, 2, 3, 4, 5]
    assert initial.json["cutoff_time"] == "14:00"
    saved = client.open("PUT", "/api/v1/ordering-rules", json=RULES)
    assert saved.status_code == 200, saved.json
    assert saved.json["delivery_days"] == [1, 3, 5]
    assert saved.json["timezone"] == "Europe/Paris" and saved.json["min_order_value"] == "250.00"
    assert len(saved.json["next_delivery_dates"]) == 10
    assert all(date.fromisoformat(d).isoweekday() in (1, 3, 5)
               for d in saved.json["next_delivery_dates"])
    assert client.get("/api/v1/ordering-rules").json == saved.json
    assert rules_for(supplier.id).cutoff_time == time(11, 30)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"delivery_days": []}, "delivery_days"),
        ({"delivery_days": [0]}, "delivery_days.0"),
        ({"delivery_days": [8]}, "delivery_days.0"),
        ({"delivery_days": "1,2"}, "delivery_days"),
        ({"cutoff_time": "25:00"}, "cutoff_time"),
        ({"cutoff_time": "2pm"}, "cutoff_time"),
        ({"cutoff_time": 14}, "cutoff_time"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"lead_days": -1}, "lead_days"),
        ({"lead_days": 61}, "lead_days"),
        ({"min_order_value": "-5"}, "min_order_value"),
        ({"min_order_value": "1.005"}, "min_order_value"),
        ({"currency": "EURO"}, "currency"),
    ],
)
def test_bad_rules_are_422_and_change_nothing(api_as, factory, changes, field):
    client = api_as(factory.owner(factory.supplier()))
    commit()
    response = client.open("PUT", "/api/v1/ordering-rules", json={**RULES, **changes})
    assert_error(response, 422, "validation_error", (field,))
    assert client.get("/api/v1/ordering-rules").json["cutoff_time"] == "14:00"


def test_buyers_may_not_set_rules(api_as, factory):
    client = api_as(factory.owner(factory.buyer()))
    commit()
    assert_error(client.open("PUT", "/api/v1/ordering-rules", json=RULES), 403)
