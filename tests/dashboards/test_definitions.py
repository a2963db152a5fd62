"""Every figure on both dashboards carries its definition (a "?" button described by a
tip), money shows its currency, and a figure without data says "—" and why (#18.10)."""

from __future__ import annotations

import html
import re

from tests.conftest import login
from tests.dashboards.test_numbers import world  # noqa: F401 - the fixed data set
from tests.orders.conftest import build_shop
from wholesale.dashboards import buyer, supplier
from wholesale.extensions import db
from wholesale.orders.placement import place_order

AT = "/?at=2025-03-14T18:00:00%2B00:00"
AMOUNT = re.compile(r"\d[\d,]*\.\d\d(?! [A-Z]{3})")
BUTTON = re.compile(r'<button type="button" class="dash-info"[^>]*aria-describedby="def-([^"]+)"')
TIP = re.compile(r'<span class="dash-def" id="def-([^"]+)" role="tooltip">([^<]*)</span>')
KPI = re.compile(r'data-kpi="([^"]+)"><a class="dash-kpi__link" [^>]*>(.*?)</a>'
                 r'<button type="button" class="dash-info"[^>]*aria-describedby="def-([^"]+)"')


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _content(client, user, path: str = AT) -> str:
    login(client, user)
    page = client.get(path).get_data(as_text=True)
    return page[page.index("<main"):page.index("</main>")]


def _check_definitions(page: str, definitions: dict[str, str]) -> None:
    """Every "?" button is described by its own tip, which holds the figure's definition,
    and every definition is on the page."""
    described = BUTTON.findall(page)
    tips = {key: html.unescape(text) for key, text in TIP.findall(page)}
    assert sorted(described) == sorted(tips) == sorted(definitions)
    assert tips == definitions


def _figures(page: str) -> str:
    start = page.index('class="dash-kpis"')
    return _text(page[start:page.index('id="dashboard-data"')])


def test_every_supplier_figure_is_defined_and_money_has_its_currency(world, client  # noqa: F811
                                                                      ) -> None:
    shop, _ = world
    db.session.commit()
    page = _content(client, shop.supplier_user)
    _check_definitions(page, supplier.DEFINITIONS)
    kpis = KPI.findall(page)
    assert len(kpis) == 9 and all(key == described for key, _, described in kpis)
    figures = _figures(page)
    assert "17.00 USD" in figures and "34.00 USD" in figures  # overdue, last week invoiced
    assert not AMOUNT.findall(figures), "an amount without its currency"


def test_every_buyer_figure_is_defined_and_money_has_its_currency(world, client  # noqa: F811
                                                                   ) -> None:
    shop, _ = world
    db.session.commit()
    page = _content(client, shop.buyer_user)
    _check_definitions(page, buyer.DEFINITIONS)
    kpis = dict((key, _text(body)) for key, body, _ in KPI.findall(page))
    assert set(kpis) == {"open", "due"} and "54.40 USD" in kpis["due"]
    figures = _figures(page)
    assert "59.40 USD" in figures  # March's spend
    assert not AMOUNT.findall(figures), "an amount without its currency"


def test_a_figure_without_data_shows_a_dash_and_why(client, factory) -> None:
    shop = build_shop(factory)
    product = shop.product({shop.near: 20}, price="5.00")
    place_order(**shop.place_kwargs((product, 2)))  # due later: nothing to fill yet
    db.session.commit()
    kpis = {key: _text(body) for key, body, _ in
            KPI.findall(_content(client, shop.supplier_user, "/"))}
    for key in ("fill", "to-ship", "on-time"):
        assert kpis[key] == f"— {supplier.NO_DATA[key]}"
