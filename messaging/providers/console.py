"""The console backend: nothing leaves the machine. The message is already in the
database (the notification row, its attachments in `notification_attachments`); it is
marked delivered and shown on /dev/outbox, where the attachments can be downloaded.
Each send is one DEBUG line: at INFO the demo's first start printed hundreds of them
after `make run`'s banner, which names the outbox page instead."""

from __future__ import annotations

import logging

from messaging.providers.base import OutboundMessage, ProviderResult

log = logging.getLogger(__name__)


class ConsoleProvider:
    def __init__(self, channel: str) -> None:
        self.name = "console"
        self.channel = channel

    def send(self, message: OutboundMessage) -> ProviderResult:
        attached = "".join(f" [{a.filename}, {len(a.content)} bytes]"
                           for a in message.attachments)
        log.debug("console %s #%s to %s: %s%s", message.channel, message.notification_id,
                 message.to, message.subject or message.text[:60], attached)
        return ProviderResult("console", f"console-{message.notification_id}", delivered=True)
