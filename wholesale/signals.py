"""What the domain announces. `messaging` (and anything else) subscribes; `wholesale` never
imports its listeners. Senders are the organization the event belongs to."""

from blinker import Namespace

_signals = Namespace()

organization_created = _signals.signal("organization-created")
invitation_created = _signals.signal("invitation-created")
customer_connected = _signals.signal("customer-connected")
user_removed = _signals.signal("user-removed")

# Stock arrived in a warehouse (sender: the supplier organization; kwargs product_id,
# warehouse_id, quantity) — backorders waiting for it can be allocated.
stock_received = _signals.signal("stock-received")

# An order was placed (sender: the supplier organization; kwargs order). Sent once per
# placement, for the main order; its backorder, if any, is `order.backorders[0]`.
order_placed = _signals.signal("order-placed")
