"""What the domain announces. `messaging` (and anything else) subscribes; `wholesale` never
imports its listeners. Senders are the organization the event belongs to."""

from blinker import Namespace

_signals = Namespace()

organization_created = _signals.signal("organization-created")
invitation_created = _signals.signal("invitation-created")
customer_connected = _signals.signal("customer-connected")
user_removed = _signals.signal("user-removed")
