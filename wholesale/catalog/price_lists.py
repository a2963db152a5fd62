"""Price lists: a buyer's terms with a supplier — a percentage off everything, and per
product a fixed price or a percentage off. `pricing` applies them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, insert, select

from wholesale.accounts.models import Organization
from wholesale.catalog.models import PriceList, PriceListItem, Product
from wholesale.errors import Forbidden, NotFound, ValidationFailed
from wholesale.extensions import db
from wholesale.trading.models import TradingRelationship


def _relationship(supplier: Organization, relationship_id: int) -> TradingRelationship:
    if not supplier.is_supplier:
        raise Forbidden("Only suppliers set price lists.")
    rel = db.session.scalars(
        select(TradingRelationship).where(TradingRelationship.id == relationship_id,
                                          TradingRelationship.supplier_id == supplier.id)
    ).first()
    if rel is None:
        raise NotFound("Customer not found.")
    return rel


def _list_of(rel: TradingRelationship) -> PriceList | None:
    return db.session.scalars(
        select(PriceList).where(PriceList.relationship_id == rel.id)).first()


def view(supplier: Organization, relationship_id: int) -> dict[str, Any]:
    """The price list of one of the supplier's customers (empty if none was set)."""
    rel = _relationship(supplier, relationship_id)
    price_list = _list_of(rel)
    items: list[dict[str, Any]] = []
    if price_list is not None:
        rows = db.session.execute(
            select(PriceListItem.product_id, PriceListItem.fixed_price,
                   PriceListItem.discount_percent, Product.sku, Product.name)
            .join(Product, Product.id == PriceListItem.product_id)
            .where(PriceListItem.price_list_id == price_list.id)
            .order_by(Product.sku)
        )
        items = [{"product_id": pid, "fixed_price": fixed, "discount_percent": pct,
                  "sku": sku, "name": name} for pid, fixed, pct, sku, name in rows]
    return {
        "relationship_id": rel.id,
        "buyer_id": rel.buyer_id,
        "buyer_name": rel.buyer.name,
        "name": price_list.name if price_list else "",
        "discount_percent": price_list.discount_percent if price_list else None,
        "items": items,
        "exists": price_list is not None,
    }


def replace(supplier: Organization, relationship_id: int, data: dict[str, Any]
            ) -> dict[str, Any]:
    """Set the whole price list (what is not listed any more is removed)."""
    rel = _relationship(supplier, relationship_id)
    items = data.get("items") or []
    wanted = [item["product_id"] for item in items]
    own = set(db.session.scalars(
        select(Product.id).where(Product.supplier_id == supplier.id,
                                 Product.id.in_(wanted)))) if wanted else set()
    errors: dict[str, list[str]] = {}
    seen: set[int] = set()
    for i, product_id in enumerate(wanted):
        if product_id not in own:
            errors[f"items.{i}.product_id"] = ["No such product in your catalog."]
        elif product_id in seen:
            errors[f"items.{i}.product_id"] = ["This product is listed twice."]
        seen.add(product_id)
    if errors:
        raise ValidationFailed(errors)
    price_list = _list_of(rel)
    if price_list is None:
        price_list = PriceList(relationship_id=rel.id)
        db.session.add(price_list)
    price_list.name = (data.get("name") or "").strip()
    price_list.discount_percent = data.get("discount_percent")
    db.session.flush()
    db.session.execute(delete(PriceListItem).where(PriceListItem.price_list_id == price_list.id))
    if items:
        db.session.execute(insert(PriceListItem), [
            {"price_list_id": price_list.id, "product_id": item["product_id"],
             "fixed_price": item.get("fixed_price"),
             "discount_percent": item.get("discount_percent")}
            for item in items
        ])
    db.session.expire(price_list, ["items"])
    db.session.flush()
    return view(supplier, relationship_id)


def product_ids_by_sku(supplier: Organization, skus: list[str]) -> dict[str, int]:
    """The supplier's product ids for these SKUs (keys lower-cased)."""
    wanted = {s.strip().lower() for s in skus if s.strip()}
    if not wanted:
        return {}
    rows = db.session.execute(
        select(Product.sku, Product.id).where(Product.supplier_id == supplier.id,
                                              func.lower(Product.sku).in_(wanted)))
    return {sku.lower(): pid for sku, pid in rows}


def summaries(supplier: Organization) -> list[dict[str, Any]]:
    """Each customer with its price list at a glance (for the price lists page)."""
    rels = list(db.session.scalars(
        select(TradingRelationship).where(TradingRelationship.supplier_id == supplier.id)
        .order_by(TradingRelationship.id)))
    lists = {pl.relationship_id: pl for pl in db.session.scalars(
        select(PriceList).where(PriceList.relationship_id.in_([r.id for r in rels])))}
    counts = dict(db.session.execute(
        select(PriceListItem.price_list_id, func.count(PriceListItem.id))
        .where(PriceListItem.price_list_id.in_([pl.id for pl in lists.values()]))
        .group_by(PriceListItem.price_list_id)).all()) if lists else {}
    return [{"relationship": rel, "price_list": lists.get(rel.id),
             "items": counts.get(lists[rel.id].id, 0) if rel.id in lists else 0}
            for rel in rels]
