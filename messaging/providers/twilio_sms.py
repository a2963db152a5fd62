"""SMS through Twilio's Messages API with the `twilio` SDK.

`TWILIO_API_BASE_URL` is honoured by a custom HTTP client that sends the SDK's
`https://api.twilio.com/...` requests to that base instead. The status callback URL
(under PUBLIC_BASE_URL) carries our notification id.

SMS carries no attachments (MMS media would need a public URL, and PDFs are not MMS media
in most countries): the SMS templates link to what the email attaches (e.g. the invoice's
page), and attachments handed to this adapter are left out, never sent as MediaUrl."""

from __future__ import annotations

import logging
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from twilio.base.exceptions import TwilioException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from messaging.providers.base import OutboundMessage, ProviderError, ProviderResult

# The SDK logs every request and its headers at INFO: keep that for debugging only.
logging.getLogger("twilio.http_client").setLevel(logging.WARNING)

TWILIO_API = "https://api.twilio.com"
# Error codes worth another try; the rest of 4xx are permanent.
TRANSIENT_CODES = frozenset({20429, 20500, 20503, 30001, 30500})
UNSUBSCRIBED = 21610
INVALID_NUMBER = 21211


class RebasedHttpClient(TwilioHttpClient):
    """The SDK's HTTP client, talking to `base_url` instead of https://api.twilio.com."""

    def __init__(self, base_url: str, timeout: float, pool_size: int) -> None:
        super().__init__(pool_connections=True, timeout=timeout)
        self.base_url = base_url.rstrip("/")
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=max(pool_size, 4))
        assert self.session is not None
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if url.startswith(TWILIO_API):
            url = self.base_url + url[len(TWILIO_API):]
        return super().request(method, url, *args, **kwargs)


class TwilioProvider:
    name = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        from_number: str | None,
        messaging_service_sid: str | None,
        api_base_url: str,
        public_base_url: str,
        timeout: float = 10.0,
        pool_size: int = 8,
    ) -> None:
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid
        self.public_base_url = public_base_url.rstrip("/")
        self.http_client = RebasedHttpClient(api_base_url, timeout, pool_size)
        self.client = Client(account_sid, auth_token, http_client=self.http_client)

    def status_callback(self, notification_id: int) -> str:
        return f"{self.public_base_url}/webhooks/twilio/status?notification={notification_id}"

    def send(self, message: OutboundMessage) -> ProviderResult:
        kwargs: dict[str, Any] = {
            "to": message.to,
            "body": message.text,
            "status_callback": self.status_callback(message.notification_id),
        }
        if self.messaging_service_sid:
            kwargs["messaging_service_sid"] = self.messaging_service_sid
        elif self.from_number:
            kwargs["from_"] = self.from_number
        else:
            raise ProviderError("Set TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID.",
                                transient=False, code="config")
        try:
            sent = self.client.messages.create(**kwargs)
        except TwilioException as exc:
            raise _classify(exc) from None
        except requests.RequestException as exc:
            raise ProviderError(f"Twilio unreachable: {exc}", transient=True,
                                code="network") from None
        return ProviderResult(self.name, sent.sid)


def _classify(exc: TwilioException) -> ProviderError:
    status = int(getattr(exc, "status", 0) or 0)
    raw_code = getattr(exc, "code", None)
    try:
        code = int(raw_code) if raw_code is not None else None
    except (TypeError, ValueError):
        code = None
    message = str(getattr(exc, "msg", None) or getattr(exc, "detail", None) or exc)
    transient = status == 429 or status >= 500 or status == 0 or code in TRANSIENT_CODES
    if code in (UNSUBSCRIBED, INVALID_NUMBER):
        transient = False
    return ProviderError(
        f"Twilio answered {status}: {message}"[:500],
        transient=transient,
        code=str(code or status),
        unsubscribed=code == UNSUBSCRIBED,
    )
