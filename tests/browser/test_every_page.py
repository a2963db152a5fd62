"""Every page of the portal in Chromium, for everyone who can open it (signed out, the
supplier, the buyer and the driver), at 1280 and 390 px: the page never scrolls sideways,
nothing sticks out of (or is cut off by) its card, and axe-core finds no WCAG 2.1 AA
violation.

The pages come from the app's URL map — every GET route outside the API — with their ids
taken from the demo world, so a new page is walked without touching this file. A route that
no one can open, or that is neither a page nor listed below as a download, fragment or
redirect, fails the test.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, url_for
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy import func, select

from messaging.chat.models import Thread
from messaging.notifications.links import unsubscribe_token
from tests.conftest import ROOT, save_screenshot, signed_in_page
from tests.factories import Factory
from wholesale.accounts import services as accounts
from wholesale.accounts.models import InvitationKind, User
from wholesale.demo import BUYER_EMAIL, DEMO_PASSWORD, SUPPLIER_EMAIL, seed_demo
from wholesale.demo_routes import DRIVER_EMAIL
from wholesale.extensions import db
from wholesale.fulfilment.models import ChangeStatus, DeliveryChange
from wholesale.invoicing.models import Invoice
from wholesale.orders import carts
from wholesale.orders.models import Order, OrderLine
from wholesale.routes import services as runs
from wholesale.routes.models import Run, RunStatus
from wholesale.sites.models import DeliveryLocation, Warehouse
from wholesale.standing.models import StandingOrder
from wholesale.tenancy import as_tenant
from wholesale.trading.models import TradingRelationship

AXE = ROOT / "static" / "vendor" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WIDTHS = (390, 1280)  # a page is loaded as a phone opens it, then widened

# GET routes that are not pages, each with why: they are not walked (and must not turn out
# to be a page, nor a page turn into one of these unnoticed).
NOT_PAGES = {
    "static": "files",
    "health.healthz": "the load balancer's check",
    "catalog.export": "a CSV download",
    "catalog.image": "an image",
    "invoicing.credit_note_pdf": "a PDF download",
    "invoicing.pdf": "a PDF download",
    "invoicing.export_csv": "a CSV download",
    "orders.export_csv": "a CSV download",
    "orders.import_sample": "a CSV download",
    "routes.sheet": "a PDF download",
    "fulfilment.shipment_label": "a PDF download",
    "fulfilment.shipment_slip": "a PDF download (a shipment's slip and its label)",
    "orders.live": "HTML fragments the order page swaps in live",
    "fulfilment.pod_photo": "an image",
    "fulfilment.packing_slips": "a print document (its own stylesheet, for paper)",
    "fulfilment.pick_list": "a print document (its own stylesheet, for paper)",
    "inbox.attachment": "a message's attachment",
    "inbox.rows": "an HTML fragment the inbox fetches",
    "inbox.drafts": "an HTML fragment the inbox fetches",
    "inbox.unread": "JSON the navigation badge fetches",
    "fulfilment.order_page": "a redirect to the order page (orders.detail)",
    "inbox.account": "a redirect to the account thread (inbox.thread_by_id)",
    "notifications.short_link": "a redirect to the order (an SMS's short link)",
    "notifications.dev_outbox_html": "an email's HTML, shown in the dev outbox's frame",
    "notifications.dev_preview_html": "an email's HTML, shown in the dev outbox's frame",
    "notifications.dev_outbox_attachment": "an email's attachment",
}


@dataclass
class World:
    """The demo world: the id each route argument takes for a role (or for everyone, "*";
    `endpoint.argument` before `argument`)."""

    ids: dict[str, dict[str, Any]] = field(default_factory=dict)

    def urls(self, app: Flask, endpoint: str, arguments: set[str], role: str) -> list[str]:
        """The route's URLs for `role` (an id given as a list: one URL per id)."""
        values = {a: next((ids[key] for ids in (self.ids[role], self.ids["*"])
                           for key in (f"{endpoint}.{a}", a) if key in ids), None)
                  for a in arguments}
        missing = [a for a, v in values.items() if v is None]
        assert not missing or role != "supplier", f"{endpoint}: no id for {missing}"
        if missing:
            return []
        combos: list[dict[str, Any]] = [{}]
        for name, value in values.items():
            combos = [{**c, name: v} for c in combos
                      for v in (value if isinstance(value, list) else [value])]
        with app.test_request_context():
            return [url_for(endpoint, **c) for c in combos]


def _build_world(app: Flask, factory: Factory) -> World:
    """The demo data, its run dispatched (the driver's day), and what the demo lacks (a
    purchase order, an invitation)."""
    supplier, buyer = seed_demo()
    owner = _user(SUPPLIER_EMAIL)
    warehouse = db.session.scalar(select(Warehouse.id).where(Warehouse.supplier_id == supplier.id)
                                  .execution_options(all_tenants=True))
    api = {"Authorization": f"Bearer {factory.token(owner)}"}
    run = db.session.scalars(select(Run).where(Run.status == RunStatus.PLANNED)
                             .execution_options(all_tenants=True)).first()
    if run is not None:
        runs.dispatch(run, owner)
    relationship = db.session.scalars(select(TradingRelationship).where(
        TradingRelationship.supplier_id == supplier.id,
        TradingRelationship.buyer_id == buyer.id).execution_options(all_tenants=True)).one()
    # The order with the most lines, and one with a delivery change waiting: the order pages'
    # fullest cases.
    widest = db.session.scalars(
        select(Order).join(OrderLine).where(Order.supplier_id == supplier.id,
                                             Order.buyer_id == buyer.id)
        .group_by(Order.id).order_by(func.count(OrderLine.id).desc(), Order.id)
        .execution_options(all_tenants=True)).first()
    changed = db.session.scalar(select(DeliveryChange.order_id).where(
        DeliveryChange.status == ChangeStatus.PENDING).execution_options(all_tenants=True))
    invoice = db.session.scalar(select(Invoice.id).where(Invoice.supplier_id == supplier.id)
                                .execution_options(all_tenants=True))
    product = widest.lines[0].product_id
    buyer_owner = _user(BUYER_EMAIL)
    with as_tenant(buyer.id):  # something in the cart: the checkout page
        carts.add_to_cart(buyer_owner, product, 2)
    unsubscribe = unsubscribe_token(f"u{buyer_owner.id}", "order_shipped", "email")
    db.session.commit()
    vendor = app.test_client().post("/api/v1/vendors", headers=api, json={
        "name": "Valley Farms", "email": "orders@valley.test", "lead_days": 2,
        "items": [{"product_id": product, "pack_size": 6, "cost": "4.00", "currency": "USD"}]})
    assert vendor.status_code == 201, vendor.json
    purchase = app.test_client().post("/api/v1/purchase-orders", headers=api, json={
        "vendor_id": vendor.json["id"], "warehouse_id": warehouse,
        "lines": [{"product_id": product, "quantity": 12}]})
    assert purchase.status_code == 201, purchase.json
    token, _ = accounts.invite(owner, "new-kitchen@demo.ordertalk.test", InvitationKind.BUYER)
    location = db.session.scalar(select(DeliveryLocation.id).where(
        DeliveryLocation.buyer_id == buyer.id).execution_options(all_tenants=True))
    standing = db.session.scalar(select(StandingOrder.id).where(
        StandingOrder.buyer_id == buyer.id).execution_options(all_tenants=True))
    thread = db.session.scalar(select(Thread.id).where(Thread.order_id.is_(None))
                               .execution_options(all_tenants=True))
    common = {
        "product_id": product, "relationship_id": relationship.id,
        "order_id": sorted({widest.id, changed} - {None}),
        "invoice_id": invoice, "po_id": purchase.json["id"], "thread_id": thread,
        "vendor_id": vendor.json["id"], "location_id": location, "standing_id": standing,
        "accounts.accept_invitation.token": token, "notifications.unsubscribe.token": unsubscribe,
    }
    partners = {"supplier": buyer.id, "buyer": supplier.id}
    db.session.commit()  # and no more reads: on SQLite they would keep the server waiting
    return World({
        "*": common,
        "anonymous": {},
        "supplier": {"partner_id": partners["supplier"]},
        "buyer": {"partner_id": partners["buyer"]},
        "driver": {},
    })


def _user(email: str) -> User:
    return db.session.scalars(select(User).where(User.email == email)
                              .execution_options(all_tenants=True)).one()


def _routes(app: Flask) -> dict[str, tuple[str, set[str]]]:
    """Endpoint → (rule, arguments) of every GET route that is not the API's."""
    found: dict[str, tuple[str, set[str]]] = {}
    for rule in app.url_map.iter_rules():
        if "GET" in (rule.methods or ()) and not rule.rule.startswith("/api/"):
            found[rule.endpoint] = (rule.rule, set(rule.arguments))
    return found


OVERFLOW_JS = """
(wide) => {
  const problems = [];
  const root = document.scrollingElement;
  if (root.scrollWidth > root.clientWidth) {
    problems.push(`the page scrolls sideways (${root.scrollWidth} > ${root.clientWidth} px)`);
  }
  const name = (el) => el.tagName.toLowerCase() + (el.id ? `#${el.id}` : "") +
    [...el.classList].slice(0, 2).map((c) => `.${c}`).join("") +
    ` "${(el.innerText || el.value || "").trim().slice(0, 30)}"`;
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 1 && r.height > 1 && el.checkVisibility({visibilityProperty: true}) &&
      !el.closest("[aria-hidden=true]") ? r : null;
  };
  // An element's own box, and the boxes of the text in it (text can run out of a box
  // that stays inside its card: a long unbroken email address), unless the element cuts
  // its own text short (an ellipsis).
  const extents = function* (el) {
    yield el.getBoundingClientRect();
    if (getComputedStyle(el).overflowX !== "visible") return;
    for (const node of el.childNodes) {
      if (node.nodeType === Node.TEXT_NODE && node.data.trim()) {
        const range = document.createRange();
        range.selectNodeContents(node);
        yield* range.getClientRects();
      }
    }
  };
  // The boxes that hold content in: cards (what sticks out of one shows over the page), and
  // anything that cuts its content off sideways (overflow hidden: the rest is lost) or
  // scrolls it (fine on a phone, not at 1280).
  const boxes = [];
  const seen = new Set();  // the same fault on every card of a list is told once
  for (const el of document.body.querySelectorAll("*")) {
    const style = getComputedStyle(el);
    const x = style.overflowX;
    const clips = (x === "hidden" || x === "clip") && style.textOverflow !== "ellipsis";
    const scrolls = (x === "auto" || x === "scroll") && el !== root;
    if (el.classList.contains("card") || clips || (scrolls && wide)) {
      boxes.push([el, scrolls ? "scrolls sideways in" : clips ? "is cut off by" : "sticks out of"]);
    }
  }
  for (const [box, how] of boxes) {
    const outer = shown(box);
    if (!outer || (how === "is cut off by" && outer.width <= 2)) continue;  // visually hidden
    for (const el of box.querySelectorAll("*")) {
      if (!shown(el) || getComputedStyle(el).position === "fixed") continue;
      const r = [...extents(el)].find(
        (e) => e.width > 0 && (e.right > outer.right + 1 || e.left < outer.left - 1));
      if (!r) continue;
      // Inside a box of its own that scrolls (a phone's wide table): that box is judged.
      let own = el.parentElement;
      while (own !== box && !["auto", "scroll", "hidden", "clip"].includes(
        getComputedStyle(own).overflowX)) own = own.parentElement;
      if (own !== box) continue;
      const what = `${name(el)} ${how} ${name(box).split(" ")[0]}`;
      if (!seen.has(what)) {
        seen.add(what);
        problems.push(`${what} (${Math.round(r.left)}–${Math.round(r.right)} outside ` +
                      `${Math.round(outer.left)}–${Math.round(outer.right)})`);
      }
      break;
    }
  }
  return problems;
}
"""

AXE_JS = """
async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                          resultTypes: ["violations"]});
  return result.violations.map((v) =>
    `${v.id} (${v.impact}): ${v.help} — ` +
    v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ") +
    (v.nodes.length > 3 ? ` and ${v.nodes.length - 3} more` : ""));
}
"""


def _is_page(response: Any) -> bool:
    return (response.status == 200
            and response.headers.get("content-type", "").startswith("text/html")
            and response.text()[:200].lstrip().lower().startswith("<!doctype html"))


def _check(page: Any, label: str) -> list[str]:
    """Overflow at both widths and axe at both (the phone layout hides and shows other
    things); the page is loaded once, at 390 px, and widened."""
    problems: list[str] = []
    page.add_script_tag(url="/static/vendor/axe.min.js")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_function("(w) => window.innerWidth === w", arg=width)
        found = [f"{width}px overflow: {p}" for p in page.evaluate(OVERFLOW_JS, width >= 900)]
        found += [f"{width}px axe: {v}" for v in page.evaluate(AXE_JS, AXE_TAGS)]
        if found:
            slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
            save_screenshot(page, f"walk-{slug}-{width}")
        problems += [f"{label}: {p}" for p in found]
    return problems


def test_every_page_fits_and_passes_axe(app, browser, live_server, live_db) -> None:
    assert AXE.is_file(), "static/vendor/axe.min.js is missing: run scripts/vendor-assets.sh"
    started = time.monotonic()
    world = _build_world(app, live_db)
    print(f"seeded in {time.monotonic() - started:.0f} s")
    routes = _routes(app)
    unknown = set(NOT_PAGES) - set(routes)
    assert not unknown, f"NOT_PAGES lists routes that are gone: {sorted(unknown)}"

    pages = {"anonymous": browser.new_context(base_url=live_server.url).new_page()}
    for role, email, lands_on in (("supplier", SUPPLIER_EMAIL, "/"),
                                  ("buyer", BUYER_EMAIL, "/"),
                                  ("driver", DRIVER_EMAIL, "/driver")):
        pages[role] = signed_in_page(browser, live_server, email, password=DEMO_PASSWORD,
                                     lands_on=lands_on, timeout_ms=30_000)
    opened: dict[str, list[str]] = {}
    not_pages: dict[str, str] = {}
    problems: list[str] = []
    timings: list[tuple[float, str]] = []
    visits = [(endpoint, rule, role, url)
              for endpoint, (rule, arguments) in sorted(routes.items(), key=lambda r: r[1][0])
              if endpoint not in NOT_PAGES
              for role in pages for url in world.urls(app, endpoint, arguments, role)]
    for endpoint, rule, role, url in visits:
        page, label, t0 = pages[role], f"{url} ({rule}) as {role}", time.monotonic()
        # Asked first without rendering: most (route, role) pairs are another role's 404 or
        # a redirect to sign in, and drawing each of those in the browser is most of the walk.
        probe = page.request.get(url, max_redirects=0)
        if probe.status != 200:
            continue  # not this role's page (404), or a redirect away (sign in first)
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        try:
            response = page.goto(url)
        except PlaywrightError as error:  # a download
            not_pages[endpoint] = str(error).splitlines()[0]
            continue
        if response.status != 200 or response.url != live_server.url + url:
            continue  # not this role's page (404), or a redirect away (sign in first)
        if not _is_page(response):
            not_pages[endpoint] = response.headers.get("content-type", "")
            continue
        opened.setdefault(endpoint, []).append(role)
        problems += _check(page, label)
        timings.append((time.monotonic() - t0, label))
    for role, page in pages.items():  # the error page, signed in and out
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        page.goto("/no-such-page")
        problems += _check(page, f"the 404 page as {role}")
    for page in pages.values():
        page.context.close()

    print(f"{sum(t for t, _ in timings):.0f} s in pages; slowest:", sorted(timings)[-8:])
    walked = set(opened) | set(NOT_PAGES)
    assert not not_pages, f"routes answered with something else than a page: {not_pages}"
    assert set(routes) <= walked, (
        f"no one could open {sorted(set(routes) - walked)}: give them ids in _build_world")
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
    print(f"walked {sum(map(len, opened.values()))} pages of {len(opened)} routes in "
          f"{time.monotonic() - started:.0f} s")
