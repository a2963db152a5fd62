"""Sending email and SMS: one small interface (`Provider.send(message) -> ProviderResult`)
and its adapters — `console` (kept in the database, shown on /dev/outbox), `sendgrid` and
`twilio` (the providers' own SDKs). `build_providers(config)` picks them from the settings
of CONTRACT.md §2. Email may carry attachments; SMS never does (its text links instead)."""

from messaging.providers.base import (
    Attachment,
    OutboundMessage,
    Provider,
    ProviderError,
    ProviderResult,
)
from messaging.providers.registry import Providers, build_providers

__all__ = [
    "Attachment",
    "OutboundMessage",
    "Provider",
    "ProviderError",
    "ProviderResult",
    "Providers",
    "build_providers",
]
