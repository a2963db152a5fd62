"""Helpers: the people of an order (both organizations' staff, an extra contact), the
providers' request signing, and reading notifications back."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from messaging.notifications.models import Channel, Notification, Status
from tests.chat.util import make_order
from tests.factories import Factory
from wholesale.accounts.models import Organization, User
from wholesale.extensions import db
from wholesale.orders.models import Order, OrderContact, OrderLine
from wholesale.tenancy import as_tenant

TWILIO_SID = "AC" + "1" * 32
TWILIO_TOKEN = "twilio-test-auth-token"
SENDGRID_KEY = "SG.test-key"


@dataclass
class Cast:
    supplier: Organization
    buyer: Organization
    supplier_owner: User
    supplier_staff: User
    buyer_owner: User
    buyer_staff: User
    order: Order
    contact: OrderContact


def make_cast(factory: Factory, *, n: int = 0) -> Cast:
    supplier, buyer = factory.supplier("Golden Gate Produce"), factory.buyer("Bistro Nord")
    factory.connect(supplier, buyer)
    supplier_owner, buyer_owner = factory.owner(supplier), factory.owner(buyer)
    supplier_owner.phone = f"+1 415 555 02{n:02d}"
    buyer_owner.phone = f"(415) 555-01{n:02d}"
    supplier_staff = factory.user(supplier)
    buyer_staff = factory.user(buyer)
    order = make_order(factory, supplier, buyer, placed_by=buyer_owner)
    product_line(order)
    contact = OrderContact(order_id=order.id, name="Rita Receiving",
                           email=f"receiving{n}@bistro.test", phone=f"415-555-03{n:02d}")
    db.session.add(contact)
    db.session.flush()
    return Cast(supplier, buyer, supplier_owner, supplier_staff, buyer_owner, buyer_staff,
                order, contact)


def product_line(order: Order) -> None:
    from wholesale.catalog.models import Product

    product = db.session.scalars(select(Product).where(
        Product.supplier_id == order.supplier_id)).first()
    if product is None:
        return
    db.session.add(OrderLine(order_id=order.id, product_id=product.id, sku=product.sku,
                             name=product.name, unit="case", quantity=2,
                             unit_price=Decimal("10"), line_total=Decimal("20")))


def notifications(**where: Any) -> list[Notification]:
    stmt = select(Notification).order_by(Notification.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(Notification, key) == value)
    with as_tenant(None):
        return list(db.session.scalars(stmt.execution_options(populate_existing=True)))


def addressed(rows: list[Notification]) -> set[tuple[str, str]]:
    """{(channel, address)} of some notifications."""
    return {(n.channel.value, n.address) for n in rows}


def pending(rows: list[Notification]) -> list[Notification]:
    return [n for n in rows if n.status is Status.PENDING]


def emails(rows: list[Notification]) -> list[Notification]:
    return [n for n in rows if n.channel is Channel.EMAIL]


# -- signing as the providers do -------------------------------------------------------------


def twilio_signature(token: str, url: str, params: dict[str, str]) -> str:
    """Twilio's X-Twilio-Signature: HMAC-SHA1 over the URL then each POST parameter (sorted
    by name) as name+value, base64."""
    data = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()
                            ).decode()


class SendGridSigner:
    """SendGrid's signed Event Webhook: ECDSA P-256 with SHA-256 over timestamp + body; the
    public key is given to the app as base64 DER (what the SendGrid console shows)."""

    def __init__(self) -> None:
        from cryptography.hazmat.primitives.asymmetric import ec

        self.private_key = ec.generate_private_key(ec.SECP256R1())

    @property
    def public_key(self) -> str:
        from cryptography.hazmat.primitives import serialization

        der = self.private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        return base64.b64encode(der).decode()

    def sign(self, timestamp: str, body: bytes) -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        signature = self.private_key.sign(timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
        return base64.b64encode(signature).decode()
