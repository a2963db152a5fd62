"""The Shippo carrier adapter through the real `shippo` SDK against the local fake Shippo:
rates, labels (with the PDF), refunds, and Shippo's errors (invalid address, no rates,
unknown/expired rate, 429 and 5xx with retries, a lost purchase answer)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from tests.fulfilment.fake_shippo import LABEL_PDF, FakeShippo
from tests.notifications.fakes import Fault
from wholesale.fulfilment.carriers import build_carrier
from wholesale.fulfilment.carriers.base import Address, CarrierError, Parcel, parse_address
from wholesale.fulfilment.carriers.console import ConsoleCarrier
from wholesale.fulfilment.carriers.shippo_backend import ShippoCarrier

SENDER = parse_address("Golden Gate Provisions", "1200 Embarcadero, Oakland, CA 94606")
RECIPIENT = parse_address("Bistro Verde", "2100 Mission St, San Francisco, CA 94110")
BOX = Parcel(Decimal("4.5"), Decimal("40"), Decimal("30"), Decimal("20"))


@pytest.fixture
def fake() -> Iterator[FakeShippo]:
    server = FakeShippo().start()
    yield server
    server.stop()
    assert server.shape_errors == []  # every answer was one the SDK's models accept


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def carrier(fake: FakeShippo, sleeps: list[float]) -> ShippoCarrier:
    return ShippoCarrier(fake.api_key, fake.url, timeout=2, sleep=sleeps.append)


def test_the_settings_choose_the_backend(fake):
    assert isinstance(build_carrier({"SHIPPO_API_KEY": None}), ConsoleCarrier)
    chosen = build_carrier({"SHIPPO_API_KEY": "shippo_test_x", "SHIPPO_API_BASE_URL": fake.url})
    assert isinstance(chosen, ShippoCarrier)
    assert chosen.sdk.sdk_configuration.server_url == fake.url


def test_addresses_are_split_for_the_carrier():
    assert Address("Bistro Verde", "2100 Mission St", "San Francisco", "CA",
                                "94110", "US") == RECIPIENT
    assert parse_address("X", "Somewhere 1").street1 == "Somewhere 1"


def test_rates_come_back_cheapest_first_with_what_the_page_shows(carrier, fake):
    rates = carrier.rates(SENDER, RECIPIENT, [BOX, BOX])
    assert [(r.carrier, r.service, r.days) for r in rates] == [
        ("USPS", "Priority Mail", 2), ("UPS", "Ground", 5), ("FedEx", "2Day", 2)]
    assert rates[0].amount == Decimal("23.26") and rates[0].currency == "USD"
    (sent,) = fake.calls("/shipments")
    assert sent.headers["Authorization"] == f"ShippoToken {fake.api_key}"
    assert sent.json["async"] is False
    assert sent.json["address_to"] == {"name": "Bistro Verde", "street1": "2100 Mission St",
                                       "city": "San Francisco", "state": "CA",
                                       "zip": "94110", "country": "US"}
    assert sent.json["parcels"][0] == {"weight": "4.5", "mass_unit": "kg", "length": "40",
                                       "width": "30", "height": "20", "distance_unit": "cm"}


def test_a_label_is_bought_with_its_pdf_and_refunded(carrier, fake):
    rate = carrier.rates(SENDER, RECIPIENT, [BOX])[0]
    label = carrier.buy_label(rate.id)
    (bought,) = fake.purchases()
    assert label.transaction_id == bought["object_id"]
    assert label.tracking_number == bought["tracking_number"] != ""
    assert label.tracking_url == bought["tracking_url_provider"]
    assert label.pdf == LABEL_PDF
    assert fake.calls("/transactions")[0].json == {"rate": rate.id, "async": False,
                                                   "label_file_type": "PDF"}
    refund = carrier.refund(label.transaction_id)
    assert refund.status == "QUEUED" and refund.refund_id in fake.refunds
    with pytest.raises(CarrierError) as twice:
        carrier.refund(label.transaction_id)
    assert twice.value.code == "refund_refused" and not twice.value.transient
    assert carrier.refund_status(refund.refund_id) == "QUEUED"
    fake.settle_refunds("SUCCESS")
    assert carrier.refund_status(refund.refund_id) == "SUCCESS"
    assert fake.calls(f"/refunds/{refund.refund_id}")[-1].method == "GET"


def test_an_invalid_address_is_a_clear_error(carrier):
    wrong = Address("Bistro Verde", "1 Nowhere", "Nowhere", "CA", "00000")
    with pytest.raises(CarrierError) as caught:
        carrier.rates(SENDER, wrong, [BOX])
    assert caught.value.code == "invalid_address"
    assert "unknown ZIP code" in caught.value.message


def test_no_rates_is_a_clear_error(carrier):
    heavy = Parcel(Decimal("90"), Decimal("100"), Decimal("80"), Decimal("80"))
    with pytest.raises(CarrierError) as caught:
        carrier.rates(SENDER, RECIPIENT, [heavy])
    assert caught.value.code == "no_rates"
    assert "Weight exceeds the maximum" in caught.value.message


def test_an_unknown_or_expired_rate_buys_nothing(carrier, fake):
    with pytest.raises(CarrierError) as unknown:
        carrier.buy_label("0" * 32)
    assert unknown.value.code == "rate_expired"
    rate = carrier.rates(SENDER, RECIPIENT, [BOX])[0]
    fake.expired.add(rate.id)
    with pytest.raises(CarrierError) as expired:
        carrier.buy_label(rate.id)
    assert expired.value.code == "rate_expired" and "expired" in expired.value.message
    assert fake.purchases() == []


def test_429_and_5xx_are_tried_again_honouring_retry_after(carrier, fake, sleeps):
    fake.fail_next(Fault(429, retry_after="2"), Fault(503))
    assert carrier.rates(SENDER, RECIPIENT, [BOX])
    assert [r.status for r in fake.calls("/shipments")] == [429, 503, 201]
    assert sleeps == [2.0, 1.0]


def test_it_gives_up_after_the_last_attempt(carrier, fake, sleeps):
    fake.fail_next(Fault(500), Fault(502), Fault(500))
    with pytest.raises(CarrierError) as caught:
        carrier.rates(SENDER, RECIPIENT, [BOX])
    assert caught.value.code == "carrier_unavailable" and caught.value.transient
    assert len(fake.calls("/shipments")) == 3


def test_a_timeout_is_tried_again(fake, sleeps):
    carrier = ShippoCarrier(fake.api_key, fake.url, timeout=0.3, sleep=sleeps.append)
    fake.fail_next(Fault(0, delay=0.6))
    assert carrier.rates(SENDER, RECIPIENT, [BOX])
    assert len(sleeps) == 1


def test_a_lost_purchase_answer_never_buys_twice(carrier, fake):
    rate = carrier.rates(SENDER, RECIPIENT, [BOX])[0]
    fake.lose_next_purchase = True
    label = carrier.buy_label(rate.id)
    (bought,) = fake.purchases()  # one label, found by listing the rate's transactions
    assert label.transaction_id == bought["object_id"]
    assert fake.calls("/transactions")[-1].query.startswith("rate=")


def test_the_console_backend_quotes_and_buys_without_a_network():
    console = ConsoleCarrier()
    rates = console.rates(SENDER, RECIPIENT, [BOX])
    assert len(rates) == 3 and rates == sorted(rates, key=lambda r: r.amount)
    label = console.buy_label(rates[0].id)
    assert label.pdf.startswith(b"%PDF") and label.tracking_number.startswith("CONSOLE")
    with pytest.raises(CarrierError) as caught:
        console.buy_label("made-up")
    assert caught.value.code == "rate_expired"


def test_recovering_a_purchase_takes_the_label_already_bought(carrier, fake):
    rate = carrier.rates(SENDER, RECIPIENT, [BOX])[0]
    first = carrier.buy_label(rate.id)
    again = carrier.buy_label(rate.id, recover=True)  # its process died before recording it
    assert again.transaction_id == first.transaction_id and again.pdf == LABEL_PDF
    assert len(fake.purchases()) == 1
    other = carrier.rates(SENDER, RECIPIENT, [BOX])[1]
    assert carrier.buy_label(other.id, recover=True).transaction_id != first.transaction_id
    assert len(fake.purchases()) == 2  # nothing bought for that rate yet: bought now
