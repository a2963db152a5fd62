"""Links and addresses put in messages: the short link `/o/<code>` to an order, the reply
address `order+<signed token>@INBOUND_EMAIL_DOMAIN` and the signed unsubscribe links.

The reply token names the order and the recipient (`u12`: a user, `c5`: an order contact)
and carries an HMAC of both under the app's secret key; it is lower-case, since mail
systems may change the case of the local part."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from werkzeug.routing import BuildError

from messaging.chat.upsert import insert
from messaging.notifications.models import ShortLink
from wholesale.db import utcnow
from wholesale.extensions import db

REPLY_PREFIX = "order+"
_TOKEN = re.compile(r"^(\d+)\.([uc]\d+)\.([a-z2-7]{16})$")
_PO_TOKEN = re.compile(r"^(\d+)\.v(\d+)\.([a-z2-7]{16})$")
_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"]


# -- short links ---------------------------------------------------------------------------


def short_code(order_id: int) -> str:
    """The order's short link code (created on first use, in the current transaction)."""
    stmt = select(ShortLink.code).where(ShortLink.order_id == order_id)
    code = db.session.scalar(stmt)
    while not code:
        # ON CONFLICT DO NOTHING: a concurrent transaction may make the order's link first
        # (then it is read), and a new code may, rarely, be taken (then another is drawn).
        code = db.session.scalar(
            insert(ShortLink).values(code=_new_code(), order_id=order_id,
                                     created_at=utcnow())
            .on_conflict_do_nothing().returning(ShortLink.code)
        ) or db.session.scalar(stmt)
    return code


def _new_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(7))


def short_url(order_id: int) -> str:
    return f"{base_url()}/o/{short_code(order_id)}"


def order_page_path(order_id: int) -> str:
    """The order's page if the portal has one, else its chat thread."""
    adapter = current_app.url_map.bind("localhost")
    for endpoint in ("orders.detail", "orders.order", "orders.show", "fulfilment.order",
                     "portal.order"):
        if endpoint in current_app.view_functions:
            try:
                return adapter.build(endpoint, {"order_id": order_id})
            except BuildError:
                continue
    return thread_path(order_id)


def thread_path(order_id: int) -> str:
    return f"/inbox/{order_id}"


# -- reply addresses -----------------------------------------------------------------------


@dataclass(frozen=True)
class ReplyTarget:
    order_id: int
    recipient: str  # "u<id>" or "c<id>"

    @property
    def user_id(self) -> int | None:
        return int(self.recipient[1:]) if self.recipient.startswith("u") else None

    @property
    def contact_id(self) -> int | None:
        return int(self.recipient[1:]) if self.recipient.startswith("c") else None


def _sign(message: str) -> str:
    """The 16-character lower-case HMAC of a reply token, under the app's secret key."""
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, message.encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:10]).decode().lower()


def _mac(order_id: int, recipient: str) -> str:
    return _sign(f"reply:{order_id}:{recipient}")


def reply_token(order_id: int, recipient: str) -> str:
    return f"{order_id}.{recipient}.{_mac(order_id, recipient)}"


def reply_address(order_id: int, recipient: str) -> str:
    domain = current_app.config["INBOUND_EMAIL_DOMAIN"]
    return f"{REPLY_PREFIX}{reply_token(order_id, recipient)}@{domain}"


def _token_match(address: str, prefix: str, pattern: re.Pattern[str]) -> re.Match[str] | None:
    """The token of `<prefix><token>@INBOUND_EMAIL_DOMAIN` matched against `pattern`."""
    local, _, domain = address.strip().lower().rpartition("@")
    if domain != current_app.config["INBOUND_EMAIL_DOMAIN"] or not local.startswith(prefix):
        return None
    return pattern.match(local[len(prefix):])


def parse_reply_address(address: str) -> ReplyTarget | None:
    """The order and recipient of `order+<token>@INBOUND_EMAIL_DOMAIN`, if the token is ours."""
    match = _token_match(address, REPLY_PREFIX, _TOKEN)
    if not match:
        return None
    order_id, recipient, mac = int(match[1]), match[2], match[3]
    if not hmac.compare_digest(mac, _mac(order_id, recipient)):
        return None
    return ReplyTarget(order_id, recipient)


ACCOUNT_PREFIX = "acct+"


@dataclass(frozen=True)
class AccountReplyTarget:
    thread_id: int
    user_id: int


def _account_mac(thread_id: int, user_id: int) -> str:
    return _sign(f"acct-reply:{thread_id}:u{user_id}")


def account_reply_address(thread_id: int, user_id: int) -> str:
    """`acct+<token>@INBOUND_EMAIL_DOMAIN`: a reply lands in the account thread."""
    domain = current_app.config["INBOUND_EMAIL_DOMAIN"]
    return f"{ACCOUNT_PREFIX}{thread_id}.u{user_id}.{_account_mac(thread_id, user_id)}@{domain}"


def parse_account_reply_address(address: str) -> AccountReplyTarget | None:
    """The account thread and user of `acct+<token>@INBOUND_EMAIL_DOMAIN`, if ours."""
    match = _token_match(address, ACCOUNT_PREFIX, _TOKEN)
    if not match or not match[2].startswith("u"):
        return None
    thread_id, user_id, mac = int(match[1]), int(match[2][1:]), match[3]
    if not hmac.compare_digest(mac, _account_mac(thread_id, user_id)):
        return None
    return AccountReplyTarget(thread_id, user_id)


PO_PREFIX = "po+"


@dataclass(frozen=True)
class PurchaseOrderReplyTarget:
    purchase_order_id: int
    vendor_id: int


def _po_mac(po_id: int, vendor_id: int) -> str:
    return _sign(f"po-reply:{po_id}:v{vendor_id}")


def purchase_order_reply_address(po_id: int, vendor_id: int) -> str:
    """`po+<token>@INBOUND_EMAIL_DOMAIN`: the vendor's reply lands in the PO's thread."""
    domain = current_app.config["INBOUND_EMAIL_DOMAIN"]
    return f"{PO_PREFIX}{po_id}.v{vendor_id}.{_po_mac(po_id, vendor_id)}@{domain}"


def parse_purchase_order_reply_address(address: str) -> PurchaseOrderReplyTarget | None:
    """The purchase order and vendor of `po+<token>@INBOUND_EMAIL_DOMAIN`, if ours."""
    match = _token_match(address, PO_PREFIX, _PO_TOKEN)
    if not match:
        return None
    po_id, vendor_id, mac = int(match[1]), int(match[2]), match[3]
    if not hmac.compare_digest(mac, _po_mac(po_id, vendor_id)):
        return None
    return PurchaseOrderReplyTarget(po_id, vendor_id)


# -- unsubscribe ---------------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="notifications-unsubscribe")


def unsubscribe_token(recipient: str, event: str, channel: str) -> str:
    return _serializer().dumps([recipient, event, channel])


def unsubscribe_url(recipient: str, event: str, channel: str) -> str:
    return f"{base_url()}/notifications/unsubscribe/{unsubscribe_token(recipient, event, channel)}"


def parse_unsubscribe(token: str) -> tuple[str, str, str] | None:
    try:
        recipient, event, channel = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    return str(recipient), str(event), str(channel)
