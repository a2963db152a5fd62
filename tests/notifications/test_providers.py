"""The adapters with the real SDKs against local fake Twilio and SendGrid servers; every
request is checked against the providers' OpenAPI specs."""

from __future__ import annotations

import pytest
import requests

from messaging.providers import OutboundMessage, ProviderError, build_providers
from messaging.providers.console import ConsoleProvider
from tests.conftest import skip_or_fail
from tests.notifications.conftest import provider_config
from tests.notifications.fakes import Fault
from tests.notifications.util import TWILIO_SID


def _sms(nid: int = 41, to: str = "+14155550100") -> OutboundMessage:
    return OutboundMessage(notification_id=nid, channel="sms", to=to,
                           text="Golden Gate Produce: order GG-00042 shipped. http://x/o/abc",
                           idempotency_key="k" * 64)


def _email(nid: int = 42) -> OutboundMessage:
    return OutboundMessage(notification_id=nid, channel="email", to="ana@bistro.test",
                           subject="Order GG-00042 has shipped", text="Hello Ana,\n",
                           html="<p>Hello Ana,</p>",
                           reply_to="order+42.u1.abc@reply.ordertalk.test",
                           idempotency_key="a" * 64,
                           unsubscribe_url="http://127.0.0.1:5000/notifications/unsubscribe/x")


def test_no_provider_configured_means_the_console(app):
    providers = build_providers(app.config)
    assert isinstance(providers.email, ConsoleProvider)
    assert isinstance(providers.sms, ConsoleProvider)
    result = providers.sms.send(_sms())
    assert result.delivered and result.provider == "console"


def test_twilio_sends_a_message_the_spec_accepts(app, twilio):
    providers = build_providers(provider_config(app, twilio, None))
    result = providers.sms.send(_sms())
    [request] = twilio.requests
    assert request.method == "POST"
    assert request.path == f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
    form = {k: v[0] for k, v in request.form.items()}
    assert form["To"] == "+14155550100" and form["From"] == "+14155550000"
    assert form["Body"].startswith("Golden Gate Produce")
    assert form["StatusCallback"] == (
        f"{app.config['PUBLIC_BASE_URL']}/webhooks/twilio/status?notification=41")
    assert twilio.authorized(request)
    assert request.spec_errors == []
    assert result.provider == "twilio" and result.provider_message_id.startswith("SM")


def test_twilio_with_a_messaging_service(app, twilio):
    config = provider_config(app, twilio, None)
    config.update(TWILIO_FROM_NUMBER=None, TWILIO_MESSAGING_SERVICE_SID="MG" + "2" * 32)
    build_providers(config).sms.send(_sms())
    form = twilio.requests[0].form
    assert form["MessagingServiceSid"] == ["MG" + "2" * 32] and "From" not in form
    assert twilio.requests[0].spec_errors == []


def test_sendgrid_sends_a_mail_the_spec_accepts(app, sendgrid):
    providers = build_providers(provider_config(app, None, sendgrid))
    result = providers.email.send(_email())
    [request] = sendgrid.requests
    assert request.path == "/v3/mail/send"
    assert request.headers["Authorization"] == "Bearer SG.test-key"
    body = request.json
    assert body["personalizations"][0]["to"] == [{"email": "ana@bistro.test"}]
    assert body["from"] == {"email": app.config["MAIL_FROM"], "name": "Ordertalk"}
    assert body["reply_to"] == {"email": "order+42.u1.abc@reply.ordertalk.test"}
    assert body["subject"] == "Order GG-00042 has shipped"
    assert [c["type"] for c in body["content"]] == ["text/plain", "text/html"]
    custom_args = body["personalizations"][0]["custom_args"]
    assert custom_args["ordertalk_notification_id"] == "42"
    assert custom_args["ordertalk_idempotency_key"] == "a" * 64
    assert body["headers"]["List-Unsubscribe"].startswith("<http")
    assert request.spec_errors == []
    assert result.provider == "sendgrid" and result.provider_message_id


def test_the_spec_check_catches_a_bad_request(twilio, sendgrid):
    """The fake servers' spec validation is real: requests the providers would refuse are
    reported."""
    if not twilio.spec_checked:
        skip_or_fail("../shared/specs is absent: nothing to check requests against")
    requests.post(f"{twilio.url}/2010-04-01/Accounts/{TWILIO_SID}/Messages.json",
                  data={"Body": "no recipient"}, timeout=5)
    requests.post(f"{sendgrid.url}/v3/mail/send", json={"subject": "no one"}, timeout=5)
    assert twilio.spec_errors() and sendgrid.spec_errors()


@pytest.mark.parametrize(("fault", "transient", "unsubscribed"), [
    (Fault(500), True, False),
    (Fault(503), True, False),
    (Fault(429, code=20429), True, False),
    (Fault(400, code=21211), False, False),
    (Fault(400, code=21610), False, True),
    (Fault(401, code=20003), False, False),
])
def test_twilio_errors_are_classed(app, twilio, fault, transient, unsubscribed):
    twilio.fail_next(fault)
    with pytest.raises(ProviderError) as caught:
        build_providers(provider_config(app, twilio, None)).sms.send(_sms())
    assert caught.value.transient is transient
    assert caught.value.unsubscribed is unsubscribed


@pytest.mark.parametrize(("status", "transient"), [
    (500, True), (502, True), (503, True), (429, True), (400, False), (401, False),
    (403, False),
])
def test_sendgrid_errors_are_classed(app, sendgrid, status, transient):
    sendgrid.fail_next(Fault(status, retry_after="7" if status == 429 else None))
    with pytest.raises(ProviderError) as caught:
        build_providers(provider_config(app, None, sendgrid)).email.send(_email())
    assert caught.value.transient is transient
    if status == 429:
        assert caught.value.retry_after == 7


def test_timeouts_are_transient(app, twilio, sendgrid):
    twilio.fail_next(Fault(0, delay=1.0))
    sendgrid.fail_next(Fault(0, delay=1.0))
    providers = build_providers(provider_config(app, twilio, sendgrid), timeout=0.3)
    for provider, message in ((providers.sms, _sms()), (providers.email, _email())):
        with pytest.raises(ProviderError) as caught:
            provider.send(message)
        assert caught.value.transient
