"""The receiving-hours form of a delivery location: its buyer reaches it from their
locations, the supplier from the customer's page; errors are named by the form's labels and
save nothing; anyone else gets a 404."""

from __future__ import annotations

import re
from datetime import time

from sqlalchemy import select

from tests.conftest import login
from tests.routes.conftest import Day
from wholesale.extensions import db
from wholesale.routes import services
from wholesale.trading.models import TradingRelationship


def _form(**changes: str) -> dict[str, str]:
    data = {"service_minutes": "15", "receiving_notes": "Back door on 18th St",
            "d1_1_opens": "06:00", "d1_1_closes": "10:00",
            "d1_2_opens": "14:00", "d1_2_closes": "16:30",
            "d3_1_opens": "07:30", "d3_1_closes": "11:00"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_buyer_sets_receiving_hours_from_their_locations(day: Day, client) -> None:
    buyer, user, location = day.customer(1)
    db.session.commit()
    login(client, user)
    listing = client.get("/settings/locations").get_data(as_text=True)
    url = f"/locations/{location.id}/receiving"
    assert f'href="{url}"' in listing
    page = client.get(url)
    assert page.status_code == 200 and 'id="d1_1_opens"' in page.get_data(as_text=True)
    saved = client.post(url, data=_form())
    assert saved.status_code == 302, saved.get_data(as_text=True)[:3000]
    receiving = services.receiving_of(location)
    assert receiving["service_minutes"] == 15
    assert receiving["receiving_notes"] == "Back door on 18th St"
    assert [(w["weekday"], w["opens"], w["closes"]) for w in receiving["windows"]] == [
        (1, time(6), time(10)), (1, time(14), time(16, 30)), (3, time(7, 30), time(11))]
    shown = client.get(url).get_data(as_text=True)  # the saved hours fill the form again
    assert 'value="14:00"' in shown and 'value="16:30"' in shown and "18th St" in shown

    for changes, label, message in (
            ({"d2_1_opens": "09:00", "d2_1_closes": "08:00"}, "Tuesday closes",
             "Must be later than Tuesday opens."),
            ({"d1_2_opens": "09:00"}, "Monday 2nd opens", "Overlaps the 06:00–10:00 window."),
            ({"d5_1_opens": "07:00"}, "Friday closes",
             "Enter Friday closes too, or clear Friday opens."),
            ({"d6_1_opens": "7 am", "d6_1_closes": "09:00"}, "Saturday opens", "Not a valid"),
            ({"service_minutes": "300"}, "Service time (minutes)", "Must be between 0 and 240"),
            ({"service_minutes": ""}, "Service time (minutes)", "Enter the minutes")):
        refused = client.post(url, data=_form(**changes))
        html = refused.get_data(as_text=True)
        assert refused.status_code == 422, changes
        named = re.findall(r'<li><a href="#\w+">([^<]+)</a>: ([^<]+)</li>', html)
        assert [(label, message)] == [(n, m[:len(message)]) for n, m in named], named
        assert services.receiving_of(location) == receiving  # nothing saved

    cleared = client.post(url, data={"service_minutes": "10", "receiving_notes": ""})
    assert cleared.status_code == 302 and services.receiving_of(location)["windows"] == []


def test_the_supplier_sets_a_customer_s_hours_and_strangers_see_nothing(
        day: Day, client, factory) -> None:
    buyer, user, location = day.customer(2)
    services.set_windows(location, [(2, time(5), time(6))])
    stranger = factory.owner(factory.buyer("Stranger"))
    db.session.commit()
    login(client, day.shop.supplier_user)
    rel = db.session.scalars(select(TradingRelationship).where(
        TradingRelationship.buyer_id == buyer.id)).one()
    relationship = f"/customers/{rel.id}"
    assert f'href="{relationship}"' in client.get("/customers").get_data(as_text=True)
    page = client.get(relationship).get_data(as_text=True)
    url = f"/locations/{location.id}/receiving"
    assert f'href="{url}"' in page and location.name in page
    form = client.get(url).get_data(as_text=True)
    assert 'value="05:00"' in form and f'href="{relationship}"' in form  # back to the customer
    saved = client.post(url, data=_form(d2_1_opens="05:00", d2_1_closes="06:00"))
    assert saved.status_code == 302
    assert len(services.receiving_of(location)["windows"]) == 4

    client.get("/logout")
    login(client, stranger)
    assert client.get(url).status_code == 404
    assert client.post(url, data=_form()).status_code == 404
    client.get("/logout")
    login(client, day.driver)
    assert client.get(url).status_code == 404
    assert len(services.receiving_of(location)["windows"]) == 4
