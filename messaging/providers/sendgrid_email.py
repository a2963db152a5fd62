"""Email through SendGrid's v3 Mail Send API with the `sendgrid` SDK.

`SENDGRID_API_HOST` is the client's host; `reply_to` is the order's reply address; our
notification id and idempotency key travel in `custom_args`, so Event Webhook reports find
their notification (and a resend after a crash can be recognised). Attachments go in the
message's `attachments` ({content: base64, filename, type, disposition})."""

from __future__ import annotations

import base64
import http.client

from python_http_client import exceptions as http_errors
from sendgrid import SendGridAPIClient
from sendgrid.helpers.mail import (
    Attachment,
    CustomArg,
    Disposition,
    Email,
    FileContent,
    FileName,
    FileType,
    Header,
    HtmlContent,
    Mail,
    PlainTextContent,
    ReplyTo,
    To,
)

from messaging.providers.base import (
    OutboundMessage,
    ProviderError,
    ProviderResult,
    retry_after_seconds,
)

NOTIFICATION_ARG = "ordertalk_notification_id"
KEY_ARG = "ordertalk_idempotency_key"
PERMANENT = frozenset({400, 401, 403, 404, 405, 413, 415})


class SendGridProvider:
    name = "sendgrid"

    def __init__(self, api_key: str, host: str, mail_from: str, timeout: float = 10.0) -> None:
        self.api_key = api_key
        self.host = host
        self.mail_from = mail_from
        self.timeout = timeout

    def build(self, message: OutboundMessage) -> Mail:
        mail = Mail(
            from_email=Email(self.mail_from, "Ordertalk"),
            to_emails=To(message.to),
            subject=message.subject or "Ordertalk",
            plain_text_content=PlainTextContent(message.text),
            html_content=HtmlContent(message.html) if message.html else None,
        )
        if message.reply_to:
            mail.reply_to = ReplyTo(message.reply_to)
        # On the personalization (the spec types the message-level `custom_args` as a
        # string); SendGrid reports them in every Event Webhook event of the message.
        mail.custom_arg = [
            CustomArg(NOTIFICATION_ARG, str(message.notification_id), p=0),
            CustomArg(KEY_ARG, message.idempotency_key, p=0),
        ]
        if message.unsubscribe_url:
            mail.header = Header("List-Unsubscribe", f"<{message.unsubscribe_url}>")
        for item in message.attachments:
            mail.add_attachment(Attachment(
                FileContent(base64.b64encode(item.content).decode("ascii")),
                FileName(item.filename),
                FileType(item.content_type),
                Disposition(item.disposition),
            ))
        return mail

    def send(self, message: OutboundMessage) -> ProviderResult:
        # A client per send: the SDK's clients share mutable header dicts between threads.
        client = SendGridAPIClient(api_key=self.api_key, host=self.host)
        client.client.timeout = self.timeout
        try:
            response = client.send(self.build(message))
        except http_errors.HTTPError as exc:
            status = int(exc.status_code)
            body = exc.body.decode("utf-8", "replace") if isinstance(exc.body, bytes) else str(
                exc.body)
            headers = exc.headers or {}
            raise ProviderError(
                f"SendGrid answered {status}: {body[:300]}",
                transient=status not in PERMANENT and (status == 429 or status >= 500
                                                       or status == 408),
                code=str(status),
                retry_after=retry_after_seconds(headers.get("Retry-After")),
            ) from None
        except (http.client.HTTPException, OSError) as exc:  # timeouts, refused, URLError
            raise ProviderError(f"SendGrid unreachable: {exc}", transient=True,
                                code="network") from None
        message_id = response.headers.get("X-Message-Id") if response.headers else None
        return ProviderResult(self.name, message_id)
