"""The conflicts (409) fulfilment answers with, each with its CONTRACT-style code."""

from __future__ import annotations

from wholesale.errors import Conflict, DomainError


class InvalidTransition(Conflict):
    """A status move the transition table or the rules of who-does-what do not allow."""

    code = "invalid_transition"


class OrderClosed(Conflict):
    """The order is shipped, delivered or cancelled: this can no longer be done."""

    code = "order_closed"


class NothingToShip(Conflict):
    code = "nothing_to_ship"


class ChangePending(Conflict):
    code = "change_pending"


class ChangeNotPending(Conflict):
    code = "change_not_pending"


class AlreadyExpedited(Conflict):
    code = "already_expedited"


class RateExpired(Conflict):
    """A quoted carrier rate is too old to buy (or the carrier says it expired)."""

    code = "rate_expired"


class LabelInDoubt(Conflict):
    """An earlier purchase of another of the order's rates lapsed (its process died while the
    carrier answered): that label may have been bought, so no other is bought until that
    rate is bought again (which records the label if it was bought)."""

    code = "label_in_doubt"


class PurchaseInProgress(Conflict):
    """A label of this order is being bought (or refunded) right now: the carrier has not
    answered the first request yet."""

    code = "label_in_progress"


class LabelNotRefundable(Conflict):
    """No label to refund, already refunded, scanned by the carrier, or invoiced."""

    code = "label_not_refundable"


class CarrierRefused(DomainError):
    """The carrier refused what was asked (an address, parcels with no rates, a refund):
    `code` is the carrier adapter's (invalid_address, no_rates, label_failed, ...)."""

    status = 422
    code = "carrier_refused"


class CarrierUnavailable(DomainError):
    """The carrier did not answer (429, 5xx, network) even after retries."""

    status = 503
    code = "carrier_unavailable"
