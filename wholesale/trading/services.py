"""Connecting suppliers with their buyers, and the terms of each relationship."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from wholesale import signals
from wholesale.accounts.models import Organization, OrgKind, User
from wholesale.errors import Forbidden, NotFound, ValidationFailed
from wholesale.extensions import db
from wholesale.trading.models import PaymentTerms, TradingRelationship


def connect(supplier: Organization, buyer: Organization) -> TradingRelationship:
    """The relationship between the two, created if it did not exist yet."""
    existing = db.session.scalars(
        select(TradingRelationship)
        .where(
            TradingRelationship.supplier_id == supplier.id, TradingRelationship.buyer_id == buyer.id
        )
        .execution_options(all_tenants=True)
    ).first()
    if existing is not None:
        return existing
    relationship = TradingRelationship(supplier=supplier, buyer=buyer)
    db.session.add(relationship)
    db.session.flush()
    signals.customer_connected.send(supplier, relationship=relationship)
    return relationship


def connect_customer(supplier_user: User, buyer_email: str) -> TradingRelationship:
    """Connect the buyer organization that `buyer_email` belongs to."""
    from wholesale.accounts.services import find_user_by_email, normalize_email

    supplier = supplier_user.organization
    if not supplier.is_supplier:
        raise Forbidden("Only suppliers add customers.")
    buyer_user = find_user_by_email(normalize_email(buyer_email, "buyer_email"))
    if buyer_user is None or buyer_user.organization.kind is not OrgKind.BUYER:
        raise ValidationFailed.one(
            "buyer_email",
            "No buyer organization on Ordertalk uses this email; invite them instead.",
        )
    return connect(supplier, buyer_user.organization)


def relationships_query(org: Organization) -> Select[tuple[TradingRelationship]]:
    """`org`'s relationships: its customers for a supplier, its suppliers for a buyer."""
    rel = TradingRelationship
    column = rel.supplier_id if org.is_supplier else rel.buyer_id
    return select(rel).where(column == org.id)


def relationships_of(org: Organization) -> list[TradingRelationship]:
    """With the other side loaded in the same query (a distributor has hundreds of
    customers: one query each made the order list run 400 statements)."""
    rel = TradingRelationship
    partner = rel.buyer if org.is_supplier else rel.supplier
    return list(db.session.scalars(relationships_query(org).options(joinedload(partner))
                                   .order_by(rel.id)))


class Partner(NamedTuple):
    id: int
    name: str


def partner_names(org: Organization) -> list[Partner]:
    """`org`'s customers (supplier) or suppliers (buyer), id and name only, by name: for a
    filter's choices, where loading hundreds of relationships and organizations as objects
    cost a list page more than its orders."""
    rel = TradingRelationship.__table__.c
    mine, theirs = ((rel.supplier_id, rel.buyer_id) if org.is_supplier
                    else (rel.buyer_id, rel.supplier_id))
    rows = db.session.execute(
        select(Organization.id, Organization.name).join_from(
            TradingRelationship, Organization, Organization.id == theirs)
        .where(mine == org.id))
    return sorted((Partner(*row) for row in rows), key=lambda p: p.name.lower())


def get_relationship(org: Organization, relationship_id: int) -> TradingRelationship:
    rel = db.session.scalars(
        select(TradingRelationship).where(
            TradingRelationship.id == relationship_id, TradingRelationship.supplier_id == org.id
        )
    ).first()
    if rel is None:
        raise NotFound("Customer not found.")
    return rel


def update_terms(rel: TradingRelationship, *, payment_terms: str, notes: str) -> None:
    rel.payment_terms = PaymentTerms(payment_terms)
    rel.notes = notes.strip()
