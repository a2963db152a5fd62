"""The carrier adapters' interface: parcels and addresses in, rates and labels out, and how
a failure is classed. Backends: `console` (no account: made-up rates and a printable
placeholder label, so a fresh clone works) and `shippo` (the official SDK)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class Address:
    name: str
    street1: str
    city: str = ""
    state: str = ""
    zip: str = ""
    country: str = "US"
    phone: str | None = None
    email: str | None = None


_US_ADDRESS = re.compile(
    r"^(?P<street>.+?),\s*(?P<city>[^,]+?),\s*(?P<state>[A-Za-z]{2})\s+(?P<zip>\d{5}(-\d{4})?)"
    r"(,\s*(?P<country>[A-Za-z]{2}))?\s*$")


def parse_address(name: str, text: str, *, phone: str | None = None,
                  email: str | None = None) -> Address:
    """Our one-line addresses ("2100 Mission St, San Francisco, CA 94110") as carrier
    fields; anything else goes whole into street1 and the carrier says what is missing."""
    match = _US_ADDRESS.match(text.strip())
    if match is None:
        return Address(name=name, street1=text.strip(), phone=phone, email=email)
    return Address(name=name, street1=match["street"], city=match["city"],
                   state=match["state"].upper(), zip=match["zip"],
                   country=(match["country"] or "US").upper(), phone=phone, email=email)


@dataclass(frozen=True)
class Parcel:
    weight_kg: Decimal
    length_cm: Decimal
    width_cm: Decimal
    height_cm: Decimal


@dataclass(frozen=True)
class Rate:
    id: str  # the carrier's rate id: what buying the label names
    carrier: str
    service: str
    amount: Decimal
    currency: str
    days: int | None


@dataclass(frozen=True)
class Label:
    transaction_id: str
    rate_id: str
    tracking_number: str
    tracking_url: str | None
    label_url: str | None
    pdf: bytes
    eta: datetime | None = None


@dataclass(frozen=True)
class RefundAnswer:
    refund_id: str
    status: str  # QUEUED, PENDING, SUCCESS or ERROR (refused after all)


class CarrierError(Exception):
    """A call the carrier refused or could not answer. `code`: invalid_address, no_rates,
    rate_expired, label_failed, refund_refused (permanent) or carrier_unavailable (429, 5xx,
    network: `transient`, already retried)."""

    def __init__(self, message: str, *, code: str, transient: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.transient = transient


class CarrierBackend(Protocol):
    name: str

    def rates(self, sender: Address, recipient: Address, parcels: list[Parcel]) -> list[Rate]:
        """Every rate for these parcels, cheapest first."""
        ...

    def buy_label(self, rate_id: str, *, recover: bool = False) -> Label:
        """Buy the label of a rate this backend quoted (PDF included). `recover`: an
        earlier purchase of this rate may have gone through unrecorded (its process died):
        take that label if there is one."""
        ...

    def refund(self, transaction_id: str) -> RefundAnswer:
        """Ask for a label's refund: its id and status (QUEUED, PENDING, SUCCESS)."""
        ...

    def refund_status(self, refund_id: str) -> str:
        """A refund's status now (QUEUED, PENDING, SUCCESS, or ERROR: refused after all)."""
        ...
