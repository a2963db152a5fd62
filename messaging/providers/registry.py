"""Which adapter sends each channel, from the settings: SendGrid when SENDGRID_API_KEY is
set, Twilio when TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are; the console otherwise."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from messaging.providers.base import Provider
from messaging.providers.console import ConsoleProvider


@dataclass(frozen=True)
class Providers:
    email: Provider
    sms: Provider

    def for_channel(self, channel: str) -> Provider:
        return self.email if channel == "email" else self.sms


def build_providers(config: Mapping[str, Any], *, timeout: float = 10.0,
                    pool_size: int = 8) -> Providers:
    email: Provider = ConsoleProvider("email")
    sms: Provider = ConsoleProvider("sms")
    if config.get("SENDGRID_API_KEY"):
        from messaging.providers.sendgrid_email import SendGridProvider

        email = SendGridProvider(config["SENDGRID_API_KEY"], config["SENDGRID_API_HOST"],
                                 config["MAIL_FROM"], timeout=timeout)
    if config.get("TWILIO_ACCOUNT_SID") and config.get("TWILIO_AUTH_TOKEN"):
        from messaging.providers.twilio_sms import TwilioProvider

        sms = TwilioProvider(
            config["TWILIO_ACCOUNT_SID"],
            config["TWILIO_AUTH_TOKEN"],
            from_number=config.get("TWILIO_FROM_NUMBER"),
            messaging_service_sid=config.get("TWILIO_MESSAGING_SERVICE_SID"),
            api_base_url=config["TWILIO_API_BASE_URL"],
            public_base_url=config["PUBLIC_BASE_URL"],
            timeout=timeout,
            pool_size=pool_size,
        )
    return Providers(email, sms)
