"""Rates, labels and refunds through Shippo with the official `shippo` SDK (v3).

`SHIPPO_API_BASE_URL` is the SDK's `server_url`. The SDK has no timeouts and no retries of
its own: its HTTP session here has a timeout, and a 429, a 5xx or a network error is tried
again (a few times, backing off; Retry-After honoured). Buying a label is not idempotent at
Shippo, so before a label purchase is tried again the rate's transactions are listed and a
label already bought is taken instead of buying a second one."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import requests
import shippo
from shippo.models import components, errors, operations

from wholesale.fulfilment.carriers.base import (
    Address,
    CarrierError,
    Label,
    Parcel,
    Rate,
    RefundAnswer,
)

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_LABEL_BYTES = 10 * 1024 * 1024


class _TimeoutSession(requests.Session):
    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        return super().send(request, **kwargs)


class ShippoCarrier:
    name = "shippo"

    def __init__(self, api_key: str, server_url: str, *, timeout: float = 15.0,
                 attempts: int = 3, backoff: float = 0.5,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.session = _TimeoutSession(timeout)
        self.sdk = shippo.Shippo(api_key_header=api_key, server_url=server_url,
                                 client=self.session)
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.sleep = sleep

    # -- the interface ---------------------------------------------------------------------

    def rates(self, sender: Address, recipient: Address, parcels: list[Parcel]) -> list[Rate]:
        request = components.ShipmentCreateRequest(
            address_from=_address(sender), address_to=_address(recipient),
            parcels=[_parcel(p) for p in parcels], async_=False)
        shipment = self._call(lambda: self.sdk.shipments.create(request), "rates")
        found = [_rate(r) for r in shipment.rates or []]
        found = [r for r in found if r is not None]
        if not found:
            texts = [m.text for m in shipment.messages or [] if m.text]
            raise CarrierError("No carrier offers a rate for these parcels and addresses"
                               + (": " + "; ".join(texts[:3]) if texts else "."),
                               code="no_rates")
        return sorted(found, key=lambda r: r.amount)

    def buy_label(self, rate_id: str, *, recover: bool = False) -> Label:
        request = components.TransactionCreateRequest(
            rate=rate_id, async_=False, label_file_type=components.LabelFileTypeEnum.PDF)

        def again() -> components.Transaction | None:
            return self._bought(rate_id)

        transaction = again() if recover else None
        if transaction is None:
            transaction = self._call(lambda: self.sdk.transactions.create(request), "label",
                                     before_retry=again)
        if transaction.status is not components.TransactionStatusEnum.SUCCESS:
            texts = [m.text for m in transaction.messages or [] if m.text]
            text = "; ".join(texts[:3]) or "the carrier did not issue the label"
            expired = any("expire" in t.lower() or "not found" in t.lower() for t in texts)
            raise CarrierError(f"Shippo could not buy the label: {text}",
                               code="rate_expired" if expired else "label_failed")
        return Label(transaction_id=transaction.object_id or "", rate_id=rate_id,
                     tracking_number=transaction.tracking_number or "",
                     tracking_url=transaction.tracking_url_provider or None,
                     label_url=transaction.label_url or None,
                     pdf=self._download(transaction.label_url))

    def refund(self, transaction_id: str) -> RefundAnswer:
        refund = self._call(lambda: self.sdk.refunds.create(transaction=transaction_id,
                                                            async_=False), "refund")
        return RefundAnswer(refund.object_id or "",
                            refund.status.value if refund.status else "QUEUED")

    def refund_status(self, refund_id: str) -> str:
        refund = self._call(lambda: self.sdk.refunds.get(refund_id), "refund status")
        return refund.status.value if refund.status else "QUEUED"

    # -- plumbing --------------------------------------------------------------------------

    def _bought(self, rate_id: str) -> components.Transaction | None:
        """A label already bought for the rate (a purchase whose answer was lost)."""
        try:
            page = self.sdk.transactions.list(operations.ListTransactionsRequest(
                rate=rate_id, object_status=components.TransactionStatusEnum.SUCCESS))
        except (errors.SDKError, requests.RequestException):
            return None
        return next(iter(page.results or []), None)

    def _call(self, call: Callable[[], T], what: str,
              before_retry: Callable[[], T | None] | None = None) -> T:
        for attempt in range(1, self.attempts + 1):
            try:
                return call()
            except errors.SDKError as exc:
                status = exc.status_code
                if status != 429 and status < 500:
                    raise _refused(what, status, exc.body) from None
                problem = f"Shippo answered {status}"
                wait = _retry_after(exc.raw_response) if status == 429 else None
            except requests.RequestException as exc:
                problem, wait = f"Shippo unreachable ({type(exc).__name__})", None
            if attempt == self.attempts:
                break
            log.info("%s: %s; trying again (attempt %d)", what, problem, attempt + 1)
            self.sleep(wait if wait is not None else self.backoff * 2 ** (attempt - 1))
            if before_retry is not None:
                done = before_retry()
                if done is not None:
                    return done
        raise CarrierError(f"{problem}; try again in a few minutes.",
                           code="carrier_unavailable", transient=True)

    def _download(self, url: str | None) -> bytes | None:
        """The label PDF, kept with the shipment; None when it can't be fetched now (the
        label is bought: the shipment keeps the carrier's URL instead)."""
        if not url:
            return None
        try:
            response = self.session.get(url, stream=True)
            data = response.raw.read(MAX_LABEL_BYTES + 1, decode_content=True)
        except requests.RequestException:
            log.warning("label PDF not downloaded from %s", url)
            return None
        if response.status_code != 200 or len(data) > MAX_LABEL_BYTES or not data.startswith(
                b"%PDF"):
            log.warning("label PDF not downloaded from %s (%s)", url, response.status_code)
            return None
        return data


def _address(a: Address) -> components.AddressCreateRequest:
    return components.AddressCreateRequest(
        country=a.country, name=a.name, street1=a.street1, city=a.city or None,
        state=a.state or None, zip=a.zip or None, phone=a.phone, email=a.email)


def _parcel(p: Parcel) -> components.ParcelCreateRequest:
    return components.ParcelCreateRequest(
        mass_unit=components.WeightUnitEnum.KG, weight=str(p.weight_kg),
        distance_unit=components.DistanceUnitEnum.CM, length=str(p.length_cm),
        width=str(p.width_cm), height=str(p.height_cm))


def _rate(rate: components.Rate) -> Rate | None:
    try:
        amount = Decimal(rate.amount)
    except (InvalidOperation, TypeError):
        return None
    service = rate.servicelevel.name if rate.servicelevel else None
    return Rate(id=rate.object_id, carrier=rate.provider, service=service or "",
                amount=amount, currency=(rate.currency or "USD").upper(),
                days=rate.estimated_days)


def _retry_after(response: requests.Response | None) -> float | None:
    value = response.headers.get("Retry-After") if response is not None else None
    try:
        return min(30.0, max(0.0, float(value))) if value else None
    except ValueError:
        return None


def _refused(what: str, status: int, body: str) -> CarrierError:
    """A 4xx: Shippo's JSON names the fields it refused (e.g. {"address_to": {"zip": […]}})
    or carries a `detail`."""
    try:
        payload = json.loads(body)
    except ValueError:
        payload = body
    text = _flatten(payload)[:300] or f"HTTP {status}"
    if what == "rates" and "address" in json.dumps(payload).lower():
        return CarrierError(f"Shippo refused an address: {text}", code="invalid_address")
    if what == "label":
        return CarrierError(f"Shippo refused the rate (unknown or expired): {text}",
                            code="rate_expired")
    if what == "refund":
        return CarrierError(f"Shippo refused the refund: {text}", code="refund_refused")
    return CarrierError(f"Shippo refused the request: {text}", code="carrier_rejected")


def _flatten(value: Any, prefix: str = "") -> str:
    if isinstance(value, dict):
        return "; ".join(_flatten(v, f"{prefix}{k}.") for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(_flatten(v, prefix) for v in value)
    return f"{prefix.rstrip('.')}: {value}" if prefix else str(value)
