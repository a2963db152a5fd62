"""What the order page's fulfilment partials show one person: where the order stands, its
timeline, and the actions their side may take now. Templates get it with
`fulfilment_panel(order)` (a template global), so any order page can include the partials:

    {% include "fulfilment/_status_panel.html" %}
    {% include "fulfilment/_actions.html" %}
    {% include "fulfilment/_timeline.html" %}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_login import current_user
from sqlalchemy import select

from wholesale.accounts.models import User
from wholesale.db import utcnow
from wholesale.errors import DomainError
from wholesale.extensions import db
from wholesale.fulfilment import labels, late, machine, reservations
from wholesale.fulfilment.models import (
    ChangeStatus,
    DeliveryChange,
    EventKind,
    OrderEvent,
    Shipment,
    Side,
)
from wholesale.orders import rules
from wholesale.orders.models import Order, OrderLine, OrderStatus
from wholesale.sites.models import DeliveryLocation


@dataclass(frozen=True)
class Step:
    status: OrderStatus
    label: str
    state: str  # "done", "current" or "todo"


@dataclass(frozen=True)
class ShipLine:
    line: OrderLine
    can: int
    shipped: int
    waiting: int


@dataclass(frozen=True)
class Primary:
    """The one button for this side's next step: a plain move posted at once, or the id of
    the form it opens (shipping and delivery ask for details)."""

    label: str
    move: OrderStatus | None = None
    opens: str | None = None


MOVE_LABELS = {OrderStatus.RECEIVED: "Mark received", OrderStatus.PICKING: "Start picking",
               OrderStatus.PACKED: "Mark packed"}

# What the top of the order says this side does next, by status.
_NEXT = {
    "supplier": {
        OrderStatus.PLACED: "New order: mark it received so the buyer knows you have it.",
        OrderStatus.RECEIVED: "Received: start picking when you are ready.",
        OrderStatus.PICKING: "Picking: mark it packed when it is boxed.",
        OrderStatus.PACKED: "Packed: record the shipment when it leaves.",
        OrderStatus.SHIPPED: "On its way: confirm the delivery.",
    },
    "buyer": {
        OrderStatus.PLACED: "Waiting for the supplier to receive it.",
        OrderStatus.RECEIVED: "The supplier has it and will pick it next.",
        OrderStatus.PICKING: "The supplier is picking it.",
        OrderStatus.PACKED: "Packed, about to ship.",
        OrderStatus.SHIPPED: "On its way: confirm when it arrives.",
    },
}


@dataclass
class Panel:
    order: Order
    user: User
    side: Side
    due: date
    late: bool
    days_late: int
    steps: list[Step]
    moves: list[OrderStatus]
    ship_lines: list[ShipLine]
    pending: DeliveryChange | None
    events: list[OrderEvent]
    locations: list[DeliveryLocation] = field(default_factory=list)
    delivery_dates: list[date] = field(default_factory=list)

    @property
    def is_supplier(self) -> bool:
        return self.side is Side.SUPPLIER

    @property
    def open(self) -> bool:
        return self.order.status in machine.OPEN

    @property
    def can_ship(self) -> bool:
        return self.is_supplier and self.open and any(s.can for s in self.ship_lines)

    @property
    def can_delay(self) -> bool:
        return self.is_supplier and self.order.status in late.CAN_BE_LATE

    @property
    def can_expedite(self) -> bool:
        return self.open and self.order.expedited_at is None

    @property
    def can_deliver(self) -> bool:
        return OrderStatus.DELIVERED in self.moves

    @property
    def can_request_change(self) -> bool:
        return self.open and self.pending is None

    @property
    def can_answer(self) -> bool:
        return self.pending is not None and self.pending.requested_side is not self.side

    @property
    def transition_moves(self) -> list[OrderStatus]:
        """Buttons for plain moves (delivery and cancel have their own forms)."""
        return [m for m in self.moves if m not in (OrderStatus.DELIVERED, OrderStatus.CANCELLED)]

    @property
    def can_cancel(self) -> bool:
        return OrderStatus.CANCELLED in self.moves

    @property
    def waiting_units(self) -> int:
        return sum(s.waiting for s in self.ship_lines)

    @property
    def shipped_units(self) -> int:
        return sum(s.shipped for s in self.ship_lines)

    @property
    def primary(self) -> Primary | None:
        moves = self.transition_moves
        if moves:
            return Primary(MOVE_LABELS.get(moves[0], moves[0].value.capitalize()), move=moves[0])
        if self.can_ship and self.order.status is OrderStatus.PACKED:
            return Primary("Ship", opens="act-ship")
        if self.can_deliver:
            return Primary("Mark delivered" if self.is_supplier else "Confirm receipt",
                           opens="act-deliver")
        return None

    @property
    def menu_items(self) -> list[tuple[str, str]]:
        """The "More actions" menu: (id of the form it opens, label), without the form the
        primary button opens."""
        opened = self.primary.opens if self.primary else None
        items = [
            ("act-note", "Next step with a note…", bool(self.transition_moves)),
            ("act-ship", "Record a shipment…", self.can_ship),
            ("act-carrier", "Ship by carrier…", self.can_ship),
            ("act-deliver", "Mark delivered…", self.can_deliver),
            ("act-delay", "Post a delay…", self.can_delay),
            ("act-change", "Ask to change the delivery…", self.can_request_change),
            ("act-expedite", "Expedite…", self.can_expedite),
            ("act-cancel", "Cancel the order…", self.can_cancel),
        ]
        return [(target, label) for target, label, shown in items
                if shown and target != opened]

    @property
    def next_hint(self) -> str:
        if self.order.status is OrderStatus.PACKED and self.is_supplier and not self.can_ship:
            return "Packed, but nothing is reserved to ship yet: waiting for stock."
        return _NEXT[self.side.value].get(self.order.status,
                                          f"This order is {self.order.status.value}.")

    @property
    def how_placed(self) -> str:
        """" by phone", " through the API"…; empty for the portal."""
        return _CHANNELS.get(self.order.channel.value, "")

    @property
    def placed_title(self) -> str:
        """The timeline's first entry: the placement (not an event of its own)."""
        order = self.order
        how = self.how_placed
        if order.backorder_of is not None:
            return f"Backorder opened for what {order.backorder_of.display_number} " \
                   "could not reserve"
        return f"Order placed{how} for delivery on {_day(order.requested_delivery_date)}"

    def parcels(self) -> list[dict[str, str]]:
        """The carrier form's starting parcels (one per case of what would ship), or none
        when the catalog lacks a weight (the supplier types them)."""
        try:
            return [{key: format(getattr(p, key).normalize(), "f")
                     for key in ("weight_kg", "length_cm", "width_cm", "height_cm")}
                    for p in labels.default_parcels(self.order)]
        except DomainError:
            return []

    def refundable(self, shipment: Shipment) -> bool:
        return self.is_supplier and labels.refundable(shipment)

    def pod_photo(self, event: OrderEvent) -> bool:
        return bool((event.data or {}).get("pod_photo"))

    def describe(self, event: OrderEvent) -> str:
        return describe(event)


_CHANNELS = {"api": " through the API", "csv": " from a CSV file", "phone": " by phone",
             "chat": " by message", "sms": " by text message", "email": " by email",
             "standing": " by a standing order"}

STEP_LABELS = {
    OrderStatus.PLACED: "Placed", OrderStatus.RECEIVED: "Received",
    OrderStatus.PICKING: "Picking", OrderStatus.PACKED: "Packed",
    OrderStatus.SHIPPED: "Shipped", OrderStatus.DELIVERED: "Delivered",
}


def _steps(order: Order) -> list[Step]:
    if order.status is OrderStatus.CANCELLED:
        reached = {e.from_status for e in order.events if e.to_status is OrderStatus.CANCELLED}
        last = next(iter(reached), OrderStatus.PLACED) or OrderStatus.PLACED
        index = machine.FLOW.index(last)
        return [Step(s, STEP_LABELS[s], "done" if i <= index else "todo")
                for i, s in enumerate(machine.FLOW)]
    index = machine.FLOW.index(order.status)
    return [Step(s, STEP_LABELS[s], "done" if i < index else "current" if i == index else "todo")
            for i, s in enumerate(machine.FLOW)]


def build(order: Order, user: User | None = None) -> Panel:
    user = user or current_user._get_current_object()
    side = Side.SUPPLIER if user.organization_id == order.supplier_id else Side.BUYER
    today = late.supplier_today(order.supplier_id)
    pending = next((c for c in order.delivery_changes if c.status is ChangeStatus.PENDING),
                   None)
    panel = Panel(
        order=order, user=user, side=side, due=late.due_date(order),
        late=late.is_late(order, today), days_late=late.days_late(order, today),
        steps=_steps(order), moves=machine.allowed_moves(order, side),
        ship_lines=[ShipLine(line, reservations.unshipped_reserved(line),
                             reservations.shipped_of(line), reservations.waiting(line))
                    for line in order.lines],
        pending=pending, events=list(reversed(order.events)),
    )
    if panel.can_request_change:
        panel.locations = list(db.session.scalars(
            select(DeliveryLocation).where(DeliveryLocation.buyer_id == order.buyer_id)
            .order_by(DeliveryLocation.name).execution_options(all_tenants=True)))
        panel.delivery_dates = rules.valid_delivery_dates(rules.rules_for(order.supplier_id),
                                                          utcnow(), 20)
    return panel


def _day(value: object) -> str:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, date):
        return f"{value:%a %b} {value.day}"
    return ""


def describe(event: OrderEvent) -> str:
    """One line saying what happened (the note, if any, is shown under it)."""
    data = event.data or {}
    kind = event.kind
    if kind is EventKind.STATUS and event.to_status is not None:
        return {
            OrderStatus.RECEIVED: "Order received by the supplier",
            OrderStatus.PICKING: "Picking started",
            OrderStatus.PACKED: "Packed",
            OrderStatus.SHIPPED: "Shipped: everything is on its way",
            OrderStatus.DELIVERED: "Delivered",
            OrderStatus.CANCELLED: "Order cancelled",
        }.get(event.to_status, f"Now {event.to_status.value}")
    if kind is EventKind.SHIPMENT:
        text = f"Shipment of {data.get('units', '?')} units with {data.get('carrier', '?')}"
        return text + (f", tracking {data['tracking_number']}"
                       if data.get("tracking_number") else "")
    if kind is EventKind.SHIPMENT_VOIDED:
        return (f"Shipment with {data.get('carrier', '?')} cancelled: label refunded, "
                f"{data.get('units', '?')} units back in stock")
    if kind is EventKind.DELAY:
        return (f"Delayed: new ETA {_day(data.get('new_eta'))} "
                f"(was {_day(data.get('previous_eta'))})")
    if kind in (EventKind.CHANGE_REQUESTED, EventKind.CHANGE_ACCEPTED,
                EventKind.CHANGE_DECLINED):
        parts = []
        if data.get("delivery_date"):
            parts.append(f"deliver {_day(data['delivery_date'])}")
        if data.get("delivery_location"):
            parts.append(f"to {data['delivery_location'].get('name', '')}")
        verb = {EventKind.CHANGE_REQUESTED: "Delivery change requested",
                EventKind.CHANGE_ACCEPTED: "Delivery change accepted",
                EventKind.CHANGE_DECLINED: "Delivery change declined"}[kind]
        return verb + (": " + " ".join(parts) if parts else "")
    if kind is EventKind.EXPEDITE:
        return "Expedited"
    if kind is EventKind.BACKORDER_READY:
        return "Backorder in stock: everything is reserved"
    if kind is EventKind.LATE:
        return f"Late: past its delivery date ({_day(data.get('due_date'))})"
    return kind.value.replace("_", " ").capitalize()
