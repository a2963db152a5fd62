"""The standing-order pages: the supplier's settings (reminder lead time, closed dates, move
or skip) working end to end through the calendar and the scheduler; editing a standing order
in the portal (the buyer) and setting one up and editing it for a customer (the supplier's
staff), with the supplier's rules checked at save and errors named by the form's labels."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from tests.api.util import assert_error, commit
from tests.conftest import login
from tests.drafts.conftest import Shop
from tests.standing.conftest import body, next_monday
from wholesale.accounts.models import Role, User
from wholesale.catalog.models import Product
from wholesale.db import utcnow
from wholesale.extensions import db
from wholesale.orders.models import Order
from wholesale.standing import scheduler, services
from wholesale.standing.models import ClosedDay, StandingOccurrence, StandingOrder
from wholesale.tenancy import as_tenant

EVERYTHING = {"all_tenants": True, "populate_existing": True}


def _sign_in(client: FlaskClient, org_id: int) -> int:
    with as_tenant(None):
        owner = db.session.scalars(select(User).where(User.organization_id == org_id,
                                                      User.role == Role.OWNER)).one()
        owner_id = owner.id
        login(client, owner)
    commit()
    return owner_id


def _standing(standing_id: int) -> StandingOrder:
    with as_tenant(None):
        return db.session.get(StandingOrder, standing_id, execution_options=EVERYTHING)


def _occurrences(shop: Shop, standing_id: int) -> dict[str, dict[str, Any]]:
    items = shop.buyer.get(f"/api/v1/standing-orders/{standing_id}/occurrences?ahead=6").json
    return {o["date"]: o for o in items["items"]}


def _text(response: Any) -> str:
    """The page's text, tags and extra whitespace removed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


# -- the supplier's settings ---------------------------------------------------------------


def test_the_supplier_settings_work_end_to_end(shop: Shop, client: FlaskClient) -> None:
    monday = next_monday()
    tuesday, friday = monday + timedelta(days=1), monday + timedelta(days=4)
    so = shop.buyer.post("/api/v1/standing-orders", json=body(shop)).json
    calendar = services.calendar_for(shop.supplier_id)
    # The first Tuesday is on record already (its reminder went out, default 4 h).
    assert scheduler.run_due(calendar.remind_at(tuesday)).reminded == 1
    commit()
    _sign_in(client, shop.supplier_id)
    page = client.get("/standing-orders/settings")
    assert page.status_code == 200 and 'value="4"' in page.get_data(as_text=True)

    saved = client.post("/standing-orders/settings", data={
        "reminder_hours": "24", "closed_day": "skip",
        "closed_dates": f"{tuesday.isoformat()}\n\n{(friday + timedelta(days=7)).isoformat()}"})
    assert saved.status_code == 302, _text(saved)
    settings = services.settings_for(shop.supplier_id)
    assert (settings.reminder_hours, ClosedDay(settings.closed_day)) == (24, ClosedDay.SKIP)
    assert settings.closed_dates == [tuesday.isoformat(),
                                     (friday + timedelta(days=7)).isoformat()]
    days = _occurrences(shop, so["id"])
    assert days[tuesday.isoformat()]["status"] == "skipped"  # the row on record follows
    assert "doesn't deliver" in days[tuesday.isoformat()]["reason"]
    assert days[(friday + timedelta(days=7)).isoformat()]["status"] == "skipped"
    assert days[friday.isoformat()]["status"] == "upcoming"
    assert "Coming closed dates" in _text(client.get("/standing-orders/settings"))

    moved = client.post("/standing-orders/settings", data={
        "reminder_hours": "24", "closed_day": "move",
        "closed_dates": f"{tuesday.isoformat()}\n{(friday + timedelta(days=7)).isoformat()}"})
    assert moved.status_code == 302
    days = _occurrences(shop, so["id"])
    assert (days[tuesday.isoformat()]["status"], days[tuesday.isoformat()]["delivery_date"]) \
        == ("upcoming", (tuesday + timedelta(days=1)).isoformat())  # to Wednesday
    assert days[(friday + timedelta(days=7)).isoformat()]["delivery_date"] == (
        monday + timedelta(days=14)).isoformat()  # the Friday holiday: to the next Monday
    forecast = _text(client.get("/standing-orders"))
    assert f"{(tuesday + timedelta(days=1)):%A %b} {(tuesday + timedelta(days=1)).day}" \
        in forecast

    # The moved Tuesday is placed for Wednesday, at Wednesday's cut-off (not Tuesday's).
    calendar = services.calendar_for(shop.supplier_id)
    wednesday = tuesday + timedelta(days=1)
    assert scheduler.run_due(calendar.place_at(tuesday)).placed == 0
    assert scheduler.run_due(calendar.place_at(wednesday)).placed == 1
    row = _row(so["id"], tuesday)
    with as_tenant(None):
        order = db.session.get(Order, row.order_id)
        assert order.requested_delivery_date == wednesday
    # The reminder lead time: the Friday is reminded 24 h before its cut-off, not 25 h.
    cutoff = calendar.cutoff_at(friday)
    scheduler.run_due(cutoff - timedelta(hours=25))
    assert _row(so["id"], friday) is None or _row(so["id"], friday).reminded_at is None
    scheduler.run_due(cutoff - timedelta(hours=24))
    assert _row(so["id"], friday).reminded_at is not None


def _row(standing_id: int, day: date) -> StandingOccurrence | None:
    with as_tenant(None):
        return db.session.scalars(select(StandingOccurrence).where(
            StandingOccurrence.standing_order_id == standing_id,
            StandingOccurrence.scheduled_on == day).execution_options(**EVERYTHING)).first()


def test_bad_settings_are_refused_by_name_and_nothing_changes(shop: Shop,
                                                              client: FlaskClient) -> None:
    _sign_in(client, shop.supplier_id)
    refused = client.post("/standing-orders/settings", data={
        "reminder_hours": "-3", "closed_day": "move",
        "closed_dates": "2026-12-24\n2026-13-40\nChristmas"})
    assert refused.status_code == 422
    text = _text(refused)
    assert "Give a whole number of hours from 0 (no reminder) to 72" in text
    assert "line 2 (“2026-13-40”), line 3 (“Christmas”)" in text
    too_long = client.post("/standing-orders/settings", data={
        "reminder_hours": "100", "closed_day": "later", "closed_dates": ""})
    assert too_long.status_code == 422
    assert "Choose what a closed day does" in _text(too_long)
    settings = services.settings_for(shop.supplier_id)
    assert (settings.reminder_hours, settings.closed_dates) == (4, [])
    over = client.post("/standing-orders/settings", data={
        "reminder_hours": "100", "closed_day": "move", "closed_dates": ""})
    assert over.status_code == 422 and "to 72" in _text(over)
    assert services.settings_for(shop.supplier_id).reminder_hours == 4
    # No reminder at all (0): the scheduler sends none, and still places at the cut-off.
    assert client.post("/standing-orders/settings", data={
        "reminder_hours": "0", "closed_day": "move", "closed_dates": ""}).status_code == 302
    so = shop.buyer.post("/api/v1/standing-orders", json=body(shop)).json
    tuesday = next_monday() + timedelta(days=1)
    calendar = services.calendar_for(shop.supplier_id)
    assert calendar.remind_at(tuesday) is None
    counts = scheduler.run_due(calendar.place_at(tuesday))
    assert (counts.reminded, counts.placed) == (0, 1)
    assert _row(so["id"], tuesday).reminded_at is None


def test_only_a_supplier_has_the_settings_page(shop: Shop, client: FlaskClient) -> None:
    _sign_in(client, shop.buyer_id)
    assert client.get("/standing-orders/settings").status_code == 404
    assert client.post("/standing-orders/settings", data={"reminder_hours": "1"}
                       ).status_code == 404
    assert services.settings_for(shop.supplier_id).reminder_hours == 4


# -- editing in the portal -------------------------------------------------------------------


def _form(shop: Shop, lines: list[tuple[str, str]], **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"delivery_location_id": str(shop.location_id),
                            "weekdays": ["2", "5"], "every_weeks": "1",
                            "starts_on": next_monday().isoformat(), "ends_on": ""}
    for index, (sku, quantity) in enumerate(lines):
        data[f"product_{index}"] = str(shop.products[sku]) if sku else ""
        data[f"quantity_{index}"] = quantity
    data.update(fields)
    return data


def test_a_buyer_edits_a_standing_order(shop: Shop, client: FlaskClient) -> None:
    so = shop.buyer.post("/api/v1/standing-orders", json=body(shop)).json
    with as_tenant(None):
        db.session.get(Product, shop.products["EGG"]).min_order_qty = 2
    commit()
    _sign_in(client, shop.buyer_id)
    path = f"/standing-orders/{so['id']}/edit"
    page = client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="3"' in html and f'value="{next_monday().isoformat()}"' in html

    # Every problem at once, each named by its label; nothing saved.
    refused = client.post(path, data=_form(
        shop, [("LET-HRT", "3"), ("", ""), ("EGG", "1")], weekdays=["2", "6"],
        ends_on=(next_monday() - timedelta(days=1)).isoformat()))
    assert refused.status_code == 422
    text = _text(refused)
    assert "Delivery days: No deliveries on Saturdays" in text
    assert "Until: The end" in text and "is before the start" in text
    assert "Line 3: The minimum order for EGG is 2 case" in text  # the form's own row
    html = refused.get_data(as_text=True)  # shown again as typed, row for row
    assert 'name="quantity_2" inputmode="numeric" aria-label="Line 3: quantity" value="1"' \
        in html
    assert _standing(so["id"]).weekday_list == [2, 5]
    not_read = client.post(path, data=_form(shop, [("LET-HRT", "three")], every_weeks="9"))
    assert not_read.status_code == 422
    assert "Line 1: Choose a product and a whole quantity." in _text(not_read)
    assert 'value="three"' in not_read.get_data(as_text=True)
    assert "Every … weeks: Give a whole number of weeks from 1 to 8." in _text(not_read)

    until = next_monday() + timedelta(days=40)
    saved = client.post(path, data=_form(shop, [("", ""), ("LEM", "2"), ("EGG", "2")],
                                         weekdays=["1", "3"], ends_on=until.isoformat()))
    assert saved.status_code == 302, _text(saved)
    standing = _standing(so["id"])
    assert standing.weekday_list == [1, 3] and standing.ends_on == until
    assert standing.lines == [{"product_id": shop.products["LEM"], "quantity": 2},
                              {"product_id": shop.products["EGG"], "quantity": 2}]
    assert "Wednesday, every week" in _text(client.get("/standing-orders"))


def test_an_outsider_cannot_open_or_post_the_edit_page(shop: Shop, client: FlaskClient,
                                                       factory) -> None:
    so = shop.buyer.post("/api/v1/standing-orders", json=body(shop)).json
    stranger = factory.buyer("Elsewhere Bistro")
    db.session.flush()
    stranger_id = stranger.id
    commit()
    _sign_in(client, stranger_id)
    path = f"/standing-orders/{so['id']}/edit"
    assert client.get(path).status_code == 404
    assert client.post(path, data=_form(shop, [("LEM", "9")])).status_code == 404
    assert _standing(so["id"]).lines[0]["quantity"] == 3


def test_the_supplier_sets_one_up_and_edits_it_for_a_customer(shop: Shop,
                                                               client: FlaskClient) -> None:
    staff_id = _sign_in(client, shop.supplier_id)
    page = client.get("/standing-orders/new")
    assert page.status_code == 200
    text = _text(page)
    assert "For Bistro Verde" in text and "You deliver on" in text
    refused = client.post("/standing-orders/new", data={
        **_form(shop, [("LET-HRT", "3")], weekdays=["4"],
                ends_on=(next_monday() + timedelta(days=2)).isoformat()),
        "buyer_id": str(shop.buyer_id)})
    assert refused.status_code == 422
    assert "Delivery days: This schedule lands on no delivery day" in _text(refused)
    with as_tenant(None):
        assert db.session.scalars(select(StandingOrder)).all() == []

    created = client.post("/standing-orders/new", data={
        **_form(shop, [("LET-HRT", "4")]), "buyer_id": str(shop.buyer_id)})
    assert created.status_code == 302, _text(created)
    with as_tenant(None):
        [standing] = db.session.scalars(select(StandingOrder)).all()
        assert (standing.buyer_id, standing.supplier_id, standing.created_by_id) == (
            shop.buyer_id, shop.supplier_id, staff_id)
        standing_id = standing.id
    # The buyer sees it; the supplier edits it.
    assert [s["id"] for s in shop.buyer.get("/api/v1/standing-orders").json["items"]] == [
        standing_id]
    assert "Edit" in _text(client.get("/standing-orders"))
    edited = client.post(f"/standing-orders/{standing_id}/edit",
                         data=_form(shop, [("LET-HRT", "6")], weekdays=["5"]))
    assert edited.status_code == 302, _text(edited)
    assert _standing(standing_id).lines[0]["quantity"] == 6
    assert _standing(standing_id).weekday_list == [5]
    # Not a customer of this supplier: 404, nothing saved.
    assert client.post("/standing-orders/new", data={
        **_form(shop, [("LET-HRT", "4")]), "buyer_id": "999999"}).status_code == 404


def test_a_pause_needs_no_check_but_resuming_does(shop: Shop) -> None:
    so = shop.buyer.post("/api/v1/standing-orders", json=body(shop)).json
    with as_tenant(None):
        db.session.get(Product, shop.products["LEM"]).archived_at = utcnow()
    commit()
    path = f"/api/v1/standing-orders/{so['id']}"
    paused = shop.buyer.patch(path, json={"paused": True})
    assert paused.status_code == 200 and paused.json["paused"] is True
    error = assert_error(shop.buyer.patch(path, json={"paused": False}), 422,
                         "validation_error", ("lines.1.product_id",))
    assert "no longer sold" in error["fields"]["lines.1.product_id"][0]
    assert shop.buyer.get(path).json["paused"] is True
