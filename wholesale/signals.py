"""What the domain announces. `messaging` (and anything else) subscribes; `wholesale` never
imports its listeners. Senders are the organization the event belongs to."""

from typing import NamedTuple

from blinker import Namespace

_signals = Namespace()

organization_created = _signals.signal("organization-created")
invitation_created = _signals.signal("invitation-created")
customer_connected = _signals.signal("customer-connected")
user_removed = _signals.signal("user-removed")

# Stock arrived (sender: the supplier organization; kwargs arrivals, a list of `Arrival`:
# one for a receipt or an adjustment, every row's for a CSV import) — backorders waiting for
# it can be allocated.
stock_received = _signals.signal("stock-received")


class Arrival(NamedTuple):
    product_id: int
    warehouse_id: int
    quantity: int


# An order was placed (sender: the supplier organization; kwargs order). Sent once per
# placement, for the main order; its backorder, if any, is `order.backorders[0]`.
order_placed = _signals.signal("order-placed")

# -- the order lifecycle (sender: the supplier organization; every one has kwargs `order`
#    and `actor` — the User who did it, or None for the system) -------------------------
# kwargs from_status, to_status (OrderStatus), note
order_status_changed = _signals.signal("order-status-changed")
# kwargs shipment (carrier, tracking_number, tracking_url, lines)
order_shipped = _signals.signal("order-shipped")
# kwargs previous_eta, new_eta (dates), reason
order_delayed = _signals.signal("order-delayed")
# kwargs change (the request: who asked, new date/location, reason, status, response note)
delivery_change_requested = _signals.signal("delivery-change-requested")
delivery_change_accepted = _signals.signal("delivery-change-accepted")
delivery_change_declined = _signals.signal("delivery-change-declined")
# kwargs reason
order_expedited = _signals.signal("order-expedited")
# a backorder got all its stock reserved and can be fulfilled
backorder_ready = _signals.signal("backorder-ready")
# an order went past its promised delivery date without being delivered
order_late = _signals.signal("order-late")
# the carrier reports a shipment it could not deliver (actor None): kwargs shipment,
# status ("FAILURE" or "RETURNED"), details (the carrier's words)
shipment_problem = _signals.signal("shipment-problem")
# a carrier label was refunded before the carrier had the parcel: the shipment is void and
# its goods are back in the warehouse; kwargs shipment, note
shipment_voided = _signals.signal("shipment-voided")

# -- invoicing (wholesale/invoicing; sender: the supplier organization). Every one has
#    kwargs `invoice` (with `order`, `lines`, totals, `seller`/`bill_to` snapshots) and
#    `actor` (the User, or None for the system) unless noted. See docs/invoicing.md. ------
# kwargs order, recipients (the buyer's billing emails), pdf (a callable returning the
# invoice PDF as bytes), filename
invoice_issued = _signals.signal("invoice-issued")
# kwargs reason
invoice_voided = _signals.signal("invoice-voided")
# the daily run found it past its due date (once per invoice); kwargs days_overdue
invoice_overdue = _signals.signal("invoice-overdue")
# a reminder of the supplier's schedule is due today (once per invoice, kind and day);
# kwargs kind ("before_due", "due", "overdue"), on_date, recipients, pdf, filename
invoice_reminder_due = _signals.signal("invoice-reminder-due")
# kwargs payment (amount, paid_on, method, reference, allocations), invoices (list)
payment_recorded = _signals.signal("payment-recorded")
# kwargs credit_note
credit_note_issued = _signals.signal("credit-note-issued")
# an order placed over the buyer's credit limit waits for the supplier (no `invoice`):
# kwargs order, hold (credit_limit, open_receivables, order_amount, currency)
order_held_for_credit = _signals.signal("order-held-for-credit")
# the supplier decided (no `invoice`): kwargs order, hold, approved (bool), actor, note
order_credit_decided = _signals.signal("order-credit-decided")

# The demo data was seeded (sender: the demo supplier; kwargs buyer, history: the orders of
# the back-dated history written now, none on a second seed): messaging adds its own
# demo content (conversations) in the same transaction.
demo_seeded = _signals.signal("demo-seeded")

# An order draft (wholesale/drafts) changed (sender: the supplier organization; kwargs draft,
# change — "opened", "amended", "replaced", "answered", "updated", "sent_back", "confirmed",
# "confirm_failed", "discarded", "expired" —, actor (the User, or None for the system),
# note (what to tell the buyer beyond the draft itself, e.g. why it could not be placed),
# order (the placed order, for "confirmed")). Messaging shows it live in the account thread
# and answers the buyer on the channel the draft came from.
draft_changed = _signals.signal("draft-changed")

# A purchase order went to its vendor (wholesale/purchasing; sender: the buying supplier;
# kwargs purchase_order (with vendor, lines, warehouse), actor (the User), pdf (a callable
# returning the PO as PDF bytes), filename). Messaging emails the vendor the PDF and, when
# the vendor has a phone, sends an SMS heads-up.
purchase_order_sent = _signals.signal("purchase-order-sent")
# A staff member wrote to the vendor in the PO's thread (sender: the buying supplier; kwargs
# purchase_order, message — a PurchaseOrderMessage with `channel` "email" or "sms" —,
# actor). Messaging sends it to the vendor on that channel.
purchase_order_message = _signals.signal("purchase-order-message")
# sender: the buying supplier; purchase_order=, message=. Any message added to a purchase
# order's thread (staff's, the vendor's reply, an event): its page follows it live.
purchase_order_thread_changed = _signals.signal("purchase-order-thread-changed")
# Staff posted the vendor's new date (sender: the buying supplier; kwargs purchase_order,
# actor, previous and expected_on (dates), note, dependents — `thread.Dependent`s, the
# customer orders waiting for its products —, message: the thread's event saying so).
# Messaging warns the supplier's other staff.
purchase_order_rescheduled = _signals.signal("purchase-order-rescheduled")

# -- delivery runs (wholesale/routes; sender: the supplier organization; kwargs order, actor,
#    stop — the run's stop, with its route and sequence) ------------------------------
# a dispatched run left the warehouse: kwargs window_start, window_end, eta (aware datetimes
# in the supplier's time zone; the window may be None when the location has none)
delivery_dispatched = _signals.signal("delivery-dispatched")
# the driver is two stops away: kwargs minutes (about how long until the drop)
delivery_approaching = _signals.signal("delivery-approaching")
# the driver could not deliver: kwargs kind ("closed", "refused", "damaged", "short"), note,
# photo (None, or (bytes, content type) of a checked PNG/JPEG/WebP image)
delivery_problem = _signals.signal("delivery-problem")
# a stop was delivered, once: kwargs recipient, signature and photo (None or (bytes, content
# type), checked images): messaging shows them in the order thread as the proof
delivery_proof = _signals.signal("delivery-proof")
# a later stop will now arrive after its receiving window (the driver is running late), once
# per stop: kwargs eta (the new expected arrival), window_end (aware datetimes)
delivery_running_late = _signals.signal("delivery-running-late")

# Standing orders (wholesale/standing; sender: the supplier organization). Messaging shows
# each in the account thread and tells people on their preferred channels.
# The reminder before the cut-off, once per occurrence: kwargs occurrence, standing, summary
# (the lines as text), cutoff_at
standing_order_reminder = _signals.signal("standing-order-reminder")
# An occurrence was placed at the cut-off: kwargs occurrence, standing, order
standing_order_placed = _signals.signal("standing-order-placed")
# An occurrence could not be placed (nothing was): kwargs occurrence, standing, reason
standing_order_failed = _signals.signal("standing-order-failed")
