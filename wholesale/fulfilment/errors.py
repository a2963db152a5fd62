"""The conflicts (409) fulfilment answers with, each with its CONTRACT-style code."""

from __future__ import annotations

from wholesale.errors import Conflict


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
