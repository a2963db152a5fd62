"""The supplier's invoice settings, per-product tax rates, the buyer's billing profile and
credit limits: read with defaults, validated and saved."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from wholesale.accounts.models import Organization, Role, User
from wholesale.accounts.services import is_email
from wholesale.catalog.models import Product
from wholesale.errors import NotFound, ValidationFailed
from wholesale.extensions import db
from wholesale.invoicing.models import (
    BillingProfile,
    CreditLimit,
    InvoiceBasis,
    InvoiceSettings,
    ProductTaxRate,
)
from wholesale.trading.models import TradingRelationship

MAX_RATE = Decimal("100")
SETTINGS_TEXT = {"legal_name": 200, "address": 1000, "tax_id": 64, "billing_email": 254,
                 "tax_label": 40, "payment_instructions": 2000}


def settings_for(supplier_id: int) -> InvoiceSettings:
    """The supplier's settings, or the defaults (not added to the session)."""
    found = db.session.scalars(select(InvoiceSettings)
                               .where(InvoiceSettings.supplier_id == supplier_id)
                               .execution_options(all_tenants=True)).first()
    if found is not None:
        return found
    return InvoiceSettings(supplier_id=supplier_id, legal_name="", address="", tax_id="",
                           billing_email="", tax_rate=Decimal("0"), tax_label="Sales tax",
                           payment_instructions="", basis=InvoiceBasis.SHIPMENT,
                           auto_issue=False, remind_days_before=3, remind_on_due=True,
                           remind_every_days_after=7)


def parse_rate(value: Any, field: str) -> Decimal:
    try:
        rate = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed.one(field, "Give the rate in percent, e.g. 8.25.") from None
    if not rate.is_finite() or rate < 0 or rate > MAX_RATE:
        raise ValidationFailed.one(field, "Give a rate between 0 and 100 percent.")
    if rate != rate.quantize(Decimal("0.001")):
        raise ValidationFailed.one(field, "Use at most three decimals.")
    return rate


def update_settings(supplier: Organization, data: Mapping[str, Any]) -> InvoiceSettings:
    """Save the fields given; 422 naming every bad field, nothing changed."""
    changes: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, limit in SETTINGS_TEXT.items():
        if name in data:
            value = (data[name] or "").strip()
            if len(value) > limit:
                errors[name] = [f"Keep it under {limit} characters."]
            elif name == "billing_email" and value and not is_email(value):
                errors[name] = ["Enter an email address."]
            else:
                changes[name] = value
    if "tax_rate" in data:
        try:
            changes["tax_rate"] = parse_rate(data["tax_rate"], "tax_rate")
        except ValidationFailed as exc:
            errors.update(exc.fields)
    if "basis" in data:
        try:
            changes["basis"] = InvoiceBasis(data["basis"])
        except ValueError:
            errors["basis"] = ["Choose per shipment or per order."]
    for name in ("auto_issue", "remind_on_due"):
        if name in data:
            changes[name] = bool(data[name])
    for name in ("remind_days_before", "remind_every_days_after"):
        if name in data:
            value = data[name]
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 90:
                errors[name] = ["A number of days from 0 (never) to 90."]
            else:
                changes[name] = value
    if errors:
        raise ValidationFailed(errors, "Some settings are invalid: "
                               + next(iter(errors.values()))[0])
    current = settings_for(supplier.id)
    for name, value in changes.items():
        setattr(current, name, value)
    if current not in db.session:
        db.session.add(current)
    db.session.flush()
    return current


def product_rates(supplier_id: int, product_ids: Iterable[int]) -> dict[int, Decimal]:
    ids = list(set(product_ids))
    if not ids:
        return {}
    stmt = (select(ProductTaxRate.product_id, ProductTaxRate.rate)
            .where(ProductTaxRate.supplier_id == supplier_id,
                   ProductTaxRate.product_id.in_(ids))
            .execution_options(all_tenants=True))
    return {row[0]: row[1] for row in db.session.execute(stmt)}


def set_product_rate(supplier: Organization, product_id: int, rate: Any) -> None:
    """A product's own rate; `None` or "" goes back to the supplier's rate."""
    product = db.session.scalars(select(Product).where(
        Product.id == product_id, Product.supplier_id == supplier.id)
        .execution_options(all_tenants=True)).first()
    if product is None:
        raise NotFound("Product not found.")
    existing = db.session.get(ProductTaxRate, product_id)
    if rate is None or (isinstance(rate, str) and not rate.strip()):
        if existing is not None:
            db.session.delete(existing)
    else:
        value = parse_rate(rate, "rate")
        if existing is None:
            db.session.add(ProductTaxRate(product_id=product_id, supplier_id=supplier.id,
                                          rate=value))
        else:
            existing.rate = value
    db.session.flush()


# -- the buyer's billing profile -------------------------------------------------------------


def billing_profile_for(buyer_id: int) -> BillingProfile | None:
    return db.session.scalars(select(BillingProfile).where(BillingProfile.buyer_id == buyer_id)
                              .execution_options(all_tenants=True)).first()


def update_billing(buyer: Organization, data: Mapping[str, Any]) -> BillingProfile:
    profile = billing_profile_for(buyer.id) or BillingProfile(
        buyer_id=buyer.id, legal_name="", address="", tax_id="", emails="")
    errors: dict[str, list[str]] = {}
    for name, limit in (("legal_name", 200), ("address", 1000), ("tax_id", 64)):
        if name in data:
            value = (data[name] or "").strip()
            if len(value) > limit:
                errors[name] = [f"Keep it under {limit} characters."]
            else:
                setattr(profile, name, value)
    if "emails" in data:
        emails = [e.strip().lower() for e in re.split(r"[,\s;]+", data["emails"] or "")
                  if e.strip()]
        bad = [e for e in emails if not is_email(e) or len(e) > 254]
        if bad:
            errors["emails"] = [f"Not an email address: {bad[0]}"]
        elif len(emails) > 10:
            errors["emails"] = ["At most 10 addresses."]
        else:
            profile.emails = ", ".join(dict.fromkeys(emails))
    if errors:
        raise ValidationFailed(errors, "Some billing details are invalid: "
                               + next(iter(errors.values()))[0])
    if profile not in db.session:
        db.session.add(profile)
    db.session.flush()
    return profile


def billing_emails(buyer: Organization) -> list[str]:
    """Who receives the buyer's invoices: its billing addresses, else its owners."""
    profile = billing_profile_for(buyer.id)
    if profile is not None and profile.email_list:
        return profile.email_list
    users = db.session.scalars(select(User).where(
        User.organization_id == buyer.id, User.role == Role.OWNER,
        User.deactivated_at.is_(None)).execution_options(all_tenants=True))
    return [user.email for user in users]


def bill_to(buyer: Organization) -> dict[str, Any]:
    profile = billing_profile_for(buyer.id)
    return {
        "name": (profile.legal_name if profile and profile.legal_name else buyer.name),
        "address": profile.address if profile else "",
        "tax_id": profile.tax_id if profile else "",
        "emails": billing_emails(buyer),
    }


def seller(supplier: Organization, current: InvoiceSettings) -> dict[str, Any]:
    return {
        "name": current.legal_name or supplier.name,
        "trading_name": supplier.name,
        "address": current.address,
        "tax_id": current.tax_id,
        "email": current.billing_email,
        "payment_instructions": current.payment_instructions,
        "tax_label": current.tax_label or "Tax",
    }


# -- credit limits --------------------------------------------------------------------------


def relationship_between(supplier_id: int, buyer_id: int) -> TradingRelationship | None:
    return db.session.scalars(select(TradingRelationship).where(
        TradingRelationship.supplier_id == supplier_id,
        TradingRelationship.buyer_id == buyer_id).execution_options(all_tenants=True)).first()


def credit_limit_of(supplier_id: int, buyer_id: int) -> Decimal | None:
    return db.session.scalars(select(CreditLimit.amount).where(
        CreditLimit.supplier_id == supplier_id, CreditLimit.buyer_id == buyer_id)
        .execution_options(all_tenants=True)).first()


def set_credit_limit(supplier: Organization, relationship_id: int, amount: Any
                     ) -> TradingRelationship:
    """`None`/"" removes the limit; otherwise a non-negative amount."""
    rel = db.session.scalars(select(TradingRelationship).where(
        TradingRelationship.id == relationship_id,
        TradingRelationship.supplier_id == supplier.id)
        .execution_options(all_tenants=True)).first()
    if rel is None:
        raise NotFound("Customer not found.")
    existing = db.session.get(CreditLimit, rel.id)
    if amount is None or (isinstance(amount, str) and not amount.strip()):
        if existing is not None:
            db.session.delete(existing)
        db.session.flush()
        return rel
    try:
        value = Decimal(str(amount).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed.one("amount", "Give an amount, e.g. 5000.") from None
    if not value.is_finite() or value < 0 or value > Decimal("9999999999"):
        raise ValidationFailed.one("amount", "Give an amount of 0 or more.")
    value = value.quantize(Decimal("0.01"))
    if existing is None:
        db.session.add(CreditLimit(relationship_id=rel.id, supplier_id=supplier.id,
                                   buyer_id=rel.buyer_id, amount=value))
    else:
        existing.amount = value
    db.session.flush()
    return rel
