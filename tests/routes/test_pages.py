"""The delivery-run pages: the dispatcher's day with its routes, stop lists and map data;
the route sheet PDF; the driver's view of their own dispatched run only."""

from __future__ import annotations

import io
import json
import re

from pypdf import PdfReader

from tests.conftest import login
from tests.routes.conftest import Day
from tests.routes.test_api import _plan, _vehicle
from wholesale.routes.pages import geo_link


def _run_data(html: str) -> dict:
    found = re.search(r'<script type="application/json" data-run-data>(.*?)</script>', html, re.S)
    assert found, html[:2000]
    return json.loads(found.group(1))


def test_the_dispatcher_sees_routes_and_prints_a_route_sheet(day: Day, api_as, client) -> None:
    api = api_as(day.shop.supplier_user)
    _vehicle(api, day, "Van 1", cases=5)
    _vehicle(api, day, "Van 2", cases=5, driver=day.other_driver)
    for n in range(4):
        day.order(day.customer(n))
    run = _plan(api, day)
    login(client, day.shop.supplier_user)
    page = client.get(f"/delivery-runs?date={day.day.isoformat()}"
                      f"&warehouse_id={day.shop.near.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Re-optimise" in html and f'data-dispatch="{run["id"]}"' in html
    data = _run_data(html)
    assert data["warehouse"]["lat"] and len(data["routes"]) == 2
    first = data["routes"][0]
    assert first["colour"] != data["routes"][1]["colour"]
    assert first["capacity_cases"] == 5 and first["cases"] == 2 * len(first["stops"])
    stop = first["stops"][0]
    assert stop["eta"] and stop["items"] == [
        {"sku": day.product.sku, "name": day.product.name, "quantity": 2,
         "unit": day.product.unit}]
    assert html.count('data-stop="') == 4 and "Route sheet (PDF)" in html

    sheet = client.get(f"/delivery-runs/routes/{first['id']}/sheet.pdf")
    assert sheet.status_code == 200 and sheet.mimetype == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(sheet.data)).pages)
    assert "ROUTE SHEET" in text and "Van 1" in text
    for s in first["stops"]:  # in order, each with its items and signature lines
        assert s["order_number"] in text
    positions = [text.index(s["buyer"]) for s in first["stops"]]
    assert positions == sorted(positions)
    assert text.count(f"2 case {day.product.sku}") == len(first["stops"])
    assert text.count("Received by (name)") == len(first["stops"])
    assert text.count("Signature and time") == len(first["stops"])


def test_the_driver_sees_only_their_dispatched_route(day: Day, api_as, client) -> None:
    api = api_as(day.shop.supplier_user)
    _vehicle(api, day, "Van 1", cases=40)
    order = day.order(day.customer(1))
    run = _plan(api, day)
    login(client, day.driver)
    assert "No dispatched run" in client.get("/driver").get_data(as_text=True)  # planned only
    assert client.get("/delivery-runs").status_code == 404  # not the dispatcher's page
    for page in ("/orders", "/board", "/catalog", "/inbox", "/customers", "/invoices",
                 "/settings/team", "/settings/tokens"):
        assert client.get(page).status_code == 404, page  # nothing but their run
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/driver")
    assert client.get("/settings/profile").status_code == 200
    assert api.post(f"/api/v1/runs/{run['id']}/dispatch").status_code == 200
    html = client.get("/driver").get_data(as_text=True)
    assert f'data-drop="{run["routes"][0]["stops"][0]["id"]}"' in html
    assert order.display_number in html and 'href="geo:' in html
    client.post("/logout")
    login(client, day.other_driver)
    assert "No dispatched run" in client.get("/driver").get_data(as_text=True)


def test_a_geo_link_carries_the_place() -> None:
    assert geo_link(37.7601, -122.4102, "Kitchen 1, 1 Main St") == (
        "geo:37.760100,-122.410200?q=37.760100,-122.410200(Kitchen%201%2C%201%20Main%20St)")
