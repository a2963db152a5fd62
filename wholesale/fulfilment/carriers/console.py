"""The console carrier: no account, no network. Made-up rates (from the parcels' weight),
labels with a random tracking number and a placeholder PDF that says it is not valid, and
refunds that always succeed. What a fresh clone and the demo use."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal

from fpdf import FPDF

from wholesale.fulfilment.carriers.base import (
    Address,
    CarrierError,
    Label,
    Parcel,
    Rate,
    RefundAnswer,
)


@dataclass(frozen=True)
class _Service:
    token: str
    carrier: str
    service: str
    base: Decimal
    per_kg: Decimal
    days: int


SERVICES = (
    _Service("usps_priority", "USPS", "Priority Mail", Decimal("8.10"), Decimal("1.20"), 2),
    _Service("ups_ground", "UPS", "Ground", Decimal("9.75"), Decimal("0.85"), 4),
    _Service("fedex_2day", "FedEx", "2Day", Decimal("18.40"), Decimal("1.90"), 2),
)
_BY_TOKEN = {s.token: s for s in SERVICES}
_PREFIX = "console_"


class ConsoleCarrier:
    name = "console"

    def rates(self, sender: Address, recipient: Address, parcels: list[Parcel]) -> list[Rate]:
        weight = sum((p.weight_kg for p in parcels), Decimal(0))
        found = [
            Rate(id=f"{_PREFIX}{s.token}_{secrets.token_hex(8)}", carrier=s.carrier,
                 service=s.service, currency="USD", days=s.days,
                 amount=(s.base * len(parcels) + s.per_kg * weight).quantize(Decimal("0.01")))
            for s in SERVICES
        ]
        return sorted(found, key=lambda r: r.amount)

    def buy_label(self, rate_id: str, *, recover: bool = False) -> Label:
        token = rate_id.removeprefix(_PREFIX).rsplit("_", 1)[0]
        service = _BY_TOKEN.get(token) if rate_id.startswith(_PREFIX) else None
        if service is None:
            raise CarrierError("That rate is unknown or has expired; get the rates again.",
                               code="rate_expired")
        number = "CONSOLE" + "".join(secrets.choice("0123456789") for _ in range(12))
        return Label(transaction_id=f"{_PREFIX}tx_{secrets.token_hex(8)}", rate_id=rate_id,
                     tracking_number=number, tracking_url=None, label_url=None,
                     pdf=_placeholder_pdf(service, number))

    def refund(self, transaction_id: str) -> RefundAnswer:
        return RefundAnswer(f"console-refund-{transaction_id}", "SUCCESS")

    def refund_status(self, refund_id: str) -> str:
        return "SUCCESS"


def _placeholder_pdf(service: _Service, number: str) -> bytes:
    pdf = FPDF(unit="mm", format=(102, 152))  # a 4×6 in label
    pdf.add_page()
    pdf.set_font("helvetica", "B", 16)
    pdf.cell(0, 10, f"{service.carrier} {service.service}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 11)
    pdf.cell(0, 8, f"Tracking {number}", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 6, "Console carrier: a placeholder, not a valid shipping label. "
                         "Set SHIPPO_API_KEY to buy real labels.")
    return bytes(pdf.output())
