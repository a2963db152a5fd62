"""Listing one's threads for the API: order threads and account threads alike, each with
the time of the last message one may see and one's unread count."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from messaging.chat import services
from messaging.chat.access import Person
from messaging.chat.models import Thread, ThreadKind
from messaging.chat.payloads import iso
from wholesale.api.pagination import Page, paginate
from wholesale.tenancy import as_tenant


def page(person: Person, query: dict[str, Any]) -> Page:
    """One page of `person`'s threads by id (the tenant filter keeps to its organization's)."""
    stmt = select(Thread)
    if query.get("kind"):
        stmt = stmt.where(Thread.kind == ThreadKind(query["kind"]))
    with as_tenant(person.organization_id):
        found = paginate(stmt, Thread.id, query)
    unread = services.unread_by_thread(person, [t.id for t in found.items])
    return Page([_item(t, unread.get(t.id, 0), person) for t in found.items],
                found.next_cursor)


def _item(thread: Thread, unread: int, person: Person) -> dict[str, Any]:
    supplier = thread.supplier_id == person.organization_id  # notes count for the supplier
    last = thread.last_message_at if supplier else thread.last_public_message_at
    return {
        "id": thread.id,
        "kind": thread.kind.value,
        "order_id": thread.order_id,
        "supplier_id": thread.supplier_id,
        "buyer_id": thread.buyer_id,
        "unread": unread,
        "last_message_at": iso(last),
    }
