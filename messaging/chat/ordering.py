"""Chat-first ordering in the account thread: a buyer's message is read by the intake
(wholesale/drafts), and what happened to the draft shows up in the thread — a draft card
(an event message), the live `draft` socket event for both sides — and goes back to the
buyer on the channel the message came by (messaging/notifications/draft_replies.py)."""

from __future__ import annotations

from typing import Any

from messaging.chat import outbox
from messaging.chat.access import Access, ThreadRef, ensure_account_thread, ensure_thread, ref_of
from messaging.chat.models import Side, ThreadKind
from messaging.chat.rooms import org_rooms
from wholesale import signals
from wholesale.accounts.models import User
from wholesale.drafts import services as drafts
from wholesale.drafts.models import DraftSource, OrderDraft
from wholesale.drafts.payloads import draft_payload
from wholesale.extensions import db
from wholesale.orders.models import Order
from wholesale.standing import replies as standing_replies

SOURCES = {"chat": DraftSource.CHAT, "sms": DraftSource.SMS, "email": DraftSource.EMAIL,
           "api": DraftSource.API}

# The sentence under each change, in the thread (the card shows the rest).
HEADLINES = {
    "opened": "Draft order from your message",
    "replaced": "New draft (replaces the earlier one)",
    "amended": "Draft updated",
    "answered": "Draft updated",
    "updated": "Draft corrected by the supplier",
    "sent_back": "The supplier corrected the draft: please confirm",
    "confirmed": "Order placed",
    "confirm_failed": "The order couldn't be placed yet",
    "discarded": "Draft discarded",
    "expired": "Draft expired",
}


def reads(access: Access) -> bool:
    """Does a text by this person in this thread go through the intake?"""
    return access.thread.kind is ThreadKind.ACCOUNT and access.side is Side.BUYER


def read_message(access: Access, message: dict[str, Any], source: str) -> None:
    """Hand a buyer's account-thread message to the drafts service; answer what needs an
    answer that no draft change carries (a YES with no draft waiting)."""
    author = db.session.get(User, access.actor.id)
    assert author is not None
    ref = access.thread
    # A reply to a standing order's reminder changes that occurrence (precedence rule:
    # wholesale/standing/replies.py); anything else goes to the drafts.
    answer = standing_replies.read_reply(supplier_id=ref.supplier_id, buyer_id=ref.buyer_id,
                                         text=message["body"], author_name=author.name)
    if answer is not None:
        reply(ref, answer, source=source, to=author)
        return
    outcome = drafts.read_buyer_message(
        author=author, supplier_id=ref.supplier_id, buyer_id=ref.buyer_id,
        text=message["body"], source=SOURCES.get(source, DraftSource.CHAT),
        thread_id=ref.thread_id, message_id=message["id"])
    if outcome.reply:
        reply(ref, outcome.reply, source=source, to=author)


def reply(ref: ThreadRef, text: str, *, source: str, to: User) -> None:
    """Ordertalk's answer in the thread, and by SMS or email when the buyer wrote that way."""
    from messaging.chat import services
    from messaging.notifications import draft_replies

    services.post_thread_event(ref, event_type="intake_reply", body=text)
    draft_replies.send_text(ref, to, text, source)


def _on_draft_changed(_sender: Any, draft: OrderDraft | None = None, change: str = "",
                      actor: User | None = None, note: str | None = None,
                      order: Order | None = None, **_kwargs: Any) -> None:
    """Show a draft's change in its account thread, live, and tell the buyer."""
    from messaging.chat import services
    from messaging.notifications import draft_replies

    if draft is None:
        return
    thread = ensure_account_thread(draft.supplier_id, draft.buyer_id)
    if draft.thread_id is None:
        draft.thread_id = thread.id
    ref = ref_of(thread)
    payload = draft_payload(draft)
    outbox.queue("draft", {"change": change, "draft": payload},
                 org_rooms(draft.supplier_id, draft.buyer_id))
    body = HEADLINES.get(change, "Draft changed")
    if note:
        body += f": {note}"
    if order is not None:
        body += f" \u2014 order {order.display_number}"
    services.post_thread_event(ref, event_type="draft", body=body, data={
        "draft_id": draft.id, "change": change, "status": draft.status.value,
        "order_id": draft.order_id, "note": note})
    if order is not None:
        _link_order_thread(order, draft)
    draft_replies.send_draft(draft, change, payload, note=note, actor=actor, order=order)


def _link_order_thread(order: Order, draft: OrderDraft) -> None:
    """The order's own thread starts with where it came from."""
    from messaging.chat import services

    services.post_thread_event(
        ref_of(ensure_thread(order)), event_type="from_conversation",
        body=f"Placed from a message in the account conversation: \u201c{draft.text[:300]}\u201d",
        data={"draft_id": draft.id, "thread_id": draft.thread_id})


def subscribe() -> None:
    signals.draft_changed.connect(_on_draft_changed, weak=False)
