"""The adapters' interface: what to send, what came back, and how a failure is classed
(transient: try again later; permanent: give up)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Attachment:
    """A file sent with an email (e.g. an invoice PDF). SMS has none: its text links to
    what the email would attach."""

    filename: str
    content_type: str
    content: bytes
    disposition: str = "attachment"


@dataclass(frozen=True)
class OutboundMessage:
    notification_id: int
    channel: str  # "email" or "sms"
    to: str
    text: str
    subject: str | None = None
    html: str | None = None
    reply_to: str | None = None
    idempotency_key: str = ""
    unsubscribe_url: str | None = None
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class ProviderResult:
    provider: str
    provider_message_id: str | None
    # True when the provider reports delivery at once (the console backend).
    delivered: bool = False


class ProviderError(Exception):
    """A send that did not go through. `transient`: worth another try (429, 5xx,
    timeouts); otherwise permanent (a bad number, an unsubscribed recipient, 4xx)."""

    def __init__(
        self,
        message: str,
        *,
        transient: bool,
        code: str | None = None,
        retry_after: float | None = None,
        unsubscribed: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.transient = transient
        self.code = code
        self.retry_after = retry_after
        self.unsubscribed = unsubscribed

    def __str__(self) -> str:
        return f"{self.code}: {self.message}" if self.code else self.message


class Provider(Protocol):
    name: str

    def send(self, message: OutboundMessage) -> ProviderResult: ...


def retry_after_seconds(value: str | None) -> float | None:
    """A Retry-After header's seconds (the HTTP-date form is ignored)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
